using Microsoft.Data.Sqlite;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>The installed_packages and owned_files tables: what each guest has installed and which package owns which guest path.</summary>
public sealed class OwnershipTable
{
    internal static readonly string[] Tables = ["installed_packages", "owned_files"];

    private readonly SqlSession _sql;

    internal OwnershipTable(SqlSession sql) => _sql = sql;

    public IReadOnlyList<InstalledPackage> ListInstalled(string guest) =>
        _sql.Query("SELECT name, version, blob_sha256, manual FROM installed_packages WHERE guest = $guest ORDER BY name",
            r => new InstalledPackage(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0), ("$guest", guest));

    public IReadOnlyList<OwnedFile> ListOwnedFiles(string guest) => _sql.Query("""
            SELECT path, package, type, mode, sha256, size, target, config
            FROM owned_files WHERE guest = $guest ORDER BY path, package
            """, ReadOwnedFile, ("$guest", guest));

    /// <summary>Every blob some guest has installed.</summary>
    internal IEnumerable<string> InstalledBlobs() => _sql.Query("SELECT DISTINCT blob_sha256 FROM installed_packages", r => r.GetString(0));

    /// <summary>The guest's packages and owned files become exactly these (part of <see cref="HostDatabase.CommitGeneration"/>).</summary>
    internal void Replace(string guest, IReadOnlyList<InstalledPackage> packages, IReadOnlyList<OwnedFile> owned)
    {
        Delete(guest);
        _sql.ExecuteEach("INSERT INTO installed_packages(guest, name, version, blob_sha256, manual) VALUES ($guest, $name, $version, $sha, $manual)",
            packages, p => [("$name", p.Name), ("$version", p.Version), ("$sha", p.BlobSha256), ("$manual", p.Manual ? 1 : 0)], ("$guest", guest));
        _sql.ExecuteEach("""
            INSERT OR IGNORE INTO owned_files(guest, path, package, type, mode, sha256, size, target, config)
            VALUES ($guest, $path, $package, $type, $mode, $sha, $size, $target, $config)
            """, owned, f => [("$path", f.Path), ("$package", f.Package), ("$type", f.Type.Name()), ("$mode", f.Mode), ("$sha", f.Sha256),
                ("$size", f.Size), ("$target", f.Target), ("$config", f.Config ? 1 : 0)], ("$guest", guest));
    }

    /// <summary>Forgets everything the guest has installed.</summary>
    internal void Delete(string guest)
    {
        _sql.Execute("DELETE FROM owned_files WHERE guest = $guest", ("$guest", guest));
        _sql.Execute("DELETE FROM installed_packages WHERE guest = $guest", ("$guest", guest));
    }

    private static OwnedFile ReadOwnedFile(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1),
        PackageFileKinds.TryParse(reader.GetString(2)) ?? throw new LocalException($"the host state database's owned_files has an unknown type '{reader.GetString(2)}'"),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetInt64(7) != 0);
}
