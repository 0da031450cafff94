using Stork.Cli;
using Stork.Format.Errors;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>The packages an <c>add</c> names: files, folders (their <c>*.stork</c> files, sorted) and a list file.</summary>
/// <remarks>
/// Yielded one at a time, so a bulk add holds no list of every file: a list file is read line by line and a folder's
/// file names are sorted (so the order never depends on the file system) by an external sort, in runs spilled to an
/// unlinked temporary file, so a folder of any size costs the same memory. A file named twice is
/// yielded twice; the queue keeps one entry per target path (<c>AddBatch.Commit</c> counts distinct ones).
/// A name that does not exist fails when reached; the add then changes nothing.
/// </remarks>
internal static class PackageArguments
{
    public static IEnumerable<string> Enumerate(IReadOnlyList<string> arguments, string? listFile)
    {
        if (listFile is not null && listFile != "-" && !File.Exists(listFile)) throw new PublisherException($"package list {listFile} does not exist");
        if (arguments.Count == 0 && listFile is null) throw new UsageException("name at least one package file or folder (or --from LIST)");
        foreach (var name in arguments) Check(name);
        return Walk(arguments, listFile);
    }

    private static IEnumerable<string> Walk(IReadOnlyList<string> arguments, string? listFile)
    {
        bool any = false;
        foreach (var name in arguments)
            foreach (var file in Expand(name)) { any = true; yield return file; }
        if (listFile is not null)
        {
            using var reader = listFile == "-" ? Console.In : new StreamReader(listFile);
            while (reader.ReadLine() is { } line)
                if (line.Trim() is { Length: > 0 } entry && !entry.StartsWith('#'))
                {
                    Check(entry);
                    foreach (var file in Expand(entry)) { any = true; yield return file; }
                }
        }
        if (!any) throw new UsageException("name at least one package file or folder (or --from LIST)");
    }

    private static void Check(string name)
    {
        if (!Directory.Exists(name) && !File.Exists(name)) throw new PublisherException($"package file {name} does not exist");
    }

    private static IEnumerable<string> Expand(string name)
    {
        if (!Directory.Exists(name)) { yield return name; yield break; }
        using var names = new ExternalSorter<string>(Path.Combine(Path.GetTempPath(), $"stork-publish-names-{Environment.ProcessId}-{Guid.NewGuid():N}"),
            string.CompareOrdinal, static (w, s) => w.Write(s), static r => r.ReadString(), runSize: 8192);
        foreach (var file in Directory.EnumerateFiles(name, "*.stork")) names.Add(Path.GetFileName(file));
        if (names.Count == 0) throw new PublisherException($"folder {name} holds no .stork files");
        foreach (var file in names.Sorted()) yield return Path.Join(name, file);
    }
}
