using System.Text.Json;
using System.Text.Json.Serialization;
using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>
/// The JSON kept in SQLite text columns (schema 4): manifests.files and journal_ops.entry hold manifest entries,
/// journal.desired the desired package set. Entries keep the fields the columns have always kept: owner, group and
/// hard-link source are read from the package itself when needed.
/// </summary>
internal static class StoredJson
{
    public static string Entries(IEnumerable<PackageFileEntry> entries) =>
        JsonSerializer.Serialize(entries.Select(Stored).ToList(), StoredJsonContext.Default.ListPackageFileEntry);

    public static string Entry(PackageFileEntry entry) => JsonSerializer.Serialize(Stored(entry), StoredJsonContext.Default.PackageFileEntry);

    public static string Desired(IEnumerable<DesiredPackage> packages) =>
        JsonSerializer.Serialize(packages.ToList(), StoredJsonContext.Default.ListDesiredPackage);

    public static List<PackageFileEntry> ReadEntries(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.ListPackageFileEntry)!;

    public static PackageFileEntry ReadEntry(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.PackageFileEntry)!;

    public static List<DesiredPackage> ReadDesired(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.ListDesiredPackage)!;

    private static PackageFileEntry Stored(PackageFileEntry e) =>
        e with { Owner = null, Group = null, Hardlink = null, Config = e.IsConfig ? true : null };
}

/// <summary>Source-generated (NativeAOT-safe) JSON for <see cref="StoredJson"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<PackageFileEntry>))]
[JsonSerializable(typeof(List<DesiredPackage>))]
internal sealed partial class StoredJsonContext : JsonSerializerContext;
