using Microsoft.Data.Sqlite;
using Stork.Client.Config;
using Stork.Client.State;
using Stork.Format.Errors;

namespace Stork.Client.Tests;

/// <summary>Issue 13: state.db and the store know each other; SQLite, config and write failures are local errors.</summary>
public sealed class HostIdentityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stork-identity-test-").FullName;
    private HostPaths PathsIn(string name) => new(Path.Combine(_root, name, "state"), Path.Combine(_root, name, "cache"), Path.Combine(_root, name, "etc"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static LocalException Refused(HostPaths paths) => Assert.ThrowsAny<LocalException>(() => HostDatabase.Open(paths).Dispose());

    [Fact]
    public void A_fresh_host_gets_one_id_in_both_the_database_and_the_store_and_the_current_schema_version()
    {
        var paths = PathsIn("h");
        string id;
        using (var db = HostDatabase.Open(paths))
        {
            id = db.HostId!;
            Assert.Equal(HostDatabase.SchemaVersion, db.UserVersion);
        }
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, HostIdentity.ReadStoreId(paths));
        using (var again = HostDatabase.Open(paths)) Assert.Equal(id, again.HostId);
        Assert.Empty(Directory.EnumerateFiles(paths.StateDir, "*stork-tmp*"));
    }

    [Fact]
    public void A_deleted_empty_truncated_or_foreign_database_is_refused_naming_it_and_left_as_it_is()
    {
        var paths = PathsIn("h");
        using (var db = HostDatabase.Open(paths)) db.Guests.Insert(new GuestRecord("a", "/srv/a", LinkMode.HardLink));
        var good = File.ReadAllBytes(paths.Database);

        File.Delete(paths.Database);
        var e = Refused(paths);
        Assert.Contains(paths.Database, e.Message);
        Assert.Contains("is missing", e.Message);
        Assert.False(File.Exists(paths.Database));

        File.WriteAllBytes(paths.Database, []);
        Assert.Contains("is empty", Refused(paths).Message);
        Assert.Empty(File.ReadAllBytes(paths.Database));

        File.WriteAllBytes(paths.Database, good[..(good.Length / 2)]);
        Assert.Contains("damaged", Refused(paths).Message);
        Assert.Equal(good.Length / 2, new FileInfo(paths.Database).Length);

        var flipped = (byte[])good.Clone();
        flipped[3] ^= 0x04;
        File.WriteAllBytes(paths.Database, flipped);
        Assert.Contains("damaged", Refused(paths).Message);

        var other = PathsIn("other");
        HostDatabase.Open(other).Dispose();
        File.Copy(other.Database, paths.Database, overwrite: true);
        var foreign = Refused(paths);
        Assert.Contains("belongs to host", foreign.Message);
        Assert.Equal(File.ReadAllBytes(other.Database), File.ReadAllBytes(paths.Database));

        File.WriteAllBytes(paths.Database, good);
        using var restored = HostDatabase.Open(paths);
        Assert.Single(restored.Guests.List());
    }

    [Fact]
    public void A_database_from_before_host_identity_is_migrated_and_a_newer_one_refused()
    {
        var paths = PathsIn("h");
        Directory.CreateDirectory(paths.StateDir);
        using (var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE guests (name TEXT PRIMARY KEY, root TEXT NOT NULL UNIQUE, link_mode TEXT NOT NULL); INSERT INTO guests VALUES ('old', '/srv/old', 'hardlink');";
            create.ExecuteNonQuery();
        }
        using (var db = HostDatabase.Open(paths))
        {
            Assert.Equal(HostDatabase.SchemaVersion, db.UserVersion);
            Assert.Equal(HostIdentity.ReadStoreId(paths), db.HostId);
            Assert.Equal("old", Assert.Single(db.Guests.List()).Name);
        }
        using (var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False"))
        {
            connection.Open();
            using var bump = connection.CreateCommand();
            bump.CommandText = $"PRAGMA user_version = {HostDatabase.SchemaVersion + 1}";
            bump.ExecuteNonQuery();
        }
        Assert.Contains("upgrade stork-get", Refused(paths).Message);
    }

    [Theory]
    [InlineData(13, "disk is full")]
    [InlineData(8, "read-only")]
    [InlineData(11, "damaged")]
    [InlineData(26, "damaged")]
    public void SQLite_failures_are_local_errors_with_their_meaning_and_the_database_path(int code, string meaning)
    {
        var database = Path.Combine(_root, "state.db");
        Failure.DatabasePath = database;
        Failure.DatabaseErrorCode = e => ((SqliteException)e).SqliteErrorCode;
        var (message, errorClass) = Failure.Describe(new SqliteException($"SQLite Error {code}", code));
        Assert.Equal(ErrorClass.LocalState, errorClass);
        Assert.Contains(meaning, message);
        Assert.Contains(database, message);
    }

    [Fact]
    public async Task Many_writers_of_one_file_never_share_a_temporary_and_readers_always_see_a_whole_file()
    {
        var path = Path.Combine(_root, "file");
        var payloads = Enumerable.Range(0, 16).Select(i => Enumerable.Repeat((byte)('a' + i), 4096 * (i + 1)).ToArray()).ToArray();
        var failures = 0;
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                if (File.Exists(path))
                {
                    var bytes = File.ReadAllBytes(path);
                    if (bytes.Length == 0 || bytes.Any(b => b != bytes[0]) || bytes.Length != 4096 * (bytes[0] - 'a' + 1)) Interlocked.Increment(ref failures);
                }
        });
        Parallel.For(0, 16 * 20, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => AtomicFile.Write(path, payloads[i % 16]));
        stop.Cancel();
        await reader;
        Assert.Equal(0, failures);
        Assert.Single(Directory.EnumerateFileSystemEntries(_root));
    }

    [Theory]
    [InlineData("\"repository\": \"http://a.example/\", \"repository\": \"http://b.example/\"", "duplicate key 'repository'")]
    [InlineData("\"repository\": \"http://a.example/\", \"mirors\": []", "unknown key 'mirors'")]
    [InlineData("\"repository\": \"http://a.example/\", \"fetch\": {\"stall_seconds\": 3}", "unknown key 'fetch.stall_seconds'")]
    [InlineData("\"repository\": \"http://a.example/\", \"fetch\": {\"grace_seconds\": -1}", "fetch.grace_seconds")]
    [InlineData("\"repository\": \"http://a.example/\", \"mirrors\": [{\"url\": \"http://m.example/\", \"prio\": 1}]", "unknown key 'mirrors[].prio'")]
    public void Stork_json_is_read_strictly_naming_the_key_and_the_file(string body, string says)
    {
        var dir = Path.Combine(_root, "etc");
        Directory.CreateDirectory(dir);
        File.WriteAllText(ClientConfig.PathIn(dir), "{" + body + "}");
        var e = Assert.ThrowsAny<LocalException>(() => ClientConfig.Load(dir));
        Assert.Equal(ErrorClass.LocalState, e.Class);
        Assert.Contains(says, e.Message);
        Assert.Contains(ClientConfig.PathIn(dir), e.Message);
    }
}
