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
/// The file: a header line, the meta section (JSON: the problems by target path, and a <see cref="RoleRecord"/> per
/// targets role it was built from), the index (<see cref="CompactPackageIndex"/>) and a table of the SHA-256 of each
/// of its blocks (<see cref="VerifiedBlockFile"/>), whose hash is in the header line. A cache of another snapshot under
/// the same root version and policy (its base key) is what <see cref="PackageIndexUpdate"/> updates. Opening it
/// checks the header, the meta section and the table; each block of the index is checked when a lookup first reads it,
/// so a lookup costs the pages it touches. A block found damaged then makes the index rebuild itself from the
/// verified roles (and rewrite the file).
/// </summary>
public static class PackageIndexCache
{
    private const string Magic = "stork-package-index 4";

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
        var listings = trusted.LoadedTargetsListings.ToList();
        TryWrite(file, key, BaseKeyOf(trusted, policy), CompactPackageIndex.Write(index), index.ProblemsByPath, RoleRecord.Of(trusted),
            index.Names.Count, listings.Count == 0 ? now : listings.Min(r => r.Header.Expires));
        return index;
    }

    /// <summary>The index of <paramref name="trusted"/> after <paramref name="loadRoles"/> loaded every delegated role, written to the cache.</summary>
    internal static PackageIndex Rebuild(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now, Action loadRoles)
    {
        loadRoles();
        return Build(file, KeyOf(trusted, policy), trusted, policy, now);
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
            if (Header.Parse(start) is not { } header || !header.IsFor(KeyOf(trusted, policy), now)) return null;
            if (header.Length + (long)header.MetaLength > stream.Length) return null;
            var meta = new byte[header.MetaLength];
            stream.Position = header.Length;
            stream.ReadExactly(meta);
            return ReadMeta(meta, header) is { } read ? new Summary(header.Names, read.Problems.Select(p => p.Text).ToList()) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A hash of the verified snapshot's content (every role's version and hash), the root version and the policy.</summary>
    public static string KeyOf(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
    {
        policy ??= PackageTrustPolicy.Default;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(CanonicalJson.Serialize(trusted.Snapshot!.ToSigned()));
        hash.AppendData(Encoding.UTF8.GetBytes($"\n{BaseKeyOf(trusted, policy)}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// What an index built under another snapshot must share to be updated rather than rebuilt: the root version
    /// (every role it holds was verified under that root) and the policy.
    /// </summary>
    public static string BaseKeyOf(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
    {
        policy ??= PackageTrustPolicy.Default;
        var roles = policy.TrustedRoles is null ? "*" : string.Join(",", policy.TrustedRoles.Order(StringComparer.Ordinal));
        var text = $"root {trusted.Root.Header.Version}\npolicy {roles} {policy.MaxDependClauses} {policy.MaxAlternativesPerClause} {policy.MaxProvides} {policy.MaxConflicts}\n";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The first line: magic, key, base key, expiry, number of names, length and hash of the meta section
    /// (problems and role records), length of the index, hash of its block table.</summary>
    private sealed record Header(int Length, string Key, string BaseKey, long Expires, int Names, int MetaLength, string MetaHash, long BodyLength, string TableHash)
    {
        public static Header? Parse(ReadOnlySpan<byte> bytes)
        {
            int newline = bytes.IndexOf((byte)'\n');
            if (newline < 0) return null;
            var fields = Encoding.ASCII.GetString(bytes[..newline]).Split(' ');
            if (fields.Length != 10 || $"{fields[0]} {fields[1]}" != Magic) return null;
            if (!long.TryParse(fields[4], out var expires)) return null;
            if (!int.TryParse(fields[5], out var names) || names < 0 || !int.TryParse(fields[6], out var meta) || meta < 0) return null;
            if (!long.TryParse(fields[8], out var body) || body < 0) return null;
            return new Header(newline + 1, fields[2], fields[3], expires, names, meta, fields[7], body, fields[9]);
        }

        /// <summary>Built from exactly this snapshot, and no role it was built from has expired (past that, the roles
        /// must be checked again).</summary>
        public bool IsFor(string key, DateTimeOffset now) => Key == key && DateTimeOffset.FromUnixTimeSeconds(Expires) > now;
    }

    private static bool HashIs(ReadOnlySpan<byte> bytes, string hex)
        => string.Equals(Hashing.Sha256Hex(bytes), hex, StringComparison.Ordinal);

    private static (List<(string Path, string Text)> Problems, List<RoleRecord> Roles)? ReadMeta(ReadOnlySpan<byte> bytes, Header header)
    {
        if (!HashIs(bytes, header.MetaHash)) return null;
        try
        {
            using var document = JsonDocument.Parse(bytes.ToArray());
            var problems = new List<(string Path, string Text)>();
            foreach (var problem in document.RootElement.GetProperty("problems").EnumerateArray())
                problems.Add((problem[0].GetString()!, problem[1].GetString()!));
            var roles = new List<RoleRecord>();
            foreach (var role in document.RootElement.GetProperty("roles").EnumerateArray())
                roles.Add(RoleRecord.Read(role));
            return (problems, roles);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or FormatException) { return null; }
    }

    /// <summary>The cached index, or null when the file is missing, for another key, or damaged (as far as opening it
    /// reads: the header, the problems, the block table and the index's head).</summary>
    internal static PackageIndex? TryRead(string file, string key, DateTimeOffset now, Func<PackageIndex>? rebuild = null)
    {
        var opened = TryOpen(file, header => header.IsFor(key, now));
        return opened is null ? null : new PackageIndex(opened.Index, opened.Problems, rebuild);
    }

    /// <summary>An index file opened (header, meta, block table and head checked); its blocks are checked as they are read.</summary>
    internal sealed record Opened(CompactPackageIndex Index, List<(string Path, string Text)> Problems, List<RoleRecord> Roles, long Expires);

    /// <summary>
    /// The cache built under another snapshot of this root version and policy, for an update of the changed roles
    /// (<see cref="PackageIndexUpdate"/>); null when there is none or it is damaged. Its expiry is not checked here:
    /// the update checks each unchanged role's own.
    /// </summary>
    internal static Opened? TryOpenPrevious(string file, string baseKey) => TryOpen(file, header => header.BaseKey == baseKey);

    private static Opened? TryOpen(string file, Func<Header, bool> wanted)
    {
        SafeFileHandle? handle = null;
        try
        {
            // The first line decides whether the file is wanted: a stale one is not read further.
            handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            var start = new byte[Math.Min(length, 4096)];
            if (RandomAccess.Read(handle, start, 0) != start.Length || Header.Parse(start) is not { } header || !wanted(header)) return null;
            long body = header.Length + (long)header.MetaLength, tableLength = VerifiedBlockFile.BlockCount(header.BodyLength) * 32;
            if (body + header.BodyLength + tableLength != length || tableLength > Array.MaxLength) return null;
            var metaBytes = new byte[header.MetaLength];
            if (RandomAccess.Read(handle, metaBytes, header.Length) != metaBytes.Length || ReadMeta(metaBytes, header) is not { } meta) return null;
            var table = new byte[tableLength];
            if (RandomAccess.Read(handle, table, body + header.BodyLength) != table.Length || !HashIs(table, header.TableHash)) return null;
            var compact = CompactPackageIndex.Open(new VerifiedBlockFile(handle, body, header.BodyLength, table));
            if (compact.NameCount != header.Names) return null;
            handle = null; // the index reads it from now on
            return new Opened(compact, meta.Problems, meta.Roles, header.Expires);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException) { return null; }
        finally { handle?.Dispose(); }
    }

    /// <summary>Best effort: a cache that cannot be written costs time on the next command, nothing else.</summary>
    internal static void TryWrite(string file, string key, string baseKey, byte[] body, IReadOnlyList<(string Path, string Text)> problems,
                                  IReadOnlyList<RoleRecord> roles, int names, DateTimeOffset expires)
    {
        var temp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var meta = new MemoryStream();
            using (var writer = new Utf8JsonWriter(meta))
            {
                writer.WriteStartObject();
                writer.WriteStartArray("problems");
                foreach (var (path, text) in problems)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(path);
                    writer.WriteStringValue(text);
                    writer.WriteEndArray();
                }
                writer.WriteEndArray();
                writer.WriteStartArray("roles");
                foreach (var role in roles) role.WriteTo(writer);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            var table = VerifiedBlockFile.TableOf(body);
            var head = $"{Magic} {key} {baseKey} {expires.ToUnixTimeSeconds()} {names} {meta.Length} "
                       + $"{Convert.ToHexStringLower(SHA256.HashData(meta.ToArray()))} {body.Length} {Convert.ToHexStringLower(SHA256.HashData(table))}\n";
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                output.Write(Encoding.ASCII.GetBytes(head));
                output.Write(meta.ToArray());
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
