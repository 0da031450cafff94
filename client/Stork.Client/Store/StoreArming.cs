using Microsoft.Win32.SafeHandles;
using Stork.Client.State;

namespace Stork.Client.Store;

/// <summary>
/// Store protection survives crashes. Before files enter the store (or have their immutable flag lifted), the
/// change writes their final paths to an arming record, STATE/store/arming/PID-RANDOM, and holds an flock on it;
/// once every file is protected again the record is deleted. A record nobody holds belongs to a process that died
/// in between: the next change (and recover, repair, gc) protects every file it lists and deletes it.
/// recover and repair also re-arm the whole store (<see cref="ReArmAll"/>).
/// </summary>
public sealed class StoreArming(HostPaths paths)
{
    public string Directory => Path.Combine(Path.GetDirectoryName(paths.FilesDir)!, "arming");

    /// <summary>Records <paramref name="storeFiles"/> as possibly unprotected until the returned record is disposed.</summary>
    public IDisposable Record(IReadOnlyCollection<string> storeFiles)
    {
        if (!paths.ImmutableStore || storeFiles.Count == 0) return Nothing.Instance;
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        // FileShare.None makes .NET take an exclusive flock, which tells others this record's owner is alive.
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        try
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', storeFiles) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
        return new Held(path, stream);
    }

    /// <summary>Protects the files of every record whose owner died; returns how many files it looked at.</summary>
    public int ReArmAbandoned()
    {
        if (!paths.ImmutableStore || !System.IO.Directory.Exists(Directory)) return 0;
        var guard = new StoreGuard(paths);
        int count = 0;
        foreach (var record in System.IO.Directory.EnumerateFiles(Directory))
        {
            SafeFileHandle handle;
            try { handle = File.OpenHandle(record, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete); }
            catch (FileNotFoundException) { continue; }
            // .NET takes a shared flock on open, refused while the owner holds its exclusive one: the owner is alive.
            // (Any other failure to open a record only postpones it: the next change, recover or repair looks again.)
            catch (IOException) { continue; }
            using (handle)
            {
                if (!NativeFs.TryFlock(handle, exclusive: true)) continue; // its owner is still at work
                // Read through the locked descriptor: File.ReadAllLines would take a second flock and be refused.
                var bytes = new byte[RandomAccess.GetLength(handle)];
                RandomAccess.Read(handle, bytes, 0);
                foreach (var line in System.Text.Encoding.UTF8.GetString(bytes).Split('\n'))
                {
                    // Only store files (of any sharing group) are re-armed, never a path outside the store.
                    if (line.Length == 0 || !line.StartsWith(Path.GetDirectoryName(paths.FilesDir) + "/", StringComparison.Ordinal) || line.Contains("/../", StringComparison.Ordinal)) continue;
                    if (Native.LStat(line) is { IsRegularFile: true, IsImmutable: false })
                    {
                        guard.Protect(line);
                        count++;
                    }
                }
                File.Delete(record);
            }
        }
        return count;
    }

    /// <summary>Every store file gets its immutable flag back (recover, repair). Returns how many needed it.</summary>
    public int ReArmAll()
    {
        int count = ReArmAbandoned();
        if (!paths.ImmutableStore || !System.IO.Directory.Exists(paths.FilesDir)) return count;
        var guard = new StoreGuard(paths);
        foreach (var dir in ContentStore.AllFilesDirs(paths).SelectMany(System.IO.Directory.EnumerateDirectories))
        {
            if (Path.GetFileName(dir) == "tmp") continue;
            foreach (var file in System.IO.Directory.EnumerateFiles(dir))
                if (Native.LStat(file) is { IsRegularFile: true, IsImmutable: false })
                {
                    guard.Protect(file);
                    count++;
                }
        }
        return count;
    }

    private sealed class Held(string path, FileStream stream) : IDisposable
    {
        public void Dispose()
        {
            File.Delete(path);
            stream.Dispose();
        }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
