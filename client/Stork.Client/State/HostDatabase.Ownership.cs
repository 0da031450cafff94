using Microsoft.Data.Sqlite;

namespace Stork.Client.State;

/// <summary>What each guest has installed and which package owns which guest path.</summary>
public sealed partial class HostDatabase
{
    public IReadOnlyList<InstalledPackage> ListInstalled(string guest)
    {
        using var command = Command("SELECT name, version, blob_sha256, manual FROM installed_packages WHERE guest = $guest ORDER BY name", ("$guest", guest));
        using var reader = command.ExecuteReader();
        var packages = new List<InstalledPackage>();
        while (reader.Read())
            packages.Add(new InstalledPackage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0));
        return packages;
    }

    public IReadOnlyList<OwnedFile> ListOwnedFiles(string guest)
    {
        using var command = Command("""
            SELECT path, package, type, mode, sha256, size, target, config
            FROM owned_files WHERE guest = $guest ORDER BY path, package
            """);
        command.Parameters.AddWithValue("$guest", guest);
        using var reader = command.ExecuteReader();
        var files = new List<OwnedFile>();
        while (reader.Read())
            files.Add(new OwnedFile(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetInt64(7) != 0));
        return files;
    }
    private void InsertOwnedFiles(string guestName, IReadOnlyList<OwnedFile> files, SqliteTransaction transaction)
    {
        using var insertFile = Command("""
            INSERT OR IGNORE INTO owned_files(guest, path, package, type, mode, sha256, size, target, config)
            VALUES ($guest, $path, $package, $type, $mode, $sha, $size, $target, $config)
            """, transaction);
        insertFile.Parameters.AddWithValue("$guest", guestName);
        var path = insertFile.Parameters.Add("$path", SqliteType.Text);
        var package = insertFile.Parameters.Add("$package", SqliteType.Text);
        var type = insertFile.Parameters.Add("$type", SqliteType.Text);
        var mode = insertFile.Parameters.Add("$mode", SqliteType.Text);
        var sha = insertFile.Parameters.Add("$sha", SqliteType.Text);
        var size = insertFile.Parameters.Add("$size", SqliteType.Integer);
        var target = insertFile.Parameters.Add("$target", SqliteType.Text);
        var config = insertFile.Parameters.Add("$config", SqliteType.Integer);
        foreach (var file in files)
        {
            path.Value = file.Path;
            package.Value = file.Package;
            type.Value = file.Type;
            mode.Value = (object?)file.Mode ?? DBNull.Value;
            sha.Value = (object?)file.Sha256 ?? DBNull.Value;
            size.Value = (object?)file.Size ?? DBNull.Value;
            target.Value = (object?)file.Target ?? DBNull.Value;
            config.Value = file.Config ? 1 : 0;
            insertFile.ExecuteNonQuery();
        }
    }
}
