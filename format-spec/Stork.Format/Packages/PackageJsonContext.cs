using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Stork.Format.Packages;

/// <summary>
/// Source-generated (reflection-free, NativeAOT-safe) JSON metadata for the package model.
/// Compact output and declaration-order properties keep manifests byte-stable.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = 16)]
[JsonSerializable(typeof(PackageManifest))]
[JsonSerializable(typeof(PackageInfo))]
[JsonSerializable(typeof(PackageFileEntry))]
[JsonSerializable(typeof(MaintainerScripts))]
[JsonSerializable(typeof(JsonNode))]
public sealed partial class PackageJsonContext : JsonSerializerContext;
