using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>The manifests table: one stored manifest per blob, shared by every guest that installs it.</summary>
public sealed class ManifestTable
{
    internal static readonly string[] Tables = ["manifests"];

    private readonly SqlSession _sql;

    internal ManifestTable(SqlSession sql) => _sql = sql;

    public void Save(string blobSha256, PackageManifest manifest) =>
        _sql.Execute("INSERT OR IGNORE INTO manifests(blob_sha256, name, version, files) VALUES ($sha, $name, $version, $files)",
            ("$sha", blobSha256), ("$name", manifest.Name), ("$version", manifest.Version), ("$files", StoredJson.Entries(manifest.Files)));

    public PackageManifest? Load(string blobSha256) =>
        _sql.QueryFirst("SELECT name, version, files FROM manifests WHERE blob_sha256 = $sha",
            r => new PackageManifest { Name = r.GetString(0), Version = r.GetString(1), Files = StoredJson.ReadEntries(r.GetString(2)) }, ("$sha", blobSha256));

    public IReadOnlyList<string> ListBlobs() => _sql.Query("SELECT blob_sha256 FROM manifests", r => r.GetString(0));

    public void Delete(string blobSha256) => _sql.Execute("DELETE FROM manifests WHERE blob_sha256 = $sha", ("$sha", blobSha256));
}
