using Microsoft.Data.Sqlite;
using Stork.Client.Guests;
using Stork.Client.Planning;
using Stork.Client.State;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Client.Tests;

/// <summary>
/// Schema 4 keeps manifests.files, journal.desired and journal_ops.entry as JSON. A database written by an older
/// stork-get (schema 2, hand-written text in those columns, here with a crash's journal left in it) is converted on
/// open and reads back the same.
/// </summary>
public sealed class StoredJsonMigrationTests
{
    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Sha2 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public void A_schema_2_database_with_text_columns_is_converted_and_reads_the_same()
    {
        using var temp = new TempDir();
        var paths = new HostPaths(Path.Combine(temp.Path, "state"), Path.Combine(temp.Path, "cache"), Path.Combine(temp.Path, "etc"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "g"));
        using (var db = HostDatabase.Open(paths)) new GuestRegistry(db).AddGuest("g", Path.Combine(temp.Path, "g"));

        // What stork-get wrote before schema 4: one tab-separated line per entry (\t, \n and \\ escaped), and
        // "name version sha length manual" lines for the desired set.
        var files = Line("dir", "usr/bin", "0755", "", "", "", "0")
            + Line("file", @"usr/bin/he\tllo", "0755", Sha2, "12", "", "0")
            + Line("symlink", "usr/bin/hi", "", "", "", "=hello", "0")
            + Line("file", "etc/hello.conf", "0644", Sha2, "3", "", "1");
        Sql(paths, $"""
            INSERT INTO manifests(blob_sha256, name, version, files) VALUES ('{Sha}', 'hello', '1.0', $files);
            INSERT INTO journal(guest, txid, state, desired, link_mode, summary, started)
              VALUES ('g', 'tx1', 'committing', $desired, 'hardlink', 'install hello', 7);
            INSERT INTO journal_ops(guest, seq, kind, path, entry, existed) VALUES ('g', 0, 'Symlink', 'usr/bin/hi', $entry, 0);
            PRAGMA user_version = 2;
            """,
            ("$files", files),
            ("$desired", $"hello 1.0 {Sha} 123 1\nlib 2.0 {Sha2} 45 0\n"),
            ("$entry", Line("symlink", "usr/bin/hi", "", "", "", "=hello", "0")));

        using (var db = HostDatabase.Open(paths))
        {
            Assert.Equal(HostDatabase.SchemaVersion, db.UserVersion);
            var manifest = db.Manifests.Load(Sha)!;
            Assert.Equal(("hello", "1.0"), (manifest.Name, manifest.Version));
            Assert.Equal(new[]
            {
                PackageFileEntry.Directory("usr/bin", "0755"),
                PackageFileEntry.File("usr/bin/he\tllo", "0755", 12, Sha2),
                PackageFileEntry.Symlink("usr/bin/hi", "hello"),
                PackageFileEntry.File("etc/hello.conf", "0644", 3, Sha2, config: true),
            }, manifest.Files);

            var (journal, actions) = db.Journal.Find("g")!.Value;
            Assert.Equal(JournalState.Committing, journal.State);
            Assert.Equal(new[] { new DesiredPackage("hello", "1.0", Sha, 123, true), new DesiredPackage("lib", "2.0", Sha2, 45, false) }, journal.Desired);
            Assert.Equal(new FileAction(FileActionKind.Symlink, "usr/bin/hi", PackageFileEntry.Symlink("usr/bin/hi", "hello"), false), Assert.Single(actions));
            Assert.Contains(Sha2, db.ReferencedBlobs());
        }
        Assert.StartsWith("[{", Column(paths, "SELECT files FROM manifests"));
        Assert.StartsWith("[{", Column(paths, "SELECT desired FROM journal"));
        Assert.StartsWith("{", Column(paths, "SELECT entry FROM journal_ops"));
    }

    [Fact]
    public void A_new_database_stores_json_that_reads_back()
    {
        using var host = new HostFixture();
        var files = new List<PackageFileEntry> { PackageFileEntry.File("a\nb", "0644", 1, Sha2), PackageFileEntry.Symlink("c", "a\nb") };
        host.Database.Manifests.Save(Sha, new PackageManifest { Name = "p", Version = "1", Files = files });
        Assert.Equal(files, host.Database.Manifests.Load(Sha)!.Files);
        Assert.StartsWith("[{", Column(host.Paths, "SELECT files FROM manifests"));
    }

    private static string Line(params string[] fields) => string.Join('\t', fields) + "\n";

    private static void Sql(HostPaths paths, string sql, params (string Name, string Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    private static string Column(HostPaths paths, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string)command.ExecuteScalar()!;
    }
}
