using System.Text.Json.Nodes;
using NuGet.Versioning;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// The packages a repository offers, read only from signed targets metadata (custom.stork):
/// the resolver never sees an unsigned byte.
/// <para>An index read from the cache holds the database's read transaction (one snapshot for all its lookups) until
/// it is disposed; a long-running process (the fleet agent) disposes it when its cycle is done, so the cache's WAL
/// can be checkpointed while it waits for the next one.</para>
/// </summary>
public sealed class PackageIndex : IPackageProvider, IDisposable
{
    private readonly Dictionary<string, List<PackageEntry>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Candidate>> _providers = new(StringComparer.Ordinal);
    private readonly List<PackageEntry> _inOrder = [];
    /// <summary>Set when the index was read from the cache database: lookups read and decode its rows on demand.</summary>
    private readonly IndexDatabase? _cached;
    private readonly int _cachedNames;
    /// <summary>Builds the index again from the verified roles when the cache file turns out damaged during a lookup.</summary>
    private readonly Func<PackageIndex>? _rebuild;
    private PackageIndex? _rebuilt;

    /// <summary>Signed entries that could not be read as packages; reported, never used.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary><see cref="Problems"/> with the target path each is about (what an incremental update replaces).</summary>
    internal IReadOnlyList<(string Path, string Text)> ProblemsByPath { get; }

    public PackageIndex(IEnumerable<FoundTarget> targets, PackageTrustPolicy? policy = null)
    {
        policy ??= PackageTrustPolicy.Default;
        var problems = new List<(string Path, string Text)>();
        var entries = new List<PackageEntry>();
        foreach (var target in targets)
            if (TryReadEntry(target, policy, problems) is { } entry) entries.Add(entry);
        // Which roles sign real packages of each name: a provide may not claim a name another role owns.
        var owners = entries.GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Role).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        // In target path order (as the delegation search returns them), so providers are listed alike however built.
        foreach (var entry in entries.OrderBy(e => e.TargetPath, StringComparer.Ordinal))
            Add(KeepOwnedProvides(entry, name => owners.GetValueOrDefault(name), problems));
        foreach (var list in _byName.Values) list.Sort(NewestFirst);
        ProblemsByPath = SortedProblems(problems);
        Problems = ProblemsByPath.Select(p => p.Text).ToList();
    }

    /// <summary>The entry of one found target, null when it is no package or its role is not trusted for packages;
    /// an unreadable or oversized one is a problem of its path.</summary>
    internal static PackageEntry? TryReadEntry(FoundTarget found, PackageTrustPolicy policy, List<(string Path, string Text)> problems)
    {
        var (path, target, role) = found;
        try
        {
            // A target read from verified bytes is read typed from its custom bytes: no DOM per package.
            var entry = target.CustomUtf8 is { } custom ? PackageInfoReader.Read(path, target, custom.Span, role)
                : target.Custom?["stork"] is JsonObject info ? ReadEntry(path, target, info, role) : null;
            if (entry is null || !policy.TrustsRole(role)) return null;
            CheckSize(entry, policy);
            return entry;
        }
        catch (FormatException e)
        {
            problems.Add((path, $"{path}: {e.Message}"));
            return null;
        }
    }

    /// <summary>The entry without the provides of names that packages of other roles own (each refusal a problem of its path).</summary>
    /// <param name="owners">The roles that sign packages of a name; null when none does.</param>
    internal static PackageEntry KeepOwnedProvides(PackageEntry entry, Func<string, IReadOnlySet<string>?> owners, List<(string Path, string Text)> problems)
    {
        var refused = entry.Candidate.Provides.Where(p => owners(p.Name) is { } roles && !roles.Contains(entry.Role)).ToList();
        if (refused.Count == 0) return entry;
        foreach (var provide in refused)
            problems.Add((entry.TargetPath, $"{entry.TargetPath}: ignoring 'provides {provide}': packages named {provide.Name} are signed by role {string.Join(", ", owners(provide.Name)!.Order(StringComparer.Ordinal))}, not {entry.Role}"));
        return entry with { Candidate = entry.Candidate with { Provides = entry.Candidate.Provides.Except(refused).ToList() } };
    }

    /// <summary>Versions of one name, newest first; equal versions by target path, so every build orders them alike.</summary>
    internal static int NewestFirst(PackageEntry a, PackageEntry b)
    {
        int order = b.Candidate.Version.CompareTo(a.Candidate.Version);
        return order != 0 ? order : string.CompareOrdinal(a.TargetPath, b.TargetPath);
    }

    /// <summary>Problems in target path order (stable: one path's problems in the order found), however they were collected.</summary>
    internal static List<(string Path, string Text)> SortedProblems(IEnumerable<(string Path, string Text)> problems)
        => problems.OrderBy(p => p.Path, StringComparer.Ordinal).ToList();

    /// <param name="names">The number of names, as the cache's checked meta row says.</param>
    /// <param name="rebuild">Called at most once, when a lookup finds the cached rows damaged or malformed (each is
    /// checked as it is read); without it that lookup throws InvalidDataException.</param>
    internal PackageIndex(IndexDatabase cached, int names, IReadOnlyList<(string Path, string Text)> problems, Func<PackageIndex>? rebuild = null)
    {
        _cached = cached;
        _cachedNames = names;
        ProblemsByPath = problems;
        Problems = problems.Select(p => p.Text).ToList();
        _rebuild = rebuild;
    }

    private bool _disposed;

    /// <summary>Ends the read transaction of a cached index (and of the index it rebuilt); lookups fail afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cached?.Dispose();
        _rebuilt?.Dispose();
    }

    /// <summary>A lookup on the cached bytes, or on the rebuilt index once they were found damaged.</summary>
    private T Cached<T>(Func<IndexDatabase, T> cached, Func<PackageIndex, T> rebuilt)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_rebuilt is { } index) return rebuilt(index);
        try { return cached(_cached!); }
        catch (InvalidDataException) when (_rebuild is not null)
        {
            PackageIndex again;
            lock (_rebuild) again = _rebuilt ??= _rebuild();
            return rebuilt(again);
        }
    }

    /// <summary>The entries in the order they were added (an index built from targets only).</summary>
    internal IReadOnlyList<PackageEntry> EntriesInOrder => _cached is null ? _inOrder : throw new InvalidOperationException("a cached index");

    private void Add(PackageEntry entry)
    {
        _inOrder.Add(entry);
        if (!_byName.TryGetValue(entry.Name, out var list)) _byName[entry.Name] = list = [];
        list.Add(entry);
        foreach (var provide in entry.Candidate.Provides)
        {
            if (!_providers.TryGetValue(provide.Name, out var providers)) _providers[provide.Name] = providers = [];
            providers.Add(entry.Candidate);
        }
    }

    private static void CheckSize(PackageEntry entry, PackageTrustPolicy policy)
    {
        var c = entry.Candidate;
        string? excess =
            c.Depends.Count > policy.MaxDependClauses ? $"{c.Depends.Count} dependency clauses (at most {policy.MaxDependClauses})" :
            c.Depends.Any(clause => clause.Count > policy.MaxAlternativesPerClause) ? $"a dependency clause with more than {policy.MaxAlternativesPerClause} alternatives" :
            c.Provides.Count > policy.MaxProvides ? $"{c.Provides.Count} provides (at most {policy.MaxProvides})" :
            c.Conflicts.Count > policy.MaxConflicts ? $"{c.Conflicts.Count} conflicts (at most {policy.MaxConflicts})" : null;
        if (excess is not null)
            throw new FormatException($"{entry.Name} {entry.Version} refused by the package trust policy: {excess}");
    }

    /// <summary>The number of names, known from a cached index without reading them.</summary>
    public int NameCount => _cached is not null && _rebuilt is null ? _cachedNames : Names.Count;

    public IReadOnlyCollection<string> Names
        => _cached is null ? _byName.Keys : Cached(c => c.Names(), i => i.Names);

    public IReadOnlyList<PackageEntry> VersionsOf(string name)
        => _cached is not null ? Cached(c => c.VersionsOf(name), i => i.VersionsOf(name)) : _byName.TryGetValue(name, out var list) ? list : [];

    public PackageEntry? Find(string name, string version)
        => NuGetVersion.TryParse(version, out var wanted)
            ? VersionsOf(name).FirstOrDefault(e => e.Version == wanted.ToFullString())
            : null;

    public IReadOnlyList<Candidate> CandidatesNamed(string name) => VersionsOf(name).Select(e => e.Candidate).ToList();

    public IReadOnlyList<Candidate> ProvidersOf(string name)
        => _cached is not null ? Cached(c => c.ProvidersOf(name).Select(e => e.Candidate).ToList(), i => i.ProvidersOf(name))
            : _providers.TryGetValue(name, out var list) ? list : [];

    /// <summary>The packages of every targets role the host trusts, each path resolved through the delegation search.</summary>
    public static PackageIndex From(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
        => new(TargetSearch.AllTrusted(trusted), policy);

    /// <summary>Names and summaries containing the text (case-insensitive), newest version of each.</summary>
    public IReadOnlyList<PackageEntry> Search(string text)
        => _cached is not null ? Cached(c => c.Search(text), i => i.Search(text)) : _byName.Values.Select(l => l[0])
            .Where(e => e.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || e.Summary.Contains(text, StringComparison.OrdinalIgnoreCase))
            .OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

    internal static PackageEntry ReadEntry(string path, TargetFile target, JsonObject info, string role)
    {
        var what = $"package entry {path}";
        var name = StrictJson.RequireString(info, "name", what);
        var versionText = StrictJson.RequireString(info, "version", what);
        if (!NuGetVersion.TryParse(versionText, out var version)) throw new FormatException($"{what}: '{versionText}' is not a SemVer version");
        var summary = info["summary"] is JsonValue s && s.TryGetValue<string>(out var text) ? text : "";
        var depends = new List<IReadOnlyList<Reference>>();
        if (info["depends"] is JsonArray clauses)
            foreach (var clause in clauses)
                depends.Add(clause is JsonArray alternatives
                    ? alternatives.Select(a => Reference.Parse(StringOf(a, what))).ToList()
                    : throw new FormatException($"{what}: every depends clause must be a list of alternatives"));
        var conflicts = info["conflicts"] is JsonArray c ? c.Select(x => Reference.Parse(StringOf(x, what))).ToList() : [];
        var provides = info["provides"] is JsonArray p ? p.Select(x => Provide.Parse(StringOf(x, what))).ToList() : [];
        var candidate = new Candidate(name, version, depends, conflicts, provides);
        var debian = info["debianVersion"] is JsonValue d && d.TryGetValue<string>(out var debText) ? debText : null;
        return new PackageEntry(path, target, candidate, summary, role) { DebianVersion = debian, SignedProvides = provides };
    }

    private static string StringOf(JsonNode? node, string what)
        => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{what}: expected a string");
}
