using System.Text;
using Stork.Client.State;
using Stork.Format.Crypto;
using Stork.Format.Errors;

namespace Stork.Client.Fleet;

/// <summary>
/// The host's own Ed25519 key, STATE_DIR/host-key.json (mode 0600), made by `stork-get init`: it signs the status
/// reports the agent POSTs to report_url, so a collector can tell which host sent what (FLEET.md, "Reports").
/// </summary>
public static class HostKey
{
    public const string FileName = "host-key.json";

    public static string PathOf(HostPaths paths) => Path.Combine(paths.StateDir, FileName);

    /// <summary>Makes the key unless one exists (init again keeps the host's identity). Returns its public half.</summary>
    public static PublicKey Ensure(HostPaths paths)
    {
        if (TryLoad(paths) is { } existing) using (existing) return existing.Public;
        Directory.CreateDirectory(paths.StateDir);
        using var key = SigningKey.Generate();
        var path = PathOf(paths);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            stream.Write(Encoding.UTF8.GetBytes(key.ToPrivateJson() + "\n"));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: false);
        return key.Public;
    }

    /// <summary>The key, or null when this host has none yet; a damaged key file is a local error.</summary>
    public static SigningKey? TryLoad(HostPaths paths)
    {
        var path = PathOf(paths);
        if (!File.Exists(path)) return null;
        try { return SigningKey.FromPrivateJson(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new LocalException($"{path} is damaged: {e.Message}; move it away and run 'stork-get init' again to make a new host key", e); }
    }
}
