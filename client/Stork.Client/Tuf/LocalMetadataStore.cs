using System.Globalization;

namespace Stork.Client.Tuf;

/// <summary>The host's copies of trusted metadata, one unversioned file per role. Written only after verification.</summary>
public sealed class LocalMetadataStore(string directory)
{
    /// <summary>When the root chain was last checked. No role maps to this name: role files end in ".json".</summary>
    public const string RootCheckFile = "root-checked-at";

    public string Directory { get; } = directory;

    /// <summary>Delegated role names may hold '/' or other odd characters; they are escaped into one file name.</summary>
    public string PathOf(string role) => Path.Combine(Directory, $"{Uri.EscapeDataString(role)}.json");

    public byte[]? Read(string role)
    {
        var path = PathOf(role);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public void Write(string role, byte[] bytes) => WriteAtomically(PathOf(role), bytes);

    public void Delete(string role) => DeleteFile(PathOf(role));

    /// <summary>The time of the last successful root-chain check; null when there is none or the record is unreadable.</summary>
    public DateTimeOffset? LastRootCheck()
    {
        var path = Path.Combine(Directory, RootCheckFile);
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path).Trim();
        return DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
    }

    public void RecordRootCheck(DateTimeOffset at)
        => WriteAtomically(Path.Combine(Directory, RootCheckFile), System.Text.Encoding.ASCII.GetBytes(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));

    /// <summary>A newly pinned root was never checked against the repository.</summary>
    public void ForgetRootCheck() => DeleteFile(Path.Combine(Directory, RootCheckFile));

    private void WriteAtomically(string path, byte[] bytes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static void DeleteFile(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}
