using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Packages;

/// <summary>
/// The package index of a new snapshot made from the cached index of an earlier one and the roles that changed, so
/// that a refresh that downloads a few hash bins costs about what it downloads. Used only when the change leaves the
/// delegation graph as it was: the same root version and policy (<see cref="PackageIndexCache.BaseKeyOf"/>), the same
/// top-level targets and the same bytes for every role that delegates; each changed role delegated by targets alone
/// and delegating nothing, before and after. Unchanged roles keep their verified state (<see cref="RoleRecord"/>: the
/// snapshot names the same bytes, their delegator gives them the same keys, and they have not expired); each changed
/// role is verified now, through its delegation from targets. The entries of every path a changed role lists (before
/// or after) are looked up again with the delegation search, and their rows replaced in the cache database in one transaction
/// (<see cref="IndexDatabase.ApplyUpdate"/>): the work is proportional to the changed roles, not to the index. Anything else returns
/// null and the caller builds the index from every role, verified, as before.
/// </summary>
public static class PackageIndexUpdate
{
    /// <summary>What the update needs from the TUF client (<c>Updater</c>), which the package layer does not reference.</summary>
    /// <param name="ReadStored">The stored copy of a role, as the host keeps it (null when missing).</param>
    /// <param name="LoadThroughTargets">Verifies a role through its delegation from targets (stored copy or download).</param>
    /// <param name="Find">The delegation search for one path, loading the roles it visits.</param>
    /// <param name="LoadAll">Loads every stored delegated role (to rebuild an index whose cached bytes turn out damaged).</param>
    public sealed record Client(Func<string, byte[]?> ReadStored, Func<string, Task> LoadThroughTargets,
                                Func<string, Task<FoundTarget?>> Find, Action LoadAll);

    /// <summary>Roles changed beyond this share of the recorded ones make a full build the cheaper way.</summary>
    private const double MaxChangedShare = 0.5;

    /// <summary>The updated index (also written to the cache), or null when the cached one cannot be updated.</summary>
    /// <exception cref="RepositoryException">A changed role does not verify (except for signatures: then null, and the
    /// full load decides whether another delegation vouches for it).</exception>
    public static async Task<PackageIndex?> TryUpdateAsync(string file, TrustedMetadata trusted, PackageTrustPolicy policy, DateTimeOffset now, Client client)
    {
        var baseKey = PackageIndexCache.BaseKeyOf(trusted, policy);
        List<RoleRecord> records;
        string previousKey;
        using (var previous = PackageIndexCache.TryOpenPrevious(file, baseKey))
        {
            if (previous is null) return null;
            previousKey = previous.Meta.Key;
            try { records = previous.Database.ReadRoles(); }
            catch (InvalidDataException) { return null; }
        }
        var snapshot = trusted.Snapshot!;
        if (records.FirstOrDefault(r => r.Name == RoleNames.Targets) is not { } top || !top.Matches(snapshot)) return null;
        var changed = new List<RoleRecord>();
        foreach (var record in records)
        {
            if (record.Matches(snapshot))
            {
                if (DateTimeOffset.FromUnixTimeSeconds(record.Expires) <= now) return null;
                continue;
            }
            if (record.Delegates || record.Sha256 is null || record.Delegators is not [RoleNames.Targets]) return null;
            changed.Add(record);
        }
        if (changed.Count > records.Count * MaxChangedShare) return null;

        // Every path a changed role listed: from the stored copy its record was verified for (same hash), read typed
        // (paths only; no DOM per target).
        var affected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in changed)
        {
            var bytes = client.ReadStored(record.Name);
            if (bytes is null || Hashing.Sha256Hex(bytes) != record.Sha256) return null;
            try { affected.UnionWith(TargetsReader.Read(ReceivedEnvelope.Parse(bytes, record.Name), record.Name).Targets.Keys); }
            catch (RepositoryException) { return null; }
        }
        var updated = new List<RoleRecord>(changed.Count);
        try
        {
            foreach (var record in changed)
            {
                await client.LoadThroughTargets(record.Name);
                if (trusted.TargetsOf(record.Name, RoleNames.Targets) is not { } metadata || metadata.Delegations is { Roles.Count: > 0 }) return null;
                affected.UnionWith(metadata.Targets.Keys);
                updated.Add(record with { Version = metadata.Header.Version, Sha256 = RoleRecord.Sha256Of(snapshot, record.Name), Expires = metadata.Header.Expires.ToUnixTimeSeconds() });
            }
            var found = new List<FoundTarget>();
            foreach (var path in affected.Order(StringComparer.Ordinal))
                if (await client.Find(path) is { } hit) found.Add(hit);
            var changedNames = changed.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            var expires = DateTimeOffset.FromUnixTimeSeconds(records.Where(r => !changedNames.Contains(r.Name)).Concat(updated).Min(r => r.Expires));
            var key = PackageIndexCache.KeyOf(trusted, policy);
            using (var database = IndexDatabase.OpenForWriting(file))
                if (!database.ApplyUpdate(previousKey, key, affected, found, policy, updated, expires)) return null;
            PackageIndex Rebuild() => PackageIndexCache.Rebuild(file, trusted, policy, now, client.LoadAll);
            return PackageIndexCache.TryRead(file, key, now, Rebuild);
        }
        catch (UnsignedMetadataException) { return null; }
        catch (InvalidDataException) { return null; }
        catch (Microsoft.Data.Sqlite.SqliteException) { return null; }
    }
}
