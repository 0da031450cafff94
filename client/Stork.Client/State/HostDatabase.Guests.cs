using System.Globalization;
using Microsoft.Data.Sqlite;
using Stork.Client.Locking;

namespace Stork.Client.State;

/// <summary>Registered guests (name, root, link mode, sharing group) and the guest-roots file recover --rebuild reads.</summary>
public sealed partial class HostDatabase
{
    public void InsertGuest(GuestRecord guest)
    {
        using var command = Command("INSERT INTO guests(name, root, link_mode, share_group, base) VALUES ($name, $root, $mode, $group, $base)", ("$base", guest.Base), ("$group", guest.ShareGroup), ("$name", guest.Name), ("$root", guest.Root), ("$mode", guest.LinkMode.Name()));
        command.ExecuteNonQuery();
        SaveGuestRoots();
    }

    public GuestRecord? FindGuest(string name)
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests WHERE name = $name", ("$name", name));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadGuest(reader) : null;
    }

    public GuestRecord? FindGuestByRoot(string root)
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests WHERE root = $root", ("$root", root));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadGuest(reader) : null;
    }

    public IReadOnlyList<GuestRecord> ListGuests()
    {
        using var command = Command("SELECT name, root, link_mode, link_mode_used, share_group, base FROM guests ORDER BY name");
        using var reader = command.ExecuteReader();
        var guests = new List<GuestRecord>();
        while (reader.Read()) guests.Add(ReadGuest(reader));
        return guests;
    }
    private void MigrateGuests()
    {
        using var command = Command("SELECT COUNT(*) FROM pragma_table_info('guests') WHERE name = 'link_mode_used'");
        if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            Execute("ALTER TABLE guests ADD COLUMN link_mode_used TEXT");
    }

    private static GuestRecord ReadGuest(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), LinkModes.Parse(reader.GetString(2), "host state: guests.link_mode"), reader.IsDBNull(3) ? null : LinkModes.Parse(reader.GetString(3), "host state: guests.link_mode_used"), reader.GetString(4), reader.GetString(5));

    public void SetLinkMode(string guest, LinkMode mode)
    {
        using var command = Command("UPDATE guests SET link_mode = $mode, link_mode_used = NULL WHERE name = $guest", ("$mode", mode.Name()), ("$guest", guest));
        command.ExecuteNonQuery();
    }
    /// <summary>Unregisters a guest: its packages, owned files, generations and journal go with it (ON DELETE CASCADE).</summary>
    public void DeleteGuest(string guest)
    {
        using var transaction = _connection.BeginTransaction();
        DeleteJournal(guest, transaction);
        foreach (var sql in new[] { "DELETE FROM owned_files WHERE guest = $guest", "DELETE FROM installed_packages WHERE guest = $guest",
                     "DELETE FROM generation_packages WHERE guest = $guest", "DELETE FROM generations WHERE guest = $guest", "DELETE FROM guests WHERE name = $guest" })
        {
            using var command = Command(sql, transaction, ("$guest", guest));
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }
    /// <summary>Rewrites the guest-roots file (names, roots, link modes) that <c>recover --rebuild</c> starts from.</summary>
    public void SaveGuestRoots()
    {
        var stateDir = Path.GetDirectoryName(Path.GetFullPath(_connection.DataSource))!;
        var path = HostIdentity.GuestRootsPath(stateDir);
        using var _ = FileLock.Acquire(path + ".lock", "the guest roots file", null);
        var list = new System.Text.Json.Nodes.JsonArray();
        foreach (var g in ListGuests())
            list.Add((System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["name"] = g.Name, ["root"] = g.Root, ["link_mode"] = g.LinkMode.Name(), ["share_group"] = g.ShareGroup, ["base"] = g.Base });
        AtomicFile.WriteText(path, list.ToJsonString());
    }
}
