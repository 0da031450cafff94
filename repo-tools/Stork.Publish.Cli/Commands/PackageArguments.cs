using Stork.Cli;
using Stork.Format.Errors;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

/// <summary>The packages an <c>add</c> names: files, folders (their <c>*.stork</c> files, sorted) and a list file.</summary>
internal static class PackageArguments
{
    public static List<string> Expand(IEnumerable<string> arguments, string? listFile)
    {
        var named = new List<string>(arguments);
        if (listFile is not null)
        {
            if (listFile != "-" && !File.Exists(listFile)) throw new PublisherException($"package list {listFile} does not exist");
            using var reader = listFile == "-" ? Console.In : new StreamReader(listFile);
            while (reader.ReadLine() is { } line)
                if (line.Trim() is { Length: > 0 } entry && !entry.StartsWith('#')) named.Add(entry);
        }
        if (named.Count == 0) throw new UsageException("name at least one package file or folder (or --from LIST)");
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in named)
        {
            if (Directory.Exists(name))
            {
                var inFolder = Directory.EnumerateFiles(name, "*.stork").Order(StringComparer.Ordinal).ToList();
                if (inFolder.Count == 0) throw new PublisherException($"folder {name} holds no .stork files");
                foreach (var f in inFolder) if (seen.Add(Path.GetFullPath(f))) files.Add(f);
            }
            else if (File.Exists(name)) { if (seen.Add(Path.GetFullPath(name))) files.Add(name); }
            else throw new PublisherException($"package file {name} does not exist");
        }
        return files;
    }
}
