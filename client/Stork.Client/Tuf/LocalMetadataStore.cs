namespace Stork.Client.Tuf;

/// <summary>The host's copies of trusted metadata, one unversioned file per role. Written only after verification.</summary>
public sealed class LocalMetadataStore(string directory)
{
    public string Directory { get; } = directory;

    public string PathOf(string role) => Path.Combine(Directory, $"{role}.json");

    public byte[]? Read(string role)
    {
        var path = PathOf(role);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public void Write(string role, byte[] bytes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(role);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Delete(string role)
    {
        var path = PathOf(role);
        if (File.Exists(path)) File.Delete(path);
    }
}
