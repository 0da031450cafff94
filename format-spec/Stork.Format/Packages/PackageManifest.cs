using System.Text.Json.Serialization;

namespace Stork.Format.Packages;

/// <summary>
/// The content of ".stork/manifest.json", the first entry of every package archive:
/// the dependency header plus the complete, sorted list of payload entries.
/// </summary>
public sealed record PackageManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public string Summary { get; init => field = value ?? ""; } = "";
    public IReadOnlyList<IReadOnlyList<string>> Depends { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Provides { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Conflicts { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string>? Replaces { get; init; }
    public string? DebianVersion { get; init; }
    /// <summary>Maintainer scripts (§3.2); null when the package has none.</summary>
    public MaintainerScripts? Scripts { get; init; }
    /// <summary>The text of a Debian <c>triggers</c> control file (§3.2); null when none.</summary>
    public string? Triggers { get; init; }
    public IReadOnlyList<PackageFileEntry> Files { get; init => field = value ?? []; } = [];

    /// <summary>Sum of the sizes of all regular files.</summary>
    [JsonIgnore]
    public long InstalledSize => Files.Where(f => f.IsFile).Sum(f => f.Size ?? 0);

    [JsonIgnore]
    public PackageInfo Info => new()
    {
        Name = Name,
        Version = Version,
        Summary = Summary,
        Depends = Depends,
        Provides = Provides,
        Conflicts = Conflicts,
        Replaces = Replaces,
        DebianVersion = DebianVersion,
    };

    [JsonIgnore]
    public string Label => $"{Name} {Version}";

    public static PackageManifest Create(PackageInfo info, IEnumerable<PackageFileEntry> files) => new()
    {
        Name = info.Name,
        Version = info.Version,
        Summary = info.Summary,
        Depends = info.Depends,
        Provides = info.Provides,
        Conflicts = info.Conflicts,
        Replaces = info.Replaces,
        DebianVersion = info.DebianVersion,
        Files = files.OrderBy(f => f.Path, PathOrder.Instance).ToList(),
    };

    /// <summary>Throws <see cref="PackageFormatException"/> describing the first problem found.</summary>
    public void Validate() => ManifestValidator.Validate(this);
}
