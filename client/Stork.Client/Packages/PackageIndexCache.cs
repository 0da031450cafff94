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
/// verified snapshot. The key is a hash of the verified snapshot's content (which names the version and hash of every
/// targets role) and the root version; the trust policy applies afterwards, when the index is built from the search
/// result. The file also records the earliest expiry of the roles it was built from, and carries a hash of its body.
/// A command whose freshly verified chain (root, timestamp, snapshot, top-level targets) matches the key may use it
/// without loading the delegated roles again: the snapshot pins their exact bytes, which were all verified under this
/// root when the cache was written, and none has expired. A cache for another key, past that expiry, damaged or
/// unreadable is ignored and rewritten, never trusted.
/// </summary>
public static class PackageIndexCache
{
    private const string Magic = "stork-package-index 1";

    /// <summary>The index of a fully loaded <paramref name="trusted"/> (every role verified), from the cache when it is for this snapshot.</summary>
    public static PackageIndex Load(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
    {
        var key = KeyOf(trusted);
        if (TryRead(file, key, now) is { } cached) return new PackageIndex(cached, policy);
        var found = TargetSearch.AllTrusted(trusted);
        var roles = trusted.LoadedTargetsListings.ToList();
        TryWrite(file, key, found, roles.Count == 0 ? now : roles.Min(r => r.Header.Expires));
        return new PackageIndex(found, policy);
    }

    /// <summary>
    /// The index for a <paramref name="trusted"/> whose root, timestamp, snapshot and top-level targets were verified
    /// now, without loading the delegated roles: it is used only when the cache was built from exactly this
    /// snapshot (which pins the hash of every role) under this root version, and no role it was built from has
    /// expired since. Null otherwise: the caller loads and verifies every role and calls <see cref="Load"/>.
    /// </summary>
    public static PackageIndex? TryLoadWithoutRoles(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
        => TryRead(file, KeyOf(trusted), now) is { } cached ? new PackageIndex(cached, policy) : null;

    /// <summary>A hash of the verified snapshot's content (every role's version and hash) and the root version.</summary>
    public static string KeyOf(TrustedMetadata trusted)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(CanonicalJson.Serialize(trusted.Snapshot!.ToSigned()));
        hash.AppendData(Encoding.UTF8.GetBytes($"\nroot {trusted.Root.Header.Version}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The cached search result, or null when the file is missing, for another key, or damaged.</summary>
    internal static List<FoundTarget>? TryRead(string file, string key, DateTimeOffset now)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        int newline = Array.IndexOf(bytes, (byte)'\n');
        if (newline < 0) return null;
        var header = Encoding.ASCII.GetString(bytes, 0, newline).Split(' ');
        if (header.Length != 5 || $"{header[0]} {header[1]}" != Magic || header[2] != key) return null;
        // The earliest expiry of the roles it was built from: past it, the roles must be checked again.
        if (!long.TryParse(header[3], out var expires) || DateTimeOffset.FromUnixTimeSeconds(expires) <= now) return null;
        var body = bytes.AsSpan(newline + 1);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(body)), header[4], StringComparison.Ordinal)) return null;
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
    internal static void TryWrite(string file, string key, IReadOnlyList<FoundTarget> found, DateTimeOffset expires)
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
                output.Write(Encoding.ASCII.GetBytes($"{Magic} {key} {expires.ToUnixTimeSeconds()} {Convert.ToHexStringLower(SHA256.HashData(bytes))}\n"));
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
