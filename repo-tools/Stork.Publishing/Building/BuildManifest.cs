using System.Text.Json;
using System.Text.Json.Serialization;
using Stork.Format.Packages;

namespace Stork.Publishing.Building;

/// <summary>
/// stork-build.json: the package header plus globs (relative to the source directory) selecting the payload.
/// </summary>
public sealed record BuildManifest
{
    public const string FileName = "stork-build.json";

    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public string Summary { get; init => field = value ?? ""; } = "";
    public IReadOnlyList<IReadOnlyList<string>> Depends { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Provides { get; init => field = value ?? []; } = [];
    public IReadOnlyList<string> Conflicts { get; init => field = value ?? []; } = [];

    /// <summary>Files matching these globs are configuration files (copied into guests, kept when edited).</summary>
    public IReadOnlyList<string> Config { get; init => field = value ?? []; } = [];

    /// <summary>Payload selection; defaults to everything.</summary>
    public IReadOnlyList<string> Include { get; init => field = value ?? ["**/*"]; } = ["**/*"];
    public IReadOnlyList<string> Exclude { get; init => field = value ?? []; } = [];

    /// <summary>Explicit modes overriding the 0755/0644 normalization; the last matching rule wins.</summary>
    public IReadOnlyList<ModeRule> Modes { get; init => field = value ?? []; } = [];

    public PackageInfo ToPackageInfo() => new()
    {
        Name = Name,
        Version = Version,
        Summary = Summary,
        Depends = Depends,
        Provides = Provides,
        Conflicts = Conflicts,
    };

    public static BuildManifest Load(string path)
    {
        BuildManifest? manifest;
        try { manifest = JsonSerializer.Deserialize(File.ReadAllBytes(path), BuildJsonContext.Default.BuildManifest); }
        catch (JsonException e) { throw new BuildException($"{path}: invalid JSON: {e.Message}", e); }
        return manifest ?? throw new BuildException($"{path}: JSON null");
    }
}

/// <summary>Sets <see cref="Mode"/> (four octal digits, e.g. "4755") on entries matching <see cref="Glob"/>.</summary>
public sealed record ModeRule(string Glob, string Mode);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // typos in build files should fail loudly
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true)]
[JsonSerializable(typeof(BuildManifest))]
public sealed partial class BuildJsonContext : JsonSerializerContext;
