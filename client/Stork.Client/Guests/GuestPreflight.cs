using Stork.Client.State;
using Stork.Client.Store;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>What to do with one guest path, decided before anything is changed.</summary>
internal enum StepKind { Directory, File, Symlink, KeepConfig, Skip }

internal sealed record GuestStep(StepKind Kind, PackageFileEntry Entry, string FullPath, FileStatus? Existing, string? KeepReason = null);

/// <summary>
/// Inspects the guest (without changing it) for every path that new or upgraded packages bring, and fails with
/// <see cref="GuestConflictException"/> if something no package owns is in the way.
/// </summary>
internal static class GuestPreflight
{
    public static List<GuestStep> Check(GuestRecord guest, GuestLayout layout, IReadOnlyList<OwnedFile> owned, IReadOnlySet<string> replaced)
    {
        if (Native.LStat(guest.Root) is not { IsDirectory: true })
            throw new InvalidGuestException($"guest '{guest.Name}': root '{guest.Root}' is missing or not a directory");

        var ownedByPath = owned.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var steps = new List<GuestStep>();
        // Non-directories that an earlier step replaces with a real directory (parents sort before children).
        var becomingDirectories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, target) in layout.Entries)
        {
            if (!target.Changed) continue;
            if (GuestPaths.FirstNonDirectoryParent(guest.Root, path) is { } badParent && !becomingDirectories.Contains(badParent))
                GuestPaths.RequireRealParents(guest.Name, guest.Root, path);
            var full = Path.Combine(guest.Root, path);
            var existing = Native.LStat(full);
            ownedByPath.TryGetValue(path, out var owners);
            var entry = target.Entry;
            // Only files of packages that are leaving (or being replaced) may be overwritten.
            bool ownedByLeavingPackage = owners is not null && owners.Any(o => replaced.Contains(o.Package));

            if (entry.IsDirectory)
            {
                if (existing is { IsDirectory: false })
                {
                    if (!ownedByLeavingPackage) throw Conflict(guest, path, "exists and is not a directory");
                    becomingDirectories.Add(path);
                }
                steps.Add(new GuestStep(StepKind.Directory, entry, full, existing));
                continue;
            }
            if (existing is { IsDirectory: true })
                throw Conflict(guest, path, "is a directory in the guest");
            if (existing is not null && !ownedByLeavingPackage)
            {
                // A config file left behind by an earlier removal (or put there by the admin) is the admin's: keep it.
                if (entry.IsConfig && existing.Value.IsRegularFile)
                {
                    steps.Add(new GuestStep(StepKind.KeepConfig, entry, full, existing, "existing file not owned by any package"));
                    continue;
                }
                throw Conflict(guest, path, "exists and is not owned by any installed package");
            }
            if (entry.IsSymlink)
            {
                bool same = existing is { IsSymlink: true } && new FileInfo(full).LinkTarget == entry.Target;
                steps.Add(new GuestStep(same ? StepKind.Skip : StepKind.Symlink, entry, full, existing));
                continue;
            }
            if (entry.IsConfig && existing is { IsRegularFile: true })
            {
                var previous = owners!.FirstOrDefault(o => o.Type == PackageFileTypes.File);
                var current = GuestFiles.Sha256Of(full);
                if (previous is { Config: true } && current != previous.Sha256)
                {
                    steps.Add(new GuestStep(StepKind.KeepConfig, entry, full, existing, "edited since installed"));
                    continue;
                }
                if (current == entry.Sha256)
                {
                    steps.Add(new GuestStep(StepKind.Skip, entry, full, existing));
                    continue;
                }
            }
            steps.Add(new GuestStep(StepKind.File, entry, full, existing));
        }
        return steps;
    }

    private static GuestConflictException Conflict(GuestRecord guest, string path, string problem) =>
        new(guest.Name, path, $"guest '{guest.Name}': '/{path}' {problem}; nothing was changed (move it away or remove it, then retry)");
}
