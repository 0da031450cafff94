using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stork.Format.Packages;

/// <summary>What a manifest entry is: its "type" field (PACKAGE-FORMAT.md §3.1). A hard link is a file with "hardlink" set.</summary>
[JsonConverter(typeof(PackageFileKindJsonConverter))]
public enum PackageFileKind
{
    // No zero member: an entry whose kind was never set is not silently a file.
    File = 1,
    Directory,
    Symlink,
}

/// <summary>The names of <see cref="PackageFileKind"/> in manifests and host state: the one place they are written and read.</summary>
public static class PackageFileKinds
{
    public static string Name(this PackageFileKind kind) => kind switch
    {
        PackageFileKind.File => "file",
        PackageFileKind.Directory => "dir",
        PackageFileKind.Symlink => "symlink",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a package file kind"),
    };

    /// <summary>The name, or the number of a value that is no kind (for messages about such a value).</summary>
    public static string Display(this PackageFileKind kind) =>
        Enum.IsDefined(kind) ? kind.Name() : ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The kind named <paramref name="name"/>, or null for any other text.</summary>
    public static PackageFileKind? TryParse(string? name) => name switch
    {
        "file" => PackageFileKind.File,
        "dir" => PackageFileKind.Directory,
        "symlink" => PackageFileKind.Symlink,
        _ => null,
    };
}

/// <summary>JSON: a kind by its name; any other value is refused naming it ("unknown entry type 'fifo'").</summary>
public sealed class PackageFileKindJsonConverter : JsonConverter<PackageFileKind>
{
    public override PackageFileKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"entry type must be a string, not {reader.TokenType}");
        var name = reader.GetString();
        return PackageFileKinds.TryParse(name) ?? throw new JsonException($"unknown entry type '{name}'");
    }

    public override void Write(Utf8JsonWriter writer, PackageFileKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
