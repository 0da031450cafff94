using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using NuGet.Versioning;

namespace Stork.Format.Packages;

/// <summary>
/// The dependency header of a package: what the solver and the repository metadata (TUF custom.stork) need.
/// Depends is a conjunction of clauses, each clause a disjunction of "NAME [RANGE]" alternatives.
/// </summary>
public sealed record PackageInfo
{
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public string Summary { get; init => field = value ?? ""; } = "";
    public IReadOnlyList<IReadOnlyList<string>> Depends { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Provides { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Conflicts { get; init => field = value ?? []; } = [];
    /// <summary>Packages whose files this one may take over (Debian Replaces); omitted when there are none.</summary>
    public IReadOnlyList<string>? Replaces { get; init; }
    /// <summary>The Debian version this package was imported from; <see cref="Version"/> is its mapping (§8).</summary>
    public string? DebianVersion { get; init; }

    /// <summary>The parsed version; only valid after <see cref="Validate"/> succeeded.</summary>
    [JsonIgnore]
    public SemanticVersion SemanticVersion =>
        PackageNames.TryParseVersion(Version, out var v) ? v : throw new FormatException($"'{Version}' is not a SemVer 2 version");

    /// <summary>"name version", used in messages.</summary>
    [JsonIgnore]
    public string Label => $"{Name} {Version}";

    /// <summary>Throws <see cref="PackageFormatException"/> describing the first problem found.</summary>
    public void Validate() => ManifestValidator.ValidateInfo(this, entryForErrors: null);

    public JsonNode ToJsonNode() => PackageJson.ToJsonNode(this);
    public byte[] ToJsonBytes() => PackageJson.Serialize(this);
    public static PackageInfo FromJsonNode(JsonNode node) => PackageJson.InfoFromJsonNode(node);
    public static PackageInfo FromJsonBytes(ReadOnlySpan<byte> utf8Json) => PackageJson.DeserializeInfo(utf8Json);
}
