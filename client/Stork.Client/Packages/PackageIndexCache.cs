using System.Text;
using Microsoft.Data.Sqlite;
using Stork.Format.Crypto;
using Stork.Format.Json;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>
/// The package index built from the delegation search over every trusted target (<see cref="TargetSearch.AllTrusted"/>)
/// under a trust policy, kept per verified snapshot in a SQLite database of its own (<see cref="IndexDatabase"/>)
/// that a command reads by row. The key is a hash of the verified snapshot's content (which names the version and
/// hash of every targets role), the root version and the policy. The database also records the earliest expiry of
/// the roles it was built from, the number of package names, the problems found and a <see cref="RoleRecord"/> per
/// targets role, and carries a check value per row.
/// A command whose freshly verified chain (root, timestamp, snapshot, top-level targets) matches the key may use it
/// without loading the delegated roles again: the snapshot pins their exact bytes, which were all verified under this
/// root when the cache was written, and none has expired. A cache for another key, past that expiry, damaged or
/// unreadable is ignored and rewritten, never trusted. A cache of another snapshot under the same root version and
/// policy (its base key) is what <see cref="PackageIndexUpdate"/> updates in place. A row found damaged during a
/// lookup makes the index rebuild itself from the verified roles (and rewrite the cache).
/// </summary>
public static class PackageIndexCache
{
    /// <summary>What a refresh reports of an index: its size and the entries it could not read; when read from the
    /// cache, the earliest expiry of the roles it was built from.</summary>
    public sealed record Summary(int Names, IReadOnlyList<string> Problems, DateTimeOffset? Expires = null);

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
        TryWrite(file, key, BaseKeyOf(trusted, policy), index, RoleRecord.Of(trusted), listings.Count == 0 ? now : listings.Min(r => r.Header.Expires));
        return index;
    }

    /// <summary>The index of <paramref name="trusted"/> after <paramref name="loadRoles"/> loaded every delegated role, written to the cache.</summary>
    internal static PackageIndex Rebuild(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now, Action loadRoles)
    {
        ForgetSummary(file);
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
    /// lookup finds the cached rows damaged, to rebuild the index (without it, such a lookup throws InvalidDataException).</param>
    public static PackageIndex? TryLoadWithoutRoles(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now, Action? loadRoles = null)
    {
        var key = KeyOf(trusted, policy);
        return TryRead(file, key, now, loadRoles is null ? null : () => { ForgetSummary(file); loadRoles(); return Build(file, key, trusted, policy, now); });
    }

    /// <summary>The refresh command's stored report beside the cache (written by the refresh, <c>RefreshSummaryFile</c>).</summary>
    public static string SummaryFileOf(string file) => Path.ChangeExtension(Path.GetFullPath(file), ".summary");

    /// <summary>
    /// Called when a command finds the cache missing, for another snapshot or damaged: a refresh with nothing new must
    /// then not answer from its stored report (it would not repair what this command is about to ask the user to
    /// refresh for), but load and verify the roles again.
    /// </summary>
    private static void ForgetSummary(string file)
    {
        try { File.Delete(SummaryFileOf(file)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Like <see cref="TryLoadWithoutRoles"/> for a refresh, which reports only the summary: only the meta
    /// row and the problems are read.</summary>
    public static Summary? TrySummaryWithoutRoles(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now)
    {
        using var opened = TryOpen(file, meta => IsFor(meta, KeyOf(trusted, policy), now));
        return opened is null ? null : new Summary(opened.Meta.Names, opened.Problems.Select(p => p.Text).ToList(), DateTimeOffset.FromUnixTimeSeconds(opened.Meta.Expires));
    }

    /// <summary>A hash of the verified snapshot's content (every role's version and hash), the root version and the policy.</summary>
    public static string KeyOf(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
    {
        policy ??= PackageTrustPolicy.Default;
        byte[] snapshot = CanonicalJson.Serialize(trusted.Snapshot!.ToSigned()), rest = Encoding.UTF8.GetBytes($"\n{BaseKeyOf(trusted, policy)}\n");
        return Hashing.Sha256Hex([.. snapshot, .. rest]); // the same digest as hashing the two parts in turn
    }

    /// <summary>
    /// What an index built under another snapshot must share to be updated rather than rebuilt: the root version
    /// (every role it holds was verified under that root) and the policy.
    /// </summary>
    public static string BaseKeyOf(TrustedMetadata trusted, PackageTrustPolicy? policy = null)
    {
        var text = $"root {trusted.Root.Header.Version}\n{PolicyText(policy ?? PackageTrustPolicy.Default)}\n";
        return Hashing.Sha256Hex(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Everything of the policy that changes what the index holds.</summary>
    public static string PolicyText(PackageTrustPolicy policy)
    {
        var roles = policy.TrustedRoles is null ? "*" : string.Join(",", policy.TrustedRoles.Order(StringComparer.Ordinal));
        return $"policy {roles} {policy.MaxDependClauses} {policy.MaxAlternativesPerClause} {policy.MaxProvides} {policy.MaxConflicts}";
    }

    /// <summary>Built from exactly this snapshot, and no role it was built from has expired (past that, the roles must
    /// be checked again).</summary>
    private static bool IsFor(IndexDatabase.Meta meta, string key, DateTimeOffset now)
        => meta.Key == key && DateTimeOffset.FromUnixTimeSeconds(meta.Expires) > now;

    /// <summary>The cached index, or null when the database is missing, for another key, or damaged (as far as opening
    /// it reads: the meta row and the problems).</summary>
    internal static PackageIndex? TryRead(string file, string key, DateTimeOffset now, Func<PackageIndex>? rebuild = null)
    {
        var opened = TryOpen(file, meta => IsFor(meta, key, now));
        if (opened is null) ForgetSummary(file);
        return opened is null ? null : new PackageIndex(opened.Database, opened.Meta.Names, opened.Problems, rebuild);
    }

    /// <summary>An index database opened for reading (meta row and problems checked); its other rows are checked as they are read.</summary>
    internal sealed record Opened(IndexDatabase Database, IndexDatabase.Meta Meta, List<(string Path, string Text)> Problems) : IDisposable
    {
        public void Dispose() => Database.Dispose();
    }

    /// <summary>
    /// The cache built under another snapshot of this root version and policy, for an update of the changed roles
    /// (<see cref="PackageIndexUpdate"/>); null when there is none or it is damaged. Its expiry is not checked here:
    /// the update checks each unchanged role's own.
    /// </summary>
    internal static Opened? TryOpenPrevious(string file, string baseKey) => TryOpen(file, meta => meta.BaseKey == baseKey);

    private static Opened? TryOpen(string file, Func<IndexDatabase.Meta, bool> wanted)
    {
        IndexDatabase? database = null;
        try
        {
            database = IndexDatabase.OpenForReading(file);
            if (database?.ReadMeta() is not { } meta || !wanted(meta)) return null;
            var opened = new Opened(database, meta, database.ReadProblems());
            database = null; // the index reads it from now on
            return opened;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or SqliteException) { return null; }
        finally { database?.Dispose(); }
    }

    /// <summary>Best effort: a cache that cannot be written costs time on the next command, nothing else.</summary>
    internal static void TryWrite(string file, string key, string baseKey, PackageIndex index, IReadOnlyList<RoleRecord> roles, DateTimeOffset expires)
    {
        try
        {
            using var database = IndexDatabase.OpenForWriting(file);
            database.WriteFull(key, baseKey, index, index.ProblemsByPath, roles, expires);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or SqliteException) { }
        // The cache file of earlier versions (one binary file) next to it: replaced by the database.
        var legacy = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "package-index.cache");
        if (legacy != Path.GetFullPath(file))
            try { File.Delete(legacy); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
