using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stork.Format.Packages;

/// <summary>Serialization helpers for the package model, all through <see cref="PackageJsonContext"/>.</summary>
public static class PackageJson
{
    public static byte[] Serialize(PackageManifest manifest) =>
        JsonSerializer.SerializeToUtf8Bytes(manifest, PackageJsonContext.Default.PackageManifest);

    public static byte[] Serialize(PackageInfo info) =>
        JsonSerializer.SerializeToUtf8Bytes(info, PackageJsonContext.Default.PackageInfo);

    /// <summary>Parses and validates a manifest; any problem becomes a <see cref="PackageFormatException"/>.</summary>
    public static PackageManifest DeserializeManifest(ReadOnlySpan<byte> utf8Json)
    {
        PackageManifest? manifest;
        try { manifest = JsonSerializer.Deserialize(utf8Json, PackageJsonContext.Default.PackageManifest); }
        catch (JsonException e) { throw PackageFormatException.For(null, PackagePaths.ManifestPath, "invalid manifest JSON: " + e.Message, e); }
        if (manifest is null) throw PackageFormatException.For(null, PackagePaths.ManifestPath, "manifest is JSON null");
        manifest.Validate();
        return manifest;
    }

    /// <summary>Parses and validates a package header.</summary>
    public static PackageInfo DeserializeInfo(ReadOnlySpan<byte> utf8Json)
    {
        PackageInfo? info;
        try { info = JsonSerializer.Deserialize(utf8Json, PackageJsonContext.Default.PackageInfo); }
        catch (JsonException e) { throw new PackageFormatException("invalid package info JSON: " + e.Message, e); }
        if (info is null) throw new PackageFormatException("package info is JSON null");
        info.Validate();
        return info;
    }

    public static JsonNode ToJsonNode(PackageInfo info) =>
        JsonSerializer.SerializeToNode(info, PackageJsonContext.Default.PackageInfo)
        ?? throw new InvalidOperationException("serializing package info produced null");

    public static PackageInfo InfoFromJsonNode(JsonNode node)
    {
        PackageInfo? info;
        try { info = node.Deserialize(PackageJsonContext.Default.PackageInfo); }
        catch (JsonException e) { throw new PackageFormatException("invalid package info JSON: " + e.Message, e); }
        if (info is null) throw new PackageFormatException("package info is JSON null");
        info.Validate();
        return info;
    }
}
