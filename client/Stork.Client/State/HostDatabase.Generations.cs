using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>One generation of a guest: the package set after one successful change.</summary>
public sealed record GenerationRecord(int Number, long Created, string Summary, IReadOnlyList<InstalledPackage> Packages);

/// <summary>Generations: the package set after each successful change, and the commit that records one.</summary>
public sealed partial class HostDatabase
{
    /// <summary>
    /// The end of a change, in one SQLite transaction: the guest's packages and owned files become the new set,
    /// a new generation is recorded, the link mode in use is stored and the journal is dropped.
    /// Returns the new generation number.
    /// </summary>
    public int CommitGeneration(string guest, IReadOnlyList<InstalledPackage> packages, IReadOnlyList<OwnedFile> owned, LinkMode? linkModeUsed, string summary, DateTimeOffset created)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var sql in new[] { "DELETE FROM owned_files WHERE guest = $guest", "DELETE FROM installed_packages WHERE guest = $guest" })
        {
            using var command = Command(sql, transaction, ("$guest", guest));
            command.ExecuteNonQuery();
        }
        int number;
        using (var max = Command("SELECT COALESCE(MAX(number), 0) FROM generations WHERE guest = $guest", transaction, ("$guest", guest)))
        {
            number = Convert.ToInt32(max.ExecuteScalar(), CultureInfo.InvariantCulture) + 1;
        }
        using (var insert = Command("INSERT INTO generations(guest, number, created, summary) VALUES ($guest, $number, $created, $summary)", transaction, ("$guest", guest), ("$number", number), ("$created", created.ToUnixTimeSeconds()), ("$summary", summary)))
        {
            insert.ExecuteNonQuery();
        }
        foreach (var table in new[] { "installed_packages", "generation_packages" })
        {
            bool generation = table == "generation_packages";
            using var insert = Command(generation
                ? "INSERT INTO generation_packages(guest, number, name, version, blob_sha256, manual) VALUES ($guest, $number, $name, $version, $sha, $manual)"
                : "INSERT INTO installed_packages(guest, name, version, blob_sha256, manual) VALUES ($guest, $name, $version, $sha, $manual)", transaction);
            insert.Parameters.AddWithValue("$guest", guest);
            if (generation) insert.Parameters.AddWithValue("$number", number);
            var name = insert.Parameters.Add("$name", SqliteType.Text);
            var version = insert.Parameters.Add("$version", SqliteType.Text);
            var sha = insert.Parameters.Add("$sha", SqliteType.Text);
            var manual = insert.Parameters.Add("$manual", SqliteType.Integer);
            foreach (var package in packages)
            {
                name.Value = package.Name;
                version.Value = package.Version;
                sha.Value = package.BlobSha256;
                manual.Value = package.Manual ? 1 : 0;
                insert.ExecuteNonQuery();
            }
        }
        InsertOwnedFiles(guest, owned, transaction);
        if (linkModeUsed is not null)
        {
            using var update = Command("UPDATE guests SET link_mode_used = $mode WHERE name = $guest", transaction, ("$mode", linkModeUsed.Value.Name()), ("$guest", guest));
            update.ExecuteNonQuery();
        }
        DeleteJournal(guest, transaction);
        transaction.Commit();
        return number;
    }

    public int CurrentGeneration(string guest)
    {
        using var command = Command("SELECT COALESCE(MAX(number), 0) FROM generations WHERE guest = $guest", ("$guest", guest));
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<GenerationRecord> ListGenerations(string guest)
    {
        var generations = new List<(int Number, long Created, string Summary)>();
        using (var command = Command("SELECT number, created, summary FROM generations WHERE guest = $guest ORDER BY number", ("$guest", guest)))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read()) generations.Add((reader.GetInt32(0), reader.GetInt64(1), reader.GetString(2)));
        }
        var packages = new Dictionary<int, List<InstalledPackage>>();
        using (var command = Command("SELECT number, name, version, blob_sha256, manual FROM generation_packages WHERE guest = $guest ORDER BY number, name", ("$guest", guest)))
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var n = reader.GetInt32(0);
                if (!packages.TryGetValue(n, out var list)) packages[n] = list = [];
                list.Add(new InstalledPackage(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4) != 0));
            }
        }
        return generations.Select(g => new GenerationRecord(g.Number, g.Created, g.Summary, packages.GetValueOrDefault(g.Number) ?? [])).ToList();
    }

    /// <summary>Drops all but the newest <paramref name="keep"/> generations of a guest (the current one is always kept).</summary>
    public int PruneGenerations(string guest, int keep)
    {
        using var command = Command("DELETE FROM generations WHERE guest = $guest AND number <= (SELECT MAX(number) FROM generations WHERE guest = $guest) - $keep", ("$guest", guest), ("$keep", Math.Max(1, keep)));
        return command.ExecuteNonQuery();
    }

    /// <summary>Every blob some guest has installed, keeps in a generation, or is in the middle of installing.</summary>
    public IReadOnlySet<string> ReferencedBlobs()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        using (var command = Command("SELECT blob_sha256 FROM installed_packages UNION SELECT blob_sha256 FROM generation_packages"))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) set.Add(reader.GetString(0));
        using (var command = Command("SELECT desired FROM journal"))
        using (var reader = command.ExecuteReader())
            while (reader.Read())
                foreach (var package in StoredJson.ReadDesired(reader.GetString(0))) set.Add(package.BlobSha256);
        return set;
    }
}
