using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Debian;
using Stork.Format.Metadata;
using Stork.Format.Packages;

namespace Stork.Publishing.Repository;

/// <summary>Listing published packages and withdrawing a version (<c>stork-publish list</c> / <c>remove</c>).</summary>
public sealed partial class RepositoryProject
{
    /// <summary>Every package target of the published tree (and those queued for the next publish), by name then version.</summary>
    public List<ListedPackage> ListPackages()
    {
        var result = new List<ListedPackage>();
        foreach (var role in CurrentRoles())
            foreach (var (path, target) in role.Metadata.Targets)
                if (Describe(path, target, role.Name, pending: false) is { } listed) result.Add(listed);
        var pending = PendingTargetsFile.Load(Path.Combine(Directory, PendingFile));
        foreach (var (role, entries) in pending.ByRole)
            foreach (var (path, target) in entries)
                if (Describe(path, target, role.Length == 0 ? "(automatic)" : role, pending: true) is { } listed) result.Add(listed);
        return [.. result
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => NuGet.Versioning.SemanticVersion.Parse(p.Version), NuGet.Versioning.VersionComparer.Default)
            .ThenBy(p => p.Pending)];
    }

    static ListedPackage? Describe(string path, TargetFile target, string role, bool pending)
    {
        if (target.Custom?["stork"] is not JsonObject stork) return null;
        var name = stork["name"]?.GetValue<string>();
        var version = stork["version"]?.GetValue<string>();
        if (name is null || version is null) return null;
        return new ListedPackage(name, version, stork["debianVersion"]?.GetValue<string>(), role, path, target.Length, target.Sha256, pending);
    }

    /// <summary>
    /// Withdraws NAME VERSION: its target entry leaves the role that lists it, which is re-signed with snapshot and
    /// timestamp (and it leaves the pending queue). The blob stays in <c>public/targets/</c>, so a host in the middle of
    /// an update can still fetch what its older snapshot promised; hosts that installed it keep it.
    /// <paramref name="version"/> may be the SemVer version or, for imported packages, the Debian version.
    /// </summary>
    public WithdrawResult RemovePackage(string name, string version, IEnumerable<SigningKey>? extraKeys = null)
    {
        var resolved = ResolveVersion(name, version);
        var targetPath = RepositoryLayout.PackageTarget(name, resolved);
        var root = CurrentRoot();
        var roles = CurrentRoles(root);
        var changed = new Dictionary<string, TargetsMetadata>(StringComparer.Ordinal);
        foreach (var role in roles)
            if (role.Metadata.Targets.ContainsKey(targetPath))
            {
                var targets = new Dictionary<string, TargetFile>(role.Metadata.Targets, StringComparer.Ordinal);
                targets.Remove(targetPath);
                changed[role.Name] = role.Metadata with { Targets = targets };
            }
        var pending = PendingTargetsFile.Load(Path.Combine(Directory, PendingFile));
        var wasPending = false;
        foreach (var entries in pending.ByRole.Values) wasPending |= entries.Remove(targetPath);
        if (changed.Count == 0 && !wasPending)
            throw new PublisherException($"{name} {version} is not published in this repository (see 'stork-publish list')");
        PublishResult? published = null;
        if (changed.Count > 0)
        {
            using var keys = new SigningKeys(Keys, extraKeys);
            published = WriteChain(keys, root, changed);
        }
        if (wasPending) { if (pending.Count == 0) pending.Delete(); else pending.Save(); }
        return new WithdrawResult(name, resolved, [.. changed.Keys], wasPending, published);
    }

    string ResolveVersion(string name, string version)
    {
        if (PackageNames.TryParseVersion(version, out _)) return version;
        if (DebianVersion.TryParse(version, out var debian, out _))
        {
            // Several SemVer builds (+metadata) could map from one Debian version; the listing decides.
            var mapped = DebianVersionMapping.ToSemVer(debian!);
            var match = ListPackages().Where(p => p.Name == name && (p.Version == mapped || p.Version.StartsWith(mapped + "+", StringComparison.Ordinal))).Select(p => p.Version).Distinct().ToList();
            if (match.Count == 1) return match[0];
            if (match.Count > 1) throw new PublisherException($"{name} {version} matches several published versions: {string.Join(", ", match)}; name one");
            return mapped;
        }
        throw new PublisherException($"'{version}' is neither a SemVer 2 version nor a Debian version");
    }
}

public sealed record ListedPackage(string Name, string Version, string? DebianVersion, string Role, string TargetPath, long Length, string Sha256, bool Pending);

public sealed record WithdrawResult(string Name, string Version, IReadOnlyList<string> Roles, bool WasPending, PublishResult? Published);
