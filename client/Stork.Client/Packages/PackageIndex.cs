using System.Text.Json.Nodes;
using NuGet.Versioning;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// The packages a repository offers, read only from signed targets metadata (custom.stork):
/// the resolver never sees an unsigned byte.
/// </summary>
public sealed class PackageIndex : IPackageProvider
{
    private readonly Dictionary<string, List<PackageEntry>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Candidate>> _providers = new(StringComparer.Ordinal);
    private readonly Dictionary<Candidate, PackageEntry> _byCandidate = new(ReferenceEqualityComparer.Instance);

    /// <summary>Signed entries that could not be read as packages; reported, never used.</summary>
    public IReadOnlyList<string> Problems { get; }

    public PackageIndex(TargetsMetadata targets)
    {
        var problems = new List<string>();
        foreach (var (path, target) in targets.Targets.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (target.Custom?["stork"] is not JsonObject info) continue;
            try
            {
                var entry = ReadEntry(path, target, info);
                if (!_byName.TryGetValue(entry.Name, out var list)) _byName[entry.Name] = list = [];
                list.Add(entry);
                _byCandidate[entry.Candidate] = entry;
                foreach (var provide in entry.Candidate.Provides)
                {
                    if (!_providers.TryGetValue(provide.Name, out var providers)) _providers[provide.Name] = providers = [];
                    providers.Add(entry.Candidate);
                }
            }
            catch (FormatException e)
            {
                problems.Add($"{path}: {e.Message}");
            }
        }
        foreach (var list in _byName.Values) list.Sort((a, b) => b.Candidate.Version.CompareTo(a.Candidate.Version));
        Problems = problems;
    }

    public IReadOnlyCollection<string> Names => _byName.Keys;

    public IReadOnlyList<PackageEntry> VersionsOf(string name)
        => _byName.TryGetValue(name, out var list) ? list : [];

    public PackageEntry EntryFor(Candidate candidate) => _byCandidate[candidate];

    public PackageEntry? Find(string name, string version)
        => VersionsOf(name).FirstOrDefault(e => e.Version == NuGetVersion.Parse(version).ToNormalizedString());

    public IReadOnlyList<Candidate> CandidatesNamed(string name) => VersionsOf(name).Select(e => e.Candidate).ToList();

    public IReadOnlyList<Candidate> ProvidersOf(string name) => _providers.TryGetValue(name, out var list) ? list : [];

    /// <summary>Names and summaries containing the text (case-insensitive), newest version of each.</summary>
    public IReadOnlyList<PackageEntry> Search(string text)
        => _byName.Values.Select(l => l[0])
            .Where(e => e.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || e.Summary.Contains(text, StringComparison.OrdinalIgnoreCase))
            .OrderBy(e => e.Name, StringComparer.Ordinal).ToList();

    private static PackageEntry ReadEntry(string path, TargetFile target, JsonObject info)
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
        return new PackageEntry(path, target, candidate, summary);
    }

    private static string StringOf(JsonNode? node, string what)
        => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{what}: expected a string");
}
