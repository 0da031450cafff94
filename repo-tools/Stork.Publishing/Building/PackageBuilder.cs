using System.Security.Cryptography;
using Microsoft.Extensions.FileSystemGlobbing;
using Stork.Format.Packages;

namespace Stork.Publishing.Building;

/// <summary>
/// Builds a .stork package from a source directory laid out like the guest root plus a stork-build.json.
/// Symlinks are packaged as symlinks (never followed); modes are normalized to 0755 (any execute bit) or 0644
/// unless a mode rule says otherwise; ownership and timestamps of the sources are ignored.
/// </summary>
public static class PackageBuilder
{
    public const string Extension = ".stork";

    /// <summary>Builds using &lt;sourceDir&gt;/stork-build.json, writing &lt;outputDir&gt;/&lt;name&gt;_&lt;version&gt;.stork.</summary>
    public static BuiltPackage Build(string sourceDir, string outputDir, int level = PackageWriter.CompressionLevel) =>
        Build(sourceDir, BuildManifest.Load(Path.Combine(sourceDir, BuildManifest.FileName)), outputDir, level);

    public static BuiltPackage Build(string sourceDir, BuildManifest build, string outputDir, int level = PackageWriter.CompressionLevel)
    {
        if (level is < 1 or > 22) throw new BuildException($"zstd level {level} is out of range (1-22)");
        sourceDir = Path.GetFullPath(sourceDir);
        if (!Directory.Exists(sourceDir)) throw new BuildException($"source directory '{sourceDir}' does not exist");
        var info = build.ToPackageInfo();
        try { info.Validate(); }
        catch (PackageFormatException e) { throw new BuildException($"{BuildManifest.FileName}: {e.Message}", e); }

        var payload = CollectPayload(sourceDir, build);
        Directory.CreateDirectory(outputDir);
        var outputPath = Path.Combine(outputDir, FileNameFor(info));
        // Write beside the target and rename, so a failed build never leaves a half-written package behind.
        var tempPath = outputPath + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        PackageManifest manifest;
        try
        {
            using (var output = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None))
                manifest = PackageWriter.Write(info, payload, output, level);
            File.Move(tempPath, outputPath, overwrite: true);
        }
        catch (PackageFormatException e)
        {
            File.Delete(tempPath);
            throw new BuildException($"{info.Label}: {e.Message}", e);
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
        var (sha256, length) = HashFile(outputPath);
        return new BuiltPackage(outputPath, sha256, length, manifest);
    }

    /// <summary>"name_version.stork": '_' cannot occur in versions, so the split is unambiguous.</summary>
    public static string FileNameFor(PackageInfo info) => $"{info.Name}_{info.Version}{Extension}";

    /// <summary>Selects payload entries from the source tree according to the build manifest.</summary>
    public static IReadOnlyList<PayloadEntry> CollectPayload(string sourceDir, BuildManifest build)
    {
        var include = new Matcher(StringComparison.Ordinal);
        include.AddIncludePatterns(build.Include);
        include.AddExcludePatterns(build.Exclude);
        var config = new Matcher(StringComparison.Ordinal);
        config.AddIncludePatterns(build.Config);
        var modeRules = build.Modes.Select(rule =>
        {
            if (!FileModes.TryParse(rule.Mode, out _)) throw new BuildException($"mode rule '{rule.Glob}': '{rule.Mode}' is not four octal digits");
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(rule.Glob);
            return (matcher, rule.Mode);
        }).ToList();

        var entries = new List<PayloadEntry>();
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (relative, info) in Walk(sourceDir))
        {
            if (IsBuildMetadata(relative)) continue;
            bool isDirectory = info is DirectoryInfo && info.LinkTarget is null;
            // Directories are kept when they are empty and match, or contain included entries.
            if (!include.Match(relative).HasMatches) continue;
            if (isDirectory)
            {
                // Only empty directories need to be listed; others come in as parents of their entries.
                if (!((DirectoryInfo)info).EnumerateFileSystemInfos().Any()) directories.Add(relative);
                continue;
            }

            AddParents(directories, relative);
            if (info.LinkTarget is { } target)
            {
                entries.Add(PayloadEntry.Symlink(relative, target));
                continue;
            }
            // FileInfo also describes FIFOs, sockets and devices; reading a FIFO would hang the build.
            if (info is not FileInfo file || !SourceFileKind.IsRegularFile(file.FullName))
                throw new BuildException($"'{relative}' is not a regular file, directory or symlink");
            var mode = ModeFor(relative, NormalizedMode(file.UnixFileMode), modeRules);
            entries.Add(PayloadEntry.FromFile(relative, file.FullName, mode, config.Match(relative).HasMatches));
        }
        RequireEveryIncludeMatches(build, entries.Select(e => e.Path).Concat(directories));
        foreach (var directory in directories.ToList()) AddParents(directories, directory);
        foreach (var directory in directories)
        {
            var mode = ModeFor(directory, FileModes.Directory, modeRules);
            entries.Add(PayloadEntry.Directory(directory, mode));
        }
        return entries;
    }

    /// <summary>An include glob that selects nothing is almost always a typo: refuse to build a package without its files.</summary>
    private static void RequireEveryIncludeMatches(BuildManifest build, IEnumerable<string> selected)
    {
        var paths = selected.ToList();
        foreach (var pattern in build.Include)
        {
            var one = new Matcher(StringComparison.Ordinal);
            one.AddInclude(pattern);
            if (!paths.Any(p => one.Match(p).HasMatches))
                throw new BuildException($"{BuildManifest.FileName}: include glob '{pattern}' matches no file (after excludes)");
        }
    }

    private static bool IsBuildMetadata(string relative) =>
        relative == BuildManifest.FileName || relative == PackagePaths.ReservedDirectory ||
        relative.StartsWith(PackagePaths.ReservedDirectory + "/", StringComparison.Ordinal);

    private static string NormalizedMode(UnixFileMode mode) =>
        (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0
            ? FileModes.Executable : FileModes.Regular;

    private static string ModeFor(string relative, string normalized, List<(Matcher Matcher, string Mode)> rules)
    {
        var mode = normalized;
        foreach (var (matcher, ruleMode) in rules)
            if (matcher.Match(relative).HasMatches) mode = ruleMode;
        return mode;
    }

    private static void AddParents(SortedSet<string> directories, string relative)
    {
        for (var parent = PackagePaths.Parent(relative); parent is not null; parent = PackagePaths.Parent(parent))
            if (!directories.Add(parent)) break;
    }

    /// <summary>Depth-first walk that never follows symlinks; yields '/'-separated relative paths.</summary>
    private static IEnumerable<(string Relative, FileSystemInfo Info)> Walk(string root)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var child in directory.EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, child.FullName).Replace(Path.DirectorySeparatorChar, '/');
                yield return (relative, child);
                if (child is DirectoryInfo && child.LinkTarget is null) pending.Push((DirectoryInfo)child);
            }
        }
    }

    private static (string Sha256, long Length) HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);
        return (Convert.ToHexStringLower(hash), stream.Length);
    }
}
