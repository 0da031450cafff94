using Stork.Format.Crypto;

namespace Stork.Publishing.Repository;

/// <summary>
/// Private keys of a repository, kept outside the served tree with mode 0600.
/// Files are <c>LABEL.KEYID16.key.json</c> (LABEL is the role the key was made for, KEYID16 the first
/// 16 hex digits of its key ID); <c>ROLE.key.json</c> as written by <c>init</c> is still read.
/// Signing looks keys up by key ID, so which file holds a key only matters to humans.
/// Removed keys move to <c>retired/</c> instead of being deleted: an old root key may still be needed.
/// </summary>
public sealed class KeyStore(string directory)
{
    public const string Suffix = ".key.json";
    public const string RetiredDir = "retired";

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The file <c>init</c> writes for a top-level role.</summary>
    public string PathOf(string role) => Path.Combine(Directory, $"{role}{Suffix}");

    public string PathOf(string label, string keyId) => Path.Combine(Directory, $"{label}.{keyId[..16]}{Suffix}");

    public bool Has(string role) => File.Exists(PathOf(role));

    /// <summary>Writes <c>ROLE.key.json</c> (the single-key form <c>init</c> uses).</summary>
    public void Save(string role, SigningKey key) => Write(PathOf(role), key);

    /// <summary>Writes <c>LABEL.KEYID16.key.json</c> and returns its path.</summary>
    public string SaveLabelled(string label, SigningKey key)
    {
        var path = PathOf(label, key.KeyId);
        Write(path, key);
        return path;
    }

    private void Write(string path, SigningKey key)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = path + ".tmp";
        File.WriteAllText(temp, key.ToPrivateJson());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads the key <c>init</c> wrote for a role.</summary>
    public SigningKey Load(string role)
    {
        var path = PathOf(role);
        if (!File.Exists(path))
            throw new PublisherException($"no private key for role '{role}' at {path}; this step must run where that key is");
        return LoadFile(path);
    }

    /// <summary>
    /// Set by <c>stork-publish --force</c>: private key files readable or writable by group or others are used with a
    /// warning instead of being refused (SPEC.md §8.1 asks for 0600 files in a 0700 folder).
    /// </summary>
    public static bool AllowLoosePermissions { get; set; }

    /// <summary>Where warnings about loose permissions go (stderr in the CLI).</summary>
    public static Action<string> Warn { get; set; } = message => Console.Error.WriteLine($"warning: {message}");

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Whether a directory entry can be a key file: a regular file, not a symbolic link, not empty. FIFOs, sockets and
    /// device nodes have no size and are skipped without being opened (opening a FIFO would wait for a writer).
    /// </summary>
    public static bool IsCandidateKeyFile(string path)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LinkTarget is null && (info.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == 0 && info.Length > 0;
    }

    private static void CheckPermissions(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) == 0) return;
        var octal = Convert.ToString((int)mode & 0x1ff, 8).PadLeft(4, '0');
        var message = $"the private key file {path} is accessible to group or others (mode {octal}); run 'chmod 600 {path}'";
        if (!AllowLoosePermissions) throw new PublisherException($"{message}, or pass --force to use it anyway");
        Warn($"{message} (used anyway: --force)");
    }

    public static SigningKey LoadFile(string path)
    {
        if (!IsCandidateKeyFile(path))
            throw new PublisherException($"the key file {path} is not a regular, non-empty file");
        CheckPermissions(path);
        try
        {
            return SigningKey.FromPrivateJson(File.ReadAllBytes(path), path);
        }
        catch (FormatException e)
        {
            throw new PublisherException($"the key file {path} is damaged: {e.Message}", e);
        }
    }

    /// <summary>The store's key files (not the retired ones), in name order, none loaded yet.</summary>
    public List<string> CandidateFiles()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        // Anything in the folder that is not a regular file (a FIFO, a device, a symlink) is not a key file.
        return [.. System.IO.Directory.EnumerateFiles(Directory, "*" + Suffix).Order(StringComparer.Ordinal).Where(IsCandidateKeyFile)];
    }

    /// <summary>Every key file in the store (not the retired ones), by key ID.</summary>
    public Dictionary<string, string> FilesByKeyId()
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in CandidateFiles())
        {
            using var key = LoadFile(file);
            found.TryAdd(key.KeyId, file);
        }
        return found;
    }

    /// <summary>The private key with this ID, or null when it is not on this host.</summary>
    public SigningKey? Find(string keyId)
        => FilesByKeyId().TryGetValue(keyId, out var file) ? LoadFile(file) : null;

    /// <summary>Moves a key's file to <c>retired/</c>; returns false when the store never had it.</summary>
    public bool Retire(string keyId)
    {
        if (!FilesByKeyId().TryGetValue(keyId, out var file)) return false;
        var retired = Path.Combine(Directory, RetiredDir);
        System.IO.Directory.CreateDirectory(retired);
        File.Move(file, Path.Combine(retired, Path.GetFileName(file)), overwrite: true);
        return true;
    }
}
