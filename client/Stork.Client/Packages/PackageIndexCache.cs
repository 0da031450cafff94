using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>
/// The result of the delegation search over every trusted target (<see cref="TargetSearch.AllTrusted"/>), kept per
/// verified snapshot so that commands run against an unchanged repository do not redo it. The key is a hash of the
/// verified snapshot's content (which names the version and hash of every targets role), the root version, the
/// roles loaded (the policy applies afterwards, when the index is built from the search result); the roles themselves are still verified by every command, exactly as before,
/// so the cache only saves recomputing a pure function of them. The file carries a hash of its body: a damaged,
/// stale or unreadable cache is ignored and rewritten, never trusted.
/// </summary>
public static class PackageIndexCache
{
    private const string Magic = "stork-package-index 1";

    public static PackageIndex Load(string file, TrustedMetadata trusted, PackageTrustPolicy policy)
    {
        var key = KeyOf(trusted);
        if (TryRead(file, key) is { } cached) return new PackageIndex(cached, policy);
        var found = TargetSearch.AllTrusted(trusted);
        TryWrite(file, key, found);
        return new PackageIndex(found, policy);
    }

    public static string KeyOf(TrustedMetadata trusted)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(CanonicalJson.Serialize(trusted.Snapshot!.ToSigned()));
        hash.AppendData(Encoding.UTF8.GetBytes($"\nroot {trusted.Root.Header.Version}\nroles {string.Join(",", trusted.LoadedTargetRoles)}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The cached search result, or null when the file is missing, for another key, or damaged.</summary>
    internal static List<FoundTarget>? TryRead(string file, string key)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        int newline = Array.IndexOf(bytes, (byte)'\n');
        if (newline < 0) return null;
        var header = Encoding.ASCII.GetString(bytes, 0, newline).Split(' ');
        if (header.Length != 4 || $"{header[0]} {header[1]}" != Magic || header[2] != key) return null;
        var body = bytes.AsSpan(newline + 1);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(body)), header[3], StringComparison.Ordinal)) return null;
        try
        {
            var result = new List<FoundTarget>();
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                var entry = JsonNode.Parse(ref reader) as JsonObject ?? throw new FormatException("entry");
                result.Add(new FoundTarget(
                    StrictJson.RequireString(entry, "path", file),
                    TargetFile.FromJson(StrictJson.RequireObject(entry, "target", file), file),
                    StrictJson.RequireString(entry, "role", file)));
            }
            return reader.TokenType == JsonTokenType.EndArray ? result : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException) { return null; }
    }

    /// <summary>Best effort: a cache that cannot be written costs time on the next command, nothing else.</summary>
    internal static void TryWrite(string file, string key, IReadOnlyList<FoundTarget> found)
    {
        var temp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var body = new MemoryStream();
            using (var writer = new Utf8JsonWriter(body))
            {
                writer.WriteStartArray();
                foreach (var f in found)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", f.Path);
                    writer.WriteString("role", f.Role);
                    writer.WritePropertyName("target");
                    f.File.ToJson().WriteTo(writer);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            var bytes = body.ToArray();
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                output.Write(Encoding.ASCII.GetBytes($"{Magic} {key} {Convert.ToHexStringLower(SHA256.HashData(bytes))}\n"));
                output.Write(bytes);
            }
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
