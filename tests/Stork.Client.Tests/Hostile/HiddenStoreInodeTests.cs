using Stork.Client.Guests;
using Stork.Client.Store;
using Xunit;

namespace Stork.Client.Tests.Hostile;

/// <summary>
/// A guest that hides a directory (renames it away) while a package is removed keeps that package's file: Stork
/// cannot see it, so no package owns it any more, yet it is still an immutable store inode. When the guest later
/// hides the directory from a planner and puts it back before the files are written, the plan writes over that
/// inode. The change must still finish (the inode is found in the store by content and inode, and lifted), rather
/// than stop after its commit point and leave a journal that every recovery fails on ("the guest's file is
/// immutable"). Seen once in CI, in HostileCliTests' final recover.
/// </summary>
public sealed class HiddenStoreInodeTests
{
    [Fact]
    public async Task A_store_inode_a_guest_hid_from_a_removal_does_not_block_a_later_change_over_it()
    {
        Assert.True(Environment.IsPrivilegedProcess, "needs root (immutable store)");
        using var host = new HostFixture(immutable: true);
        var v1 = host.Build("tool", "1.0.0", new Dictionary<string, string> { ["usr/bin/tool"] = "tool 1\n" });
        var v2 = host.Build("tool", "2.0.0", new Dictionary<string, string> { ["usr/bin/tool"] = "tool 2\n" });
        host.AddGuest("g");
        await host.ApplyAsync("g", v1);
        var bin = Path.Combine(host.GuestRoot("g"), "usr/bin");
        var hidden = Path.Combine(host.GuestRoot("g"), "usr/.hidden");
        var tool = Path.Combine(bin, "tool");

        Directory.Move(bin, hidden);
        await host.ApplyAsync("g"); // remove tool: Stork finds no /usr/bin/tool
        Directory.Move(hidden, bin);
        var orphan = Native.LStat(tool)!.Value;
        Assert.True(orphan.IsImmutable, "the hidden file is still a store inode");
        var v1Store = new ContentStore(host.Paths).FindByInode(Sha("tool 1\n"), orphan);
        Assert.NotNull(v1Store);

        // Hidden from the planner (which then plans a new /usr/bin), back in place before staging.
        Directory.Move(bin, hidden);
        bool restored = false;
        CrashPoints.OnHit = () =>
        {
            if (restored) return;
            restored = true;
            Directory.Move(hidden, bin);
        };
        InstallReport report;
        try { report = await host.ApplyAsync("g", v2); }
        finally { CrashPoints.OnHit = null; }

        Assert.True(restored);
        Assert.Equal(["tool 2.0.0"], report.Added);
        Assert.Equal("tool 2\n", File.ReadAllText(tool));
        Assert.Null(host.Database.Journal.Find("g"));
        Assert.Empty(host.Maintenance.Verify(["g"]));
        Assert.True(NativeFs.IsImmutable(v1Store!), "the lifted store file is protected again");
        Assert.True(NativeFs.IsImmutable(tool));
    }

    private static string Sha(string content) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
}
