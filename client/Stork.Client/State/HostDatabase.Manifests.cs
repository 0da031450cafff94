using Stork.Format.Packages;

namespace Stork.Client.State;

/// <summary>Stored manifests: one per blob, shared by every guest that installs it.</summary>
public sealed partial class HostDatabase
{
    public void SaveManifest(string blobSha256, PackageManifest manifest)
    {
        using var command = Command("INSERT OR IGNORE INTO manifests(blob_sha256, name, version, files) VALUES ($sha, $name, $version, $files)", ("$sha", blobSha256), ("$name", manifest.Name), ("$version", manifest.Version), ("$files", StoredJson.Entries(manifest.Files)));
        command.ExecuteNonQuery();
    }

    public PackageManifest? LoadManifest(string blobSha256)
    {
        using var command = Command("SELECT name, version, files FROM manifests WHERE blob_sha256 = $sha", ("$sha", blobSha256));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new PackageManifest { Name = reader.GetString(0), Version = reader.GetString(1), Files = StoredJson.ReadEntries(reader.GetString(2)) };
    }

    public IReadOnlyList<string> ListManifestBlobs()
    {
        using var command = Command("SELECT blob_sha256 FROM manifests");
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.GetString(0));
        return list;
    }

    public void DeleteManifest(string blobSha256)
    {
        using var command = Command("DELETE FROM manifests WHERE blob_sha256 = $sha", ("$sha", blobSha256));
        command.ExecuteNonQuery();
    }
}
