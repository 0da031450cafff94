using NuGet.Versioning;
using Stork.Resolver.Model;

namespace Stork.Resolver.Search;

/// <summary>All versions of one name, newest first, as pool variables.</summary>
internal sealed class NameEntry(int id, string name, int[] vars)
{
    public readonly int Id = id;
    public readonly string Name = name;
    public readonly int[] Vars = vars;
}

/// <summary>A candidate's rules translated to pool variables, computed once and shared by every solve of a session.</summary>
internal sealed class CompiledRules
{
    /// <summary>Per depends clause (minus those the package satisfies itself): the matching variables in AlternativeOrder.</summary>
    public required int[][] DependClauses;
    /// <summary>Index into Candidate.Depends of each entry of DependClauses.</summary>
    public required int[] DependSources;
    /// <summary>Index into Candidate.Depends of a clause nothing matches, or -1: such a candidate can never be installed.</summary>
    public required int UnmatchedDepend;
    public required int[] ConflictVars;
    /// <summary>Index into Candidate.Conflicts that produced each entry of ConflictVars.</summary>
    public required int[] ConflictSources;
}

/// <summary>
/// Maps the provider's candidates to variables, lazily: a name is asked from the provider the first time a
/// reference mentions it. Nothing here depends on a request, so a session reuses the pool across solves.
/// </summary>
internal sealed class PackagePool
{
    private readonly IPackageProvider _provider;
    private readonly Dictionary<string, NameEntry> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<Reference, int[]> _matches = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int[]> _providerVars = new(StringComparer.Ordinal);
    private Candidate[] _candidates = new Candidate[256];
    private int[] _nameIds = new int[256];
    private bool[] _prerelease = new bool[256]; // NuGet computes IsPrerelease on every call; the solver asks often
    private ulong[] _nameKey = new ulong[256];
    private CompiledRules?[] _rules = new CompiledRules?[256];
    private readonly List<NameEntry> _nameList = [];
    private readonly Comparison<int> _alternativeOrder;

    public PackagePool(IPackageProvider provider)
    {
        _provider = provider;
        _alternativeOrder = (a, b) => AlternativeOrder.Compare(this, a, b);
    }

    public int VarCount { get; private set; }
    public int NameCount => _nameList.Count;

    public Candidate CandidateOf(int var) => _candidates[var];
    public NameEntry NameOf(int var) => _nameList[_nameIds[var]];
    public bool IsPrerelease(int var) => _prerelease[var];

    /// <summary>Orders variables by name (ordinal) then version, comparing packed name prefixes before whole strings.</summary>
    public int CompareByNameThenVersion(int left, int right)
    {
        if (left == right) return 0;
        ulong a = _nameKey[left], b = _nameKey[right];
        if (a != b) return a < b ? -1 : 1;
        var x = _candidates[left];
        var y = _candidates[right];
        int byName = string.CompareOrdinal(x.Name, y.Name);
        return byName != 0 ? byName : x.Version.CompareTo(y.Version);
    }

    /// <summary>
    /// The first four UTF-16 units of a name packed big-endian, so that comparing keys orders like an ordinal
    /// string comparison of those units; names sharing a prefix fall back to the full comparison.
    /// </summary>
    private static ulong NamePrefixKey(string name)
    {
        ulong key = 0;
        for (int i = 0; i < 4; i++) key = (key << 16) | (i < name.Length ? name[i] : 0u);
        return key;
    }

    public NameEntry Name(string name)
    {
        if (_names.TryGetValue(name, out var entry)) return entry;
        var found = _provider.CandidatesNamed(name);
        Candidate[] candidates = found.Count switch
        {
            0 => [],
            1 when found[0].Name == name => [found[0]],
            _ => found.Where(c => c.Name == name)
                .DistinctBy(c => c.Version)
                .OrderByDescending(c => c.Version, VersionComparer.Default)
                .ToArray(),
        };
        var vars = candidates.Length == 0 ? [] : new int[candidates.Length];
        entry = new NameEntry(_nameList.Count, name, vars);
        for (int i = 0; i < candidates.Length; i++) vars[i] = NewVar(candidates[i], entry.Id);
        _nameList.Add(entry);
        _names[name] = entry;
        return entry;
    }

    /// <summary>Variables of the package named exactly like the reference whose version is in its range (install items).</summary>
    public int[] NamedVars(string name, VersionRange? range)
    {
        var vars = Name(name).Vars;
        if (range is null) return vars;
        int count = 0;
        foreach (var v in vars) if (range.Satisfies(_candidates[v].Version)) count++;
        if (count == vars.Length) return vars;
        var result = new int[count];
        count = 0;
        foreach (var v in vars) if (range.Satisfies(_candidates[v].Version)) result[count++] = v;
        return result;
    }

    /// <summary>
    /// Variables matching a reference under rule 2: same name in range, or a fitting provide. Cached per Reference
    /// instance: readers share one instance per distinct text, and hashing by value (NuGet version ranges) costs more
    /// than recomputing the rare duplicates a hand-built universe may contain.
    /// </summary>
    public int[] Matches(Reference reference)
    {
        ref var cached = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_matches, reference, out bool exists);
        if (!exists) cached = ComputeMatches(reference);
        return cached!;
    }

    private int[] ComputeMatches(Reference reference)
    {
        var named = NamedVars(reference.Name, reference.Range);
        var providers = ProviderVars(reference.Name);
        if (providers.Length == 0) return named;
        var result = new List<int>(named.Length + providers.Length);
        result.AddRange(named);
        foreach (var v in providers)
        {
            if (Array.IndexOf(named, v) >= 0) continue;
            if (ProvideMatches(_candidates[v], reference)) result.Add(v);
        }
        return result.ToArray();
    }

    public CompiledRules Rules(int var)
    {
        var rules = _rules[var];
        if (rules is not null) return rules;
        var candidate = _candidates[var];
        var clauses = new List<int[]>(candidate.Depends.Count);
        var sources = new List<int>(candidate.Depends.Count);
        int unmatched = -1;
        var buffer = new List<int>();
        for (int i = 0; i < candidate.Depends.Count; i++)
        {
            buffer.Clear();
            bool satisfiedBySelf = false;
            foreach (var alternative in candidate.Depends[i])
                foreach (var v in Matches(alternative))
                {
                    if (v == var) satisfiedBySelf = true;
                    else if (!buffer.Contains(v)) buffer.Add(v);
                }
            if (satisfiedBySelf) continue; // the package satisfies its own need
            if (buffer.Count == 0 && unmatched < 0) unmatched = i;
            // Decisions take a clause's first free package, so keep every clause in the preferred order.
            buffer.Sort(_alternativeOrder);
            clauses.Add(buffer.ToArray());
            sources.Add(i);
        }
        var conflictVars = new List<int>();
        var conflictSources = new List<int>();
        for (int i = 0; i < candidate.Conflicts.Count; i++)
            foreach (var v in Matches(candidate.Conflicts[i]))
            {
                if (v == var || conflictVars.Contains(v)) continue; // never conflicts with itself
                conflictVars.Add(v);
                conflictSources.Add(i);
            }
        rules = new CompiledRules
        {
            DependClauses = clauses.ToArray(),
            DependSources = sources.ToArray(),
            UnmatchedDepend = unmatched,
            ConflictVars = conflictVars.ToArray(),
            ConflictSources = conflictSources.ToArray(),
        };
        _rules[var] = rules;
        return rules;
    }

    private static bool ProvideMatches(Candidate candidate, Reference reference)
    {
        foreach (var provide in candidate.Provides)
        {
            if (provide.Name != reference.Name) continue;
            if (reference.Range is null) return true;
            // An unversioned provide never matches a ranged reference.
            if (provide.Version is not null && reference.Range.Satisfies(provide.Version)) return true;
        }
        return false;
    }

    /// <summary>Names of the packages that provide a name (for explanations).</summary>
    public IEnumerable<string> ProviderNames(string name) =>
        ProviderVars(name).Select(v => _candidates[v].Name).Where(n => n != name).Distinct();

    /// <summary>Providers of a name as variables, ordered by name then newest version, for deterministic choices.</summary>
    private int[] ProviderVars(string name)
    {
        ref var cached = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_providerVars, name, out bool exists);
        if (exists) return cached!;
        cached = ComputeProviderVars(name);
        return cached;
    }

    private int[] ComputeProviderVars(string name)
    {
        var providers = _provider.ProvidersOf(name);
        if (providers.Count == 0) return [];
        if (providers.Count == 1) return FindVar(providers[0]) is var only && only >= 0 ? [only] : [];
        var vars = new List<int>(providers.Count);
        foreach (var candidate in providers
                     .OrderBy(c => c.Name, StringComparer.Ordinal)
                     .ThenByDescending(c => c.Version, VersionComparer.Default))
        {
            var v = FindVar(candidate);
            if (v >= 0 && !vars.Contains(v)) vars.Add(v);
        }
        return vars.ToArray();
    }

    private int FindVar(Candidate candidate)
    {
        foreach (var v in Name(candidate.Name).Vars)
            if (ReferenceEquals(_candidates[v], candidate) || _candidates[v].Version == candidate.Version) return v;
        return -1;
    }

    private int NewVar(Candidate candidate, int nameId)
    {
        int v = VarCount++;
        if (v == _candidates.Length)
        {
            Array.Resize(ref _candidates, v * 2);
            Array.Resize(ref _nameIds, v * 2);
            Array.Resize(ref _prerelease, v * 2);
            Array.Resize(ref _nameKey, v * 2);
            Array.Resize(ref _rules, v * 2);
        }
        _candidates[v] = candidate;
        _nameIds[v] = nameId;
        _prerelease[v] = DebianMappedVersions.IsHeldBackPrerelease(candidate.Version);
        _nameKey[v] = NamePrefixKey(candidate.Name);
        return v;
    }
}
