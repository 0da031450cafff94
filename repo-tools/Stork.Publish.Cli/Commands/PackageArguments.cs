using Stork.Cli;
using Stork.Format.Errors;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>The packages an <c>add</c> names: files, folders (their <c>*.stork</c> files, sorted) and a list file.</summary>
/// <remarks>
/// Yielded one at a time, so a bulk add holds no list of every file: a list file is read line by line and a folder
/// holds only its own file names (sorted, so the order never depends on the file system). A file named twice is
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
        var names = Directory.EnumerateFiles(name, "*.stork").Select(Path.GetFileName).ToArray();
        if (names.Length == 0) throw new PublisherException($"folder {name} holds no .stork files");
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var file in names) yield return Path.Join(name, file);
    }
}
