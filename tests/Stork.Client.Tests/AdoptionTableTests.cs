using Microsoft.Data.Sqlite;
using Stork.Client.Guests;
using Stork.Client.State;
using Stork.Format.Errors;
using Xunit;

namespace Stork.Client.Tests;

/// <summary>
/// The packages adopted from a guest's image live in the host database (schema 5, adopted_packages). A schema 4
/// database gains the table on open, and the record file an older stork-get kept (STATE_DIR/adopted/GUEST.json) is
/// imported once and deleted; every refusal reads the table.
/// </summary>
public sealed class AdoptionTableTests
{
    private static HostPaths PathsIn(TempDir temp) =>
        new(Path.Combine(temp.Path, "state"), Path.Combine(temp.Path, "cache"), Path.Combine(temp.Path, "etc"));

    private static string AdoptedDir(HostPaths paths) => Path.Combine(paths.StateDir, "adopted");

    // A database as the previous stork-get left it: schema 4, no adopted_packages.
    private static void BackToSchema4(HostPaths paths)
    {
        using var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE adopted_packages; PRAGMA user_version = 4;";
        command.ExecuteNonQuery();
    }

    private static bool HasTable(HostPaths paths)
    {
        using var connection = new SqliteConnection($"Data Source={paths.Database};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'adopted_packages'";
        return (long)command.ExecuteScalar()! == 1;
    }

    [Fact]
    public void A_schema_4_database_gains_the_table_and_an_old_record_file_is_imported_once_and_deleted()
    {
        using var temp = new TempDir();
        var paths = PathsIn(temp);
        foreach (var guest in new[] { "g", "h" }) Directory.CreateDirectory(Path.Combine(temp.Path, guest));
        using (var db = HostDatabase.Open(paths))
        {
            new GuestRegistry(db).AddGuest("g", Path.Combine(temp.Path, "g"));
            new GuestRegistry(db).AddGuest("h", Path.Combine(temp.Path, "h"));
        }
        BackToSchema4(paths);
        Assert.False(HasTable(paths));
        Directory.CreateDirectory(AdoptedDir(paths));
        File.WriteAllText(Path.Combine(AdoptedDir(paths), "g.json"), """{"libc6":3,"libz":2}""" + "\n");
        File.WriteAllText(Path.Combine(AdoptedDir(paths), "gone.json"), """{"libc6":1}""" + "\n"); // a guest no longer registered

        using (var db = HostDatabase.Open(paths))
        {
            Assert.Equal(5, db.UserVersion);
            Assert.Equal(HostDatabase.SchemaVersion, db.UserVersion);
            Assert.Equal(new Dictionary<string, int> { ["libc6"] = 3, ["libz"] = 2 }, db.Adoptions.Load("g"));
            Assert.Empty(db.Adoptions.Load("h"));
            Assert.Empty(db.Adoptions.Load("gone"));
            var refused = Assert.Throws<GuestException>(() =>
                AdoptionRecord.RequireKept(db, "g", [new InstalledPackage("libz", "1.0.0", new string('a', 64), true)]));
            Assert.Contains("libz was adopted from the guest's dpkg image in generation 2", refused.Message);
            AdoptionRecord.RequireKept(db, "g", [new InstalledPackage("other", "1.0.0", new string('a', 64), true)]); // not adopted: allowed
        }
        Assert.True(HasTable(paths));
        Assert.False(Directory.Exists(AdoptedDir(paths)), "the imported record files (and their directory) must be gone");

        // Imported once: the table is the record now; unregistering the guest forgets it.
        using (var db = HostDatabase.Open(paths))
        {
            Assert.Equal(3, db.Adoptions.Load("g")["libc6"]);
            db.DeleteGuest("g");
            Assert.Empty(db.Adoptions.Load("g"));
        }
    }

    [Fact]
    public void An_import_repeated_after_a_crash_keeps_the_database_rows()
    {
        using var temp = new TempDir();
        var paths = PathsIn(temp);
        Directory.CreateDirectory(Path.Combine(temp.Path, "g"));
        using (var db = HostDatabase.Open(paths))
        {
            new GuestRegistry(db).AddGuest("g", Path.Combine(temp.Path, "g"));
            db.Adoptions.Add("g", ["libc6"], 4);
        }
        // The file was imported but the crash came before it was deleted.
        Directory.CreateDirectory(AdoptedDir(paths));
        File.WriteAllText(Path.Combine(AdoptedDir(paths), "g.json"), """{"libc6":1,"libz":1}""");
        using (var db = HostDatabase.Open(paths))
            Assert.Equal(new Dictionary<string, int> { ["libc6"] = 4, ["libz"] = 1 }, db.Adoptions.Load("g"));
        Assert.False(Directory.Exists(AdoptedDir(paths)));
    }

    [Fact]
    public void A_damaged_old_record_file_is_a_local_error_naming_it_and_is_kept()
    {
        using var temp = new TempDir();
        var paths = PathsIn(temp);
        Directory.CreateDirectory(Path.Combine(temp.Path, "g"));
        using (var db = HostDatabase.Open(paths)) new GuestRegistry(db).AddGuest("g", Path.Combine(temp.Path, "g"));
        Directory.CreateDirectory(AdoptedDir(paths));
        var file = Path.Combine(AdoptedDir(paths), "g.json");
        File.WriteAllText(file, "{\"libc6\": ");
        var e = Assert.Throws<LocalException>(() => HostDatabase.Open(paths).Dispose());
        Assert.Contains(file, e.Message);
        Assert.True(File.Exists(file), "a record that cannot be read must not be deleted");
    }

    [RootFact]
    public async Task Adopt_records_the_generation_in_the_database_before_the_change_and_a_change_dropping_it_is_refused()
    {
        using var host = new HostFixture();
        var root = host.GuestRoot("g");
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/x"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
        File.WriteAllText(Path.Combine(root, "usr/lib/x/libx.so"), "library\n");
        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "Package: libx\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n\n");
        host.Guests.AddGuest("g", root, baseImage: GuestBases.Dpkg);
        var libx = host.Build("libx", "1.0.0", new Dictionary<string, string> { ["usr/lib/x/libx.so"] = "library\n" });

        int? recordedAtCommit = null;
        CrashPoints.OnHit = () => recordedAtCommit ??= host.Database.Adoptions.Load("g").GetValueOrDefault("libx");
        try
        {
            var report = await host.Installer.AdoptAsync("g", [libx], new Dictionary<string, string> { ["libx"] = "1.0-1" }, host.Blobs, CancellationToken.None);
            Assert.Equal(["libx 1.0-1"], report.Adopted);
            Assert.Equal(report.Change!.Generation, host.Database.Adoptions.Load("g")["libx"]);
            Assert.Equal(report.Change.Generation, recordedAtCommit); // already there at the change's first crash point
        }
        finally
        {
            CrashPoints.OnHit = null;
        }
        Assert.False(Directory.Exists(Path.Combine(host.Paths.StateDir, "adopted")), "no record file any more");

        var refused = await Assert.ThrowsAsync<GuestException>(() => host.Installer.ApplyAsync("g", [], host.Blobs, CancellationToken.None));
        Assert.Contains("libx was adopted", refused.Message);
        Assert.Equal("library\n", File.ReadAllText(Path.Combine(root, "usr/lib/x/libx.so")));
        Assert.Equal(["libx"], host.Installer.ListInstalled("g").Select(p => p.Name));

        // A desired set that is not "installed + candidates" cannot come from the CLI: a bug, not a user-facing error class.
        var bug = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            host.Installer.AdoptAsync("g", [], new Dictionary<string, string> { ["libx"] = "1.0-1" }, host.Blobs, CancellationToken.None));
        Assert.StartsWith("bug: ", bug.Message);
    }
}
