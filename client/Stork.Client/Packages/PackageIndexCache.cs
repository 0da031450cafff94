using Stork.Format.Crypto;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using System.Text;
using System.Text.Json;
using Stork.Format.Json;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>
/// The package index built from the delegation search over every trusted target (<see cref="TargetSearch.AllTrusted"/>)
/// under a trust policy, kept per verified snapshot in a compact file (<see cref="CompactPackageIndex"/>) that a
/// command reads lazily. The key is a hash of the verified snapshot's content (which names the version and hash of
/// every targets role), the root version and the policy. The file also records the earliest expiry of the roles it
/// was built from, the number of package names and the problems found, and carries hashes of its parts.
/// A command whose freshly verified chain (root, timestamp, snapshot, top-level targets) matches the key may use it
/// without loading the delegated roles again: the snapshot pins their exact bytes, which were all verified under this
/// root when the cache was written, and none has expired. A cache for another key, past that expiry, damaged or
/// unreadable is ignored and rewritten, never trusted.
/// The file: a header line, the problems (JSON), the index (<see cref="CompactPackageIndex"/>) and a table of the
/// SHA-256 of each of its blocks (<see cref="VerifiedBlockFile"/>), whose hash is in the header line. Opening it
/// checks the header, the problems and the table; each block of the index is checked when a lookup first reads it,
/// so a lookup costs the pages it touches. A block found damaged then makes the index rebuild itself from the
/// verified roles (and rewrite the file).
/// </summary>
public static class PackageIndexCache
{
    private const string Magic = "stork-package-index 3";

    /// <summary>What a refresh reports of an index: its size and the entries it could not read.</summary>
    public sealed record Summary(int Names, IReadOnlyList<string> Problems);

    /// <summary>The index of a fully loaded <paramref name="trusted"/> (every role verified), from the cache when it is for this snapshot.</summary>
    public static PackageIndex Load(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
    {
        var key = KeyOf(trusted, policy);
        return TryRead(file, key, now, () => Build(file, key, trusted, policy, now)) ?? Build(file, key, trusted, policy, now);
    }

    /// <summary>The index of a fully loaded <paramref name="trusted"/>, built from its roles and written to the cache.</summary>
    private static PackageIndex Build(string file, string key, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
    {
        var index = new PackageIndex(TargetSearch.AllTrusted(trusted), policy);
        var roles = trusted.LoadedTargetsListings.ToList();
        TryWrite(file, key, index, roles.Count == 0 ? now : roles.Min(r => r.Header.Expires));
        return index;
    }

    /// <summary>
    /// The index for a <paramref name="trusted"/> whose root, timestamp, snapshot and top-level targets were verified
    /// now, without loading the delegated roles: it is used only when the cache was built from exactly this
    /// snapshot (which pins the hash of every role) under this root version and policy, and no role it was built
    /// from has expired since. Null otherwise: the caller loads and verifies every role and calls <see cref="Load"/>.
    /// </summary>
    /// <param name="loadRoles">Loads and verifies every delegated role into <paramref name="trusted"/>: called only if a
    /// lookup finds the cached bytes damaged, to rebuild the index (without it, such a lookup throws InvalidDataException).</param>
    public static PackageIndex? TryLoadWithoutRoles(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now, Action? loadRoles = null)
    {
        var key = KeyOf(trusted, policy);
        return TryRead(file, key, now, loadRoles is null ? null : () => { loadRoles(); return Build(file, key, trusted, policy, now); });
    }

    /// <summary>Like <see cref="TryLoadWithoutRoles"/> for a refresh, which reports only the summary: the body is not read.</summary>
    public static Summary? TrySummaryWithoutRoles(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var start = new byte[Math.Min(stream.Length, 4096)];
            stream.ReadExactly(start);
            if (Header.Parse(start, KeyOf(trusted, policy), now) is not { } header) return null;
            if (header.Length + (long)header.ProblemsLength > stream.Length) return null;
            var problems = new byte[header.ProblemsLength];
            stream.Position = header.Length;
            stream.ReadExactly(problems);
            return ReadProblems(problems, header) is { } list ? new Summary(header.Names, list) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A hash of the verified snapshot's content (every role's version and hash), the root version and the policy.</summary>
    public static string KeyOf(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
    {
        policy ??= PackageTrustPolicy.Default;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(CanonicalJson.Serialize(trusted.Snapshot!.ToSigned()));
        hash.AppendData(Encoding.UTF8.GetBytes($"\nroot {trusted.Root.Header.Version}\n"));
        var roles = policy.TrustedRoles is null ? "*" : string.Join(",", policy.TrustedRoles.Order(StringComparer.Ordinal));
        hash.AppendData(Encoding.UTF8.GetBytes($"policy {roles} {policy.MaxDependClauses} {policy.MaxAlternativesPerClause} {policy.MaxProvides} {policy.MaxConflicts}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first line: magic, key, expiry, number of names, length and hash of the problems, length of the
    /// index, hash of its block table.</summary>
    private sealed record Header(int Length, long Expires, int Names, int ProblemsLength, string ProblemsHash, long BodyLength, string TableHash)
    {
        public static Header? Parse(ReadOnlySpan<byte> bytes, string key, DateTimeOffset now)
        {
            int newline = bytes.IndexOf((byte)'\n');
            if (newline < 0) return null;
            var fields = Encoding.ASCII.GetString(bytes[..newline]).Split(' ');
            if (fields.Length != 9 || $"{fields[0]} {fields[1]}" != Magic || fields[2] != key) return null;
            // The earliest expiry of the roles it was built from: past it, the roles must be checked again.
            if (!long.TryParse(fields[3], out var expires) || DateTimeOffset.FromUnixTimeSeconds(expires) <= now) return null;
            if (!int.TryParse(fields[4], out var names) || names < 0 || !int.TryParse(fields[5], out var problems) || problems < 0) return null;
            if (!long.TryParse(fields[7], out var body) || body < 0) return null;
            return new Header(newline + 1, expires, names, problems, fields[6], body, fields[8]);
        }
    }

    private static bool HashIs(ReadOnlySpan<byte> bytes, string hex)
        => string.Equals(Hashing.Sha256Hex(bytes), hex, StringComparison.Ordinal);

    private static List<string>? ReadProblems(ReadOnlySpan<byte> bytes, Header header)
    {
        if (!HashIs(bytes, header.ProblemsHash)) return null;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return null;
            var list = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.String) list.Add(reader.GetString()!);
            return reader.TokenType == JsonTokenType.EndArray ? list : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The cached index, or null when the file is missing, for another key, or damaged (as far as opening it
    /// reads: the header, the problems, the block table and the index's head).</summary>
    internal static PackageIndex? TryRead(string file, string key, DateTimeOffset now, Func<PackageIndex>? rebuild = null)
    {
        SafeFileHandle? handle = null;
        try
        {
            // The first line decides whether the file is for this snapshot: a stale one is not read further.
            handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            var start = new byte[Math.Min(length, 4096)];
            if (RandomAccess.Read(handle, start, 0) != start.Length || Header.Parse(start, key, now) is not { } header) return null;
            long body = header.Length + (long)header.ProblemsLength, tableLength = VerifiedBlockFile.BlockCount(header.BodyLength) * 32;
            if (body + header.BodyLength + tableLength != length || tableLength > Array.MaxLength) return null;
            var problemBytes = new byte[header.ProblemsLength];
            if (RandomAccess.Read(handle, problemBytes, header.Length) != problemBytes.Length || ReadProblems(problemBytes, header) is not { } problems) return null;
            var table = new byte[tableLength];
            if (RandomAccess.Read(handle, table, body + header.BodyLength) != table.Length || !HashIs(table, header.TableHash)) return null;
            var compact = CompactPackageIndex.Open(new VerifiedBlockFile(handle, body, header.BodyLength, table));
            if (compact.NameCount != header.Names) return null;
            var index = new PackageIndex(compact, problems, rebuild);
            handle = null; // the index reads it from now on
            return index;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return null; }
        finally { handle?.Dispose(); }
    }

    /// <summary>Best effort: a cache that cannot be written costs time on the next command, nothing else.</summary>
    internal static void TryWrite(string file, string key, PackageIndex index, DateTimeOffset expires)
    {
        var temp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var problems = new MemoryStream();
            using (var writer = new Utf8JsonWriter(problems))
            {
                writer.WriteStartArray();
                foreach (var problem in index.Problems) writer.WriteStringValue(problem);
                writer.WriteEndArray();
            }
            var body = CompactPackageIndex.Write(index);
            var table = VerifiedBlockFile.TableOf(body);
            var head = $"{Magic} {key} {expires.ToUnixTimeSeconds()} {index.Names.Count} {problems.Length} "
                       + $"{Convert.ToHexStringLower(SHA256.HashData(problems.ToArray()))} {body.Length} {Convert.ToHexStringLower(SHA256.HashData(table))}\n";
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                output.Write(Encoding.ASCII.GetBytes(head));
                output.Write(problems.ToArray());
                output.Write(body);
                output.Write(table);
            }
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
