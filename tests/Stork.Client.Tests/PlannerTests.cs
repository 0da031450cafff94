using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests;

/// <summary>The planner is pure: a fake guest view in, a plan out; nothing on disk.</summary>
public class PlannerTests
{
    private sealed class FakeView(Dictionary<string, (FileStatus Status, string? Sha, string? Target)> files) : IGuestView
    {
        public FileStatus? LStat(string path) => files.TryGetValue(path, out var f) ? f.Status : null;
        public string? LinkTarget(string path) => files[path].Target;
        public string Sha256(string path) => files[path].Sha!;
        public string? FirstNonDirectoryParent(string path)
        {
            var parts = path.Split('/');
            for (int i = 1; i < parts.Length; i++)
            {
                var parent = string.Join('/', parts[..i]);
                if (files.TryGetValue(parent, out var f) && !f.Status.IsDirectory) return parent;
            }
            return null;
        }
    }

    private static readonly GuestRecord Guest = new("g", "/guests/g", LinkMode.HardLink);
    private static FileStatus Dir => new(1, 1, 2, 0x41ED, 0);
    private static FileStatus Reg(ulong inode = 7) => new(1, inode, 1, 0x81A4, 5);
    private static readonly string ShaA = new('a', 64), ShaB = new('b', 64), ShaC = new('c', 64), Blob1 = new('1', 64), Blob2 = new('2', 64);

    private static PackageManifest Manifest(string version, string confSha) => new()
    {
        Name = "p",
        Version = version,
        Files =
        [
            PackageFileEntry.Directory("etc"),
            PackageFileEntry.File("etc/p.conf", "0644", 5, confSha, config: true),
            PackageFileEntry.Directory("usr"),
            PackageFileEntry.File("usr/p", "0755", 5, ShaA),
            PackageFileEntry.File("usr/empty", "0644", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            PackageFileEntry.Symlink("usr/q", "p"),
        ],
    };

    private static PlannerInput Input(IReadOnlyList<InstalledPackage> installed, IReadOnlyList<OwnedFile> owned, DesiredPackage desired,
        PackageManifest? manifest, FakeView view, LinkMode mode = LinkMode.HardLink) =>
        new(Guest, installed, owned, [desired], manifest is null ? new Dictionary<string, PackageManifest>() : new() { ["p"] = manifest },
            view, _ => null, mode);

    [Fact]
    public void SetIdAndOwnedFilesAreSharedOnlyThroughVariantsOfAnImmutableStoreAndSkippedWhenAlreadyLinked()
    {
        var setuid = PackageFileEntry.File("usr/su", "4755", 5, ShaA);
        var owned = PackageFileEntry.File("var/www/i", "0640", 5, ShaC) with { Owner = "www-data:33", Group = "www-data:33" };
        var manifest = new PackageManifest { Name = "p", Version = "1.0.0", Files = [PackageFileEntry.Directory("usr"), setuid, PackageFileEntry.Directory("var"), PackageFileEntry.Directory("var/www"), owned] };
        var desired = new DesiredPackage("p", "1.0.0", Blob1, 10, true);
        var immutable = new FileStatus(1, 50, 1, 0x816D, 5) { IsImmutable = true };
        var variant = new FileStatus(1, 60, 3, 0x89ED, 5) { IsImmutable = true };
        FileActionKind KindOf(string path, LinkMode mode, Func<PackageFileEntry, FileStatus?> store, Func<PackageFileEntry, FileStatus?>? variants, FakeView? view = null) =>
            InstallPlanner.Plan(new PlannerInput(Guest, [], [], [desired], new Dictionary<string, PackageManifest> { ["p"] = manifest }, view ?? new FakeView([]), store, mode, variants))
                .Actions.Single(a => a.Path == path).Kind;

        foreach (var path in new[] { "usr/su", "var/www/i" })
        {
            Assert.Equal(FileActionKind.Share, KindOf(path, LinkMode.HardLink, _ => immutable, _ => null));
            Assert.Equal(FileActionKind.Copy, KindOf(path, LinkMode.HardLink, _ => immutable, null)); // no immutable store
            Assert.Equal(FileActionKind.Copy, KindOf(path, LinkMode.HardLink, _ => immutable with { IsImmutable = false }, _ => null)); // no inode flags
            Assert.Equal(FileActionKind.Copy, KindOf(path, LinkMode.Reflink, _ => immutable, _ => null));
            Assert.Equal(FileActionKind.Copy, KindOf(path, LinkMode.Copy, _ => immutable, _ => null));
        }
        // A guest file that already is this guest's variant is left alone (an upgrade that did not change it).
        var old = new InstalledPackage("p", "0.9.0", Blob2, true);
        var view = new FakeView(new() { ["usr"] = (Dir, null, null), ["usr/su"] = (variant, ShaA, null) });
        var upgrade = InstallPlanner.Plan(new PlannerInput(Guest, [old], [OwnedFile.From("p", setuid)], [desired], new Dictionary<string, PackageManifest> { ["p"] = manifest },
            view, _ => immutable, LinkMode.HardLink, _ => variant));
        Assert.DoesNotContain(upgrade.Actions, a => a.Path == "usr/su");
        // Another guest's variant (other ids) or the plain content file is not this guest's: the path is linked anew.
        upgrade = InstallPlanner.Plan(new PlannerInput(Guest, [old], [OwnedFile.From("p", setuid)], [desired], new Dictionary<string, PackageManifest> { ["p"] = manifest },
            view, _ => variant, LinkMode.HardLink, _ => null));
        Assert.Equal(FileActionKind.Share, upgrade.Actions.Single(a => a.Path == "usr/su").Kind);
    }

    [Fact]
    public void FreshInstallPlansEveryPathAndFetchesTheBlob()
    {
        var plan = InstallPlanner.Plan(Input([], [], new DesiredPackage("p", "1.0.0", Blob1, 10, true), Manifest("1.0.0", ShaB), new FakeView([])));
        Assert.Equal(["p"], plan.BlobsToFetch.Select(p => p.Name));
        Assert.True(plan.Complete);
        Assert.Equal(
            [(FileActionKind.Directory, "etc"), (FileActionKind.Copy, "etc/p.conf"), (FileActionKind.Directory, "usr"),
             (FileActionKind.Empty, "usr/empty"), (FileActionKind.Share, "usr/p"), (FileActionKind.Symlink, "usr/q")],
            plan.Actions.Select(a => (a.Kind, a.Path)));
        var copyPlan = InstallPlanner.Plan(Input([], [], new DesiredPackage("p", "1.0.0", Blob1, 10, true), Manifest("1.0.0", ShaB), new FakeView([]), LinkMode.Copy));
        Assert.Equal(FileActionKind.Copy, copyPlan.Actions.Single(a => a.Path == "usr/p").Kind);
    }

    [Fact]
    public void UnknownManifestGivesAnIncompletePlanWithoutRemovals()
    {
        var plan = InstallPlanner.Plan(Input([], [], new DesiredPackage("p", "1.0.0", Blob1, 10, true), null, new FakeView([])));
        Assert.False(plan.Complete);
        Assert.Empty(plan.Actions);
        Assert.Equal(["p"], plan.ManifestsUnknown.Select(p => p.Name));
    }

    [Fact]
    public void UpgradeKeepsAnEditedConfigAndWritesTheNewOneBeside()
    {
        var v1 = Manifest("1.0.0", ShaB);
        var owned = v1.Files.Select(f => OwnedFile.From("p", f)).ToList();
        var view = new FakeView(new()
        {
            ["etc"] = (Dir, null, null),
            ["usr"] = (Dir, null, null),
            ["etc/p.conf"] = (Reg(), ShaC /* edited */, null),
            ["usr/p"] = (Reg(8), ShaA, null),
            ["usr/empty"] = (Reg(9), null, null),
            ["usr/q"] = (new FileStatus(1, 10, 1, 0xA1FF, 1), null, "p"),
        });
        var plan = InstallPlanner.Plan(Input([new InstalledPackage("p", "1.0.0", Blob1, true)], owned,
            new DesiredPackage("p", "2.0.0", Blob2, 10, true), Manifest("2.0.0", new string('d', 64)), view));
        var conf = plan.Actions.Single(a => a.Path == "etc/p.conf");
        Assert.Equal(FileActionKind.KeepConfigWriteNew, conf.Kind);
        Assert.Equal("etc/p.conf.stork-new", conf.WritePath);
        Assert.Equal(["/etc/p.conf.stork-new"], plan.NewConfigs);
        Assert.DoesNotContain(plan.Actions, a => a.Path == "usr/q"); // same symlink: nothing to do
    }

    [Fact]
    public void RemovalKeepsEditedConfigAndRemovesChildrenFirst()
    {
        var v1 = Manifest("1.0.0", ShaB);
        var owned = v1.Files.Select(f => OwnedFile.From("p", f)).ToList();
        var view = new FakeView(new()
        {
            ["etc"] = (Dir, null, null),
            ["usr"] = (Dir, null, null),
            ["etc/p.conf"] = (Reg(), ShaC, null),
            ["usr/p"] = (Reg(8), ShaA, null),
            ["usr/empty"] = (Reg(9), null, null),
            ["usr/q"] = (new FileStatus(1, 10, 1, 0xA1FF, 1), null, "p"),
        });
        var input = new PlannerInput(Guest, [new InstalledPackage("p", "1.0.0", Blob1, true)], owned, [], new Dictionary<string, PackageManifest>(), view, _ => null, LinkMode.HardLink);
        var plan = InstallPlanner.Plan(input);
        Assert.Equal(
            [(FileActionKind.Remove, "usr/q"), (FileActionKind.Remove, "usr/p"), (FileActionKind.Remove, "usr/empty"), (FileActionKind.RemoveDirectory, "usr"),
             (FileActionKind.KeepConfig, "etc/p.conf"), (FileActionKind.RemoveDirectory, "etc")],
            plan.Actions.Select(a => (a.Kind, a.Path)));
    }

    [Fact]
    public void UnownedFileInTheWayIsAConflictNamingThePath()
    {
        var view = new FakeView(new() { ["usr"] = (Dir, null, null), ["usr/p"] = (Reg(), ShaC, null) });
        var error = Assert.Throws<GuestConflictException>(() =>
            InstallPlanner.Plan(Input([], [], new DesiredPackage("p", "1.0.0", Blob1, 10, true), Manifest("1.0.0", ShaB), view)));
        Assert.Equal("usr/p", error.Path);
        Assert.Contains("/usr/p", error.Message);
        Assert.Equal(Stork.Format.Errors.ErrorClass.Guest, error.Class);
    }
}
