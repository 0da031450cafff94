using Microsoft.Data.Sqlite;
using Stork.Client.Locking;

namespace Stork.Client.State;

/// <summary>The guests table: registered guests (name, root, link mode, sharing group, base) and the guest-roots file recover --rebuild reads.</summary>
public sealed class GuestTable
{
    internal static readonly string[] Tables = ["guests"];

    private const string Columns = "name, root, link_mode, link_mode_used, share_group, base";
    private readonly SqlSession _sql;

    internal GuestTable(SqlSession sql) => _sql = sql;

    public void Insert(GuestRecord guest)
    {
        _sql.Execute("INSERT INTO guests(name, root, link_mode, share_group, base) VALUES ($name, $root, $mode, $group, $base)",
            ("$base", guest.Base), ("$group", guest.ShareGroup), ("$name", guest.Name), ("$root", guest.Root), ("$mode", guest.LinkMode.Name()));
        SaveRoots();
    }

    public GuestRecord? Find(string name) => _sql.QueryFirst($"SELECT {Columns} FROM guests WHERE name = $name", Read, ("$name", name));

    public GuestRecord? FindByRoot(string root) => _sql.QueryFirst($"SELECT {Columns} FROM guests WHERE root = $root", Read, ("$root", root));

    public IReadOnlyList<GuestRecord> List() => _sql.Query($"SELECT {Columns} FROM guests ORDER BY name", Read);

    /// <summary>A new link mode; the one in use is decided again by the next change.</summary>
    public void SetLinkMode(string guest, LinkMode mode) =>
        _sql.Execute("UPDATE guests SET link_mode = $mode, link_mode_used = NULL WHERE name = $guest", ("$mode", mode.Name()), ("$guest", guest));

    /// <summary>The link mode a committed change used (part of <see cref="HostDatabase.CommitGeneration"/>).</summary>
    internal void SetLinkModeUsed(string guest, LinkMode mode) =>
        _sql.Execute("UPDATE guests SET link_mode_used = $mode WHERE name = $guest", ("$mode", mode.Name()), ("$guest", guest));

    /// <summary>The guest's row only (part of <see cref="HostDatabase.DeleteGuest"/>).</summary>
    internal void Delete(string guest) => _sql.Execute("DELETE FROM guests WHERE name = $guest", ("$guest", guest));

    /// <summary>Rewrites the guest-roots file (names, roots, link modes) that <c>recover --rebuild</c> starts from.</summary>
    private void SaveRoots()
    {
        var stateDir = Path.GetDirectoryName(Path.GetFullPath(_sql.DataSource))!;
        var path = HostIdentity.GuestRootsPath(stateDir);
        using var _ = FileLock.Acquire(path + ".lock", "the guest roots file", null);
        var list = new System.Text.Json.Nodes.JsonArray();
        foreach (var g in List())
            list.Add((System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["name"] = g.Name, ["root"] = g.Root, ["link_mode"] = g.LinkMode.Name(), ["share_group"] = g.ShareGroup, ["base"] = g.Base });
        AtomicFile.WriteText(path, list.ToJsonString());
    }

    private static GuestRecord Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), LinkModes.Parse(reader.GetString(2), "host state: guests.link_mode"), reader.IsDBNull(3) ? null : LinkModes.Parse(reader.GetString(3), "host state: guests.link_mode_used"), reader.GetString(4), reader.GetString(5));
}
