using System.Text.Json;
using NuGet.Versioning;
using Stork.Format.Metadata;
using Stork.Resolver.Model;

namespace Stork.Client.Packages;

/// <summary>
/// A package entry read straight from a target's custom bytes (<see cref="TargetFile.CustomUtf8"/>) with a
/// <see cref="Utf8JsonReader"/>, so building the index of a repository parses no DOM per package. Reads and refuses
/// exactly as <see cref="PackageIndex.ReadEntry"/> does on the parsed object (same FormatException messages, the
/// fields checked in the same order whatever their order in the bytes).
/// </summary>
internal static class PackageInfoReader
{
    /// <summary>The entry, or null when the custom object has no "stork" object (not a package).</summary>
    /// <param name="custom">The bytes of one JSON object (JsonException when they are not valid JSON).</param>
    public static PackageEntry? Read(string path, TargetFile target, ReadOnlySpan<byte> custom, string role)
    {
        var reader = new Utf8JsonReader(custom);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("custom is not an object");
        var stork = default(Utf8JsonReader);
        bool isPackage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isStork = reader.ValueTextEquals("stork"u8);
            reader.Read();
            if (isStork && reader.TokenType == JsonTokenType.StartObject) { stork = reader; isPackage = true; }
            reader.Skip();
        }
        if (reader.Read()) throw new JsonException("data after the custom object");
        return isPackage ? ReadInfo(ref stork, path, target, role) : null;
    }

    private static PackageEntry ReadInfo(ref Utf8JsonReader reader, string path, TargetFile target, string role)
    {
        var what = $"package entry {path}";
        string? name = null, versionText = null, summary = null, debian = null;
        Utf8JsonReader depends = default, conflicts = default, provides = default;
        bool hasDepends = false, hasConflicts = false, hasProvides = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString();
            reader.Read();
            bool isString = reader.TokenType == JsonTokenType.String, isArray = reader.TokenType == JsonTokenType.StartArray;
            switch (key)
            {
                case "name" when isString: name = reader.GetString(); break;
                case "version" when isString: versionText = reader.GetString(); break;
                case "summary" when isString: summary = reader.GetString(); break;
                case "debianVersion" when isString: debian = reader.GetString(); break;
                case "depends" when isArray: depends = reader; hasDepends = true; break;
                case "conflicts" when isArray: conflicts = reader; hasConflicts = true; break;
                case "provides" when isArray: provides = reader; hasProvides = true; break;
            }
            reader.Skip();
        }
        // PackageIndex.ReadEntry's order: name, version, depends, conflicts, provides.
        if (name is null) throw new FormatException($"{what}: 'name' must be a string");
        if (versionText is null) throw new FormatException($"{what}: 'version' must be a string");
        if (!NuGetVersion.TryParse(versionText, out var version)) throw new FormatException($"{what}: '{versionText}' is not a SemVer version");
        var dependClauses = new List<IReadOnlyList<Reference>>();
        if (hasDepends)
            while (depends.Read() && depends.TokenType != JsonTokenType.EndArray)
            {
                if (depends.TokenType != JsonTokenType.StartArray) throw new FormatException($"{what}: every depends clause must be a list of alternatives");
                dependClauses.Add(Strings(ref depends, what, Reference.Parse));
            }
        var conflictList = hasConflicts ? Strings(ref conflicts, what, Reference.Parse) : [];
        var provideList = hasProvides ? Strings(ref provides, what, Provide.Parse) : [];
        var candidate = new Candidate(name, version, dependClauses, conflictList, provideList);
        return new PackageEntry(path, target, candidate, summary ?? "", role) { DebianVersion = debian, SignedProvides = provideList };
    }

    /// <summary>An array of strings (the reader on its start), each parsed; "expected a string" for any other item.</summary>
    private static List<T> Strings<T>(ref Utf8JsonReader reader, string what, Func<string, T> parse)
    {
        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String) throw new FormatException($"{what}: expected a string");
            list.Add(parse(reader.GetString()!));
        }
        return list;
    }
}
