using Stork.Client.Diagnostics;
using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Format.Text;

namespace Stork.Client.Operations;

public sealed partial class PackageOperations
{
    /// <summary>
    /// stork-get adopt: packages of the guests' dpkg images (all of them when no name is given) that the trusted
    /// repository publishes at the image's very Debian version become Stork's (<see cref="GuestInstaller.AdoptAsync"/>).
    /// Every guest's candidates are chosen before any guest changes, so a bad name changes nothing (exit 5).
    /// </summary>
    public async Task<IReadOnlyList<AdoptReport>> AdoptAsync(IReadOnlyList<string> guests, IReadOnlyList<string> names, CancellationToken cancellation)
    {
        var (index, trusted) = await RefreshOnceAsync(dryRun: false, cancellation);
        var plans = new List<(string Guest, IReadOnlyList<DesiredPackage> Desired, Dictionary<string, string> Candidates)>();
        foreach (var guest in guests)
        {
            var installed = installer.ListInstalled(guest);
            var (desired, candidates) = AdoptionCandidates(guest, installed, index, names);
            plans.Add((guest, desired, candidates));
        }
        foreach (var (guest, desired, _) in plans) RequireNothingNewFromExpired(guest, desired, trusted);
        using var pin = installer.PinStore();
        using (PhaseTimings.Measure("prefetch blobs"))
            await BlobPrefetch.ForPlansAsync(session, installer, plans.Select(p => (p.Guest, p.Desired)), index, trusted, cancellation);
        var reports = new List<AdoptReport>();
        foreach (var (guest, desired, candidates) in plans)
            reports.Add(candidates.Count == 0
                ? new AdoptReport(guest, [], new Dictionary<string, string>(), null)
                : await installer.AdoptAsync(guest, desired, candidates, new RepositoryBlobSource(session, index, trusted), cancellation));
        return reports;
    }

    // The guest's packages as they are, plus each candidate at the repository's version of the image's Debian version.
    private (IReadOnlyList<DesiredPackage>, Dictionary<string, string>) AdoptionCandidates(string guest, IReadOnlyList<InstalledPackage> installed,
        PackageIndex index, IReadOnlyList<string> names)
    {
        var storks = installed.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var image = (installer.ReadBaseImage(guest)
            ?? throw new GuestException($"guest '{guest}' has no dpkg base image (/{DpkgStatus.StatusPath}); there is nothing to adopt"))
            .Where(p => !storks.Contains(p.Name)).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var desired = installed.Select(p => new DesiredPackage(p.Name, p.Version, p.BlobSha256, 0, p.Manual)).ToList();
        var candidates = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
            if (!image.ContainsKey(name))
                throw new RequestException(storks.Contains(name)
                    ? $"{name} is already Stork's in guest {guest} (installed or adopted), not the image's"
                    : $"{name} is not a package of guest {guest}'s dpkg image{Suggest.DidYouMean(name, image.Keys)}");
        foreach (var own in names.Count > 0 ? names.Distinct().Select(n => image[n]) : image.Values)
        {
            // The repository's packages are imported for the host's architecture (stork-publish import-deb --arch).
            bool sameArch = own.Architecture is null or "all" || own.Architecture == ScriptRunner.DebianArchitecture;
            var match = sameArch ? index.VersionsOf(own.Name).FirstOrDefault(e => e.DebianVersion == own.DebianVersion) : null;
            if (match is null)
            {
                if (names.Count == 0) continue; // not published at the image's version: stays the image's
                throw new RequestException(!sameArch
                    ? $"{own.Name} in guest {guest}'s image is for architecture {own.Architecture}, not this host's {ScriptRunner.DebianArchitecture}"
                    : $"the repository has no {own.Name} at the image's version {own.DebianVersion} (guest {guest})" +
                      (index.VersionsOf(own.Name) is { Count: > 0 } other ? $"; it has {string.Join(", ", other.Select(e => e.DisplayVersion))}" : ""));
            }
            desired.Add(new DesiredPackage(match.Name, match.Version, match.BlobId, match.Target.Length, Manual: true));
            candidates[match.Name] = own.DebianVersion;
        }
        return (desired, candidates);
    }
}
