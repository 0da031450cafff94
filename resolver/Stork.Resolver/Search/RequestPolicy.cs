using NuGet.Versioning;
using Stork.Resolver.Model;

namespace Stork.Resolver.Search;

/// <summary>The per-request facts the search consults when a name first becomes relevant.</summary>
internal sealed class RequestPolicy
{
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NuGetVersion Version, int Index)> _locks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _prereleaseNames = new(StringComparer.Ordinal);
    private readonly HashSet<PackageId> _exactAllowed = [];
    private readonly HashSet<PackageId> _preferred = [];

    /// <summary>Names that must stay installed (manual or locked installed packages), in request order.</summary>
    public readonly List<string> KeptNames = [];

    public RequestPolicy(SolveRequest request)
    {
        foreach (var name in request.Remove) _removed.Add(name);
        for (int i = 0; i < request.Locks.Count; i++)
        {
            var id = request.Locks[i];
            _locks.TryAdd(id.Name, (id.Version, i));
            _exactAllowed.Add(id);
            _preferred.Add(id);
        }
        foreach (var item in request.Install)
            if (item.Range is { } range && (range.MinVersion?.IsPrerelease == true || range.MaxVersion?.IsPrerelease == true))
                _prereleaseNames.Add(item.Name);

        var upgrading = new HashSet<string>(request.Upgrade, StringComparer.Ordinal);
        var manual = new HashSet<string>(request.ManuallyInstalled, StringComparer.Ordinal);
        var keptSeen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in request.Installed)
        {
            // Keeping what is there is always allowed, even a prerelease nobody asks for again.
            _exactAllowed.Add(id);
            if (!request.UpgradeAll && !upgrading.Contains(id.Name)) _preferred.Add(id);
            bool isManual = manual.Count == 0 || manual.Contains(id.Name);
            if ((isManual || _locks.ContainsKey(id.Name)) && !_removed.Contains(id.Name) && keptSeen.Add(id.Name))
                KeptNames.Add(id.Name);
        }
    }

    /// <summary>True when the request removes or locks anything, i.e. when activation must consult it per candidate.</summary>
    public bool RestrictsNames => _removed.Count > 0 || _locks.Count > 0;

    public bool IsRemoved(string name) => _removed.Count > 0 && _removed.Contains(name);

    /// <summary>The lock index when the name is locked to a version other than this one, else -1.</summary>
    public int LockExcluding(Candidate candidate) =>
        _locks.Count > 0 && _locks.TryGetValue(candidate.Name, out var lockEntry) && lockEntry.Version != candidate.Version ? lockEntry.Index : -1;

    /// <summary>Whether a prerelease candidate may be chosen (call only for prereleases).</summary>
    public bool PrereleaseAllowed(Candidate candidate) =>
        _prereleaseNames.Contains(candidate.Name)
        || _exactAllowed.Contains(new PackageId(candidate.Name, candidate.Version));

    /// <summary>Installed (unless being upgraded) or locked: chosen first when a clause needs a decision.</summary>
    public bool IsPreferred(Candidate candidate) =>
        _preferred.Count > 0 && _preferred.Contains(new PackageId(candidate.Name, candidate.Version));
}
