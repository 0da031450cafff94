using Stork.Format.Crypto;

namespace Stork.Publishing.Repository;

/// <summary>
/// Private keys of a repository, one file per role, kept outside the served tree with mode 0600.
/// </summary>
public sealed class KeyStore(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public string PathOf(string role) => Path.Combine(Directory, $"{role}.key.json");

    public bool Has(string role) => File.Exists(PathOf(role));

    public void Save(string role, SigningKey key)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = PathOf(role);
        var temp = path + ".tmp";
        File.WriteAllText(temp, key.ToPrivateJson());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    public SigningKey Load(string role)
    {
        var path = PathOf(role);
        if (!File.Exists(path))
            throw new PublisherException($"no private key for role '{role}' at {path}; this step must run where that key is");
        try
        {
            return SigningKey.FromPrivateJson(File.ReadAllBytes(path), path);
        }
        catch (FormatException e)
        {
            throw new PublisherException($"the key file {path} is damaged: {e.Message}", e);
        }
    }
}
