using System.Globalization;
using Stork.Client.Locking;
using Stork.Client.State;
using Stork.Format.Errors;
using Stork.Format.Trust;

namespace Stork.Client.Tuf;

/// <summary>
/// The host's copies of trusted metadata, one unversioned file per role. Written only after verification, each
/// through a temporary with a unique name and an atomic rename. A refresh holds the host-wide metadata lock
/// exclusively while it changes the files; offline readers hold it shared, so they always see one complete set.
/// </summary>
public sealed class LocalMetadataStore(string directory)
{
    /// <summary>When the root chain was last checked. No role maps to this name: role files end in ".json".</summary>
    public const string RootCheckFile = "root-checked-at";

    /// <summary>The lock file beside the metadata (not a role: it does not end in ".json").</summary>
    public const string LockFile = "metadata.lock";

    public string Directory { get; } = directory;

    /// <summary>Told once when a lock wait starts (the CLI prints it on stderr, like every other wait).</summary>
    public Action<string>? OnWait { get; set; }

    /// <summary>
    /// The host-wide lock file; null for a single-process user that keeps nothing but role files in the folder
    /// (the conformance client: the suite checks that folder's contents).
    /// </summary>
    public string? LockPath { get; init; } = Path.Combine(directory, LockFile);

    /// <summary>Delegated role names may hold '/' or other odd characters; they are escaped into one file name.</summary>
    public string PathOf(string role) => Path.Combine(Directory, $"{Uri.EscapeDataString(role)}.json");

    /// <summary>
    /// Held while the metadata changes (one refresh at a time on a host). Taken in one step (open with an exclusive
    /// flock), never by upgrading a shared lock: many refreshes upgrading at once would keep each other out.
    /// </summary>
    public async Task<IDisposable?> LockForChangeAsync(CancellationToken cancellation)
        => LockPath is null ? null : await FileLock.AcquireAsync(LockPath, "the repository metadata", OnWait, cancellation);

    /// <summary>
    /// Held while a reader loads the whole set, so no refresh replaces part of it meanwhile. On a read-only
    /// filesystem nothing can change the set, so a lock file that cannot be opened there is no obstacle (null).
    /// </summary>
    public IDisposable? LockForRead()
    {
        if (LockPath is null) return null;
        try { return SharedLock.Acquire(LockPath, exclusive: false, "metadata", OnWait); }
        catch (LocalException e) when (e.InnerException is { } inner && LocalFailure.IsReadOnly(inner)) { return null; }
    }

    public byte[]? Read(string role)
    {
        var path = PathOf(role);
        try { return File.Exists(path) ? File.ReadAllBytes(path) : null; }
        catch (FileNotFoundException) { return null; }
    }

    /// <summary>
    /// The stored root as the start of trust. It was verified when it was stored, so a copy that no longer parses
    /// or verifies was damaged on this host: a local error naming the file, not a repository error.
    /// </summary>
    public TrustedMetadata OpenTrustedRoot(byte[] rootBytes, DateTimeOffset now)
    {
        try { return new TrustedMetadata(rootBytes, now); }
        catch (RepositoryException e)
        {
            throw new LocalException($"the trusted root {PathOf(Format.Metadata.RoleNames.Root)} is damaged ({e.Message}); " +
                                     "restore it, or pin trust again with 'stork-get init --repo URL --root root.json'", e);
        }
    }

    public void Write(string role, byte[] bytes) => WriteAtomically(PathOf(role), bytes);

    public void Delete(string role) => DeleteFile(PathOf(role));

    /// <summary>The time of the last successful root-chain check; null when there is none or the record is unreadable.</summary>
    public DateTimeOffset? LastRootCheck()
    {
        var path = Path.Combine(Directory, RootCheckFile);
        string text;
        try { text = File.ReadAllText(path).Trim(); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        return DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
    }

    public void RecordRootCheck(DateTimeOffset at)
        => WriteAtomically(Path.Combine(Directory, RootCheckFile), System.Text.Encoding.ASCII.GetBytes(at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));

    /// <summary>A newly pinned root was never checked against the repository.</summary>
    public void ForgetRootCheck() => DeleteFile(Path.Combine(Directory, RootCheckFile));

    private void WriteAtomically(string path, byte[] bytes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.Write(path, bytes);
    }

    private static void DeleteFile(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }
}
