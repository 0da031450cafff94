using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Packages;

namespace Stork.Publish.Cli.Commands;

/// <summary>A package file read, verified and hashed, ready to be queued.</summary>
internal sealed record Prepared(string Path, PackageManifest Manifest, JsonObject Info, string Sha256, long Length)
{
    public static Prepared Read(string path)
    {
        PackageManifest manifest;
        using (var reader = PackageReader.Open(path))
        {
            reader.VerifyAll();
            manifest = reader.Manifest;
        }
        return new Prepared(path, manifest, manifest.Info.ToJsonNode().AsObject(), Hashing.Sha256HexOfFile(path), new FileInfo(path).Length);
    }

    /// <summary>
    /// <see cref="Read"/> for each file, on the thread pool with a bounded window of files in flight, yielded in
    /// the order given; a file that fails throws when its turn comes, as in a serial loop. Memory: the window.
    /// </summary>
    public static IEnumerable<Prepared> InOrder(IEnumerable<string> files)
    {
        int window = Math.Max(2, Environment.ProcessorCount * 4);
        var inFlight = new Queue<Task<Prepared>>();
        using var names = files.GetEnumerator();
        try
        {
            while (true)
            {
                string path;
                try
                {
                    if (!names.MoveNext()) break;
                    path = names.Current;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A bad name (e.g. a missing file in a list) fails in its turn, after the files before it.
                    inFlight.Enqueue(Task.FromException<Prepared>(e));
                    break;
                }
                inFlight.Enqueue(Task.Run(() => Read(path)));
                if (inFlight.Count >= window) yield return inFlight.Dequeue().GetAwaiter().GetResult();
            }
            while (inFlight.Count > 0) yield return inFlight.Dequeue().GetAwaiter().GetResult();
        }
        finally
        {
            // Stopped early (an error): let the reads still running finish before the caller cleans up.
            foreach (var task in inFlight)
                try { task.Wait(); } catch (AggregateException) { }
        }
    }
}
