using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Stork.Format.Debian;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Publishing.Debian;

/// <summary>
/// Turns one Debian binary package into a Stork package (README "Debian packages", PACKAGE-FORMAT.md §8).
/// The .deb's members are read through <c>dpkg-deb --ctrl-tarfile / --fsys-tarfile</c>, so every compression dpkg
/// supports works; file content, modes (setuid/setgid/sticky included), owners, hard links, symlinks, conffiles,
/// relationships, maintainer scripts and triggers are carried; the rest is listed in the result.
/// </summary>
public static class DebImporter
{
    /// <summary>
    /// zstd level of imported packages. Level 19 (the builder's) costs minutes on 2 cores for a closure like python3's;
    /// level 9 is about 10x faster and a few percent larger, and a package is imported once per upload.
    /// </summary>
    public const int DefaultLevel = 9;

    public sealed record Options
    {
        public required string OutputDirectory { get; init; }
        public bool MergedUsr { get; init; } = true;
        public int Level { get; init; } = DefaultLevel;
        /// <summary>dpkg architecture of the target guests (e.g. amd64); ":arch" qualifiers are read against it.</summary>
        public string Architecture { get; init; } = "amd64";
    }

    static readonly HashSet<string> IgnoredControlFiles = new(StringComparer.Ordinal)
    {
        "control", "md5sums", "conffiles", "shlibs", "symbols", "triggers", "preinst", "postinst", "prerm", "postrm", "clilibs",
    };

    public static DebImportResult Import(string debPath, Options options)
    {
        try { return ImportOrThrow(debPath, options); }
        catch (Exception e) when (e is StorkException or IOException or InvalidDataException or FormatException)
        {
            return new DebImportResult { Deb = debPath, Error = e.Message.Contains(debPath, StringComparison.Ordinal) ? e.Message : $"{debPath}: {e.Message}" };
        }
    }

    static DebImportResult ImportOrThrow(string debPath, Options options)
    {
        var notCarried = new List<string>();
        var control = ReadControlMembers(debPath);
        if (!control.TryGetValue("control", out var controlBytes)) throw new DebianFormatException($"{debPath}: no control file");
        var fields = DebControl.Parse(Utf8(controlBytes));
        var name = fields["Package"] ?? throw new DebianFormatException($"{debPath}: no Package field");
        var debVersion = fields["Version"] ?? throw new DebianFormatException($"{debPath}: no Version field");
        if (!PackageNames.IsValidName(name)) throw new DebianFormatException($"{debPath}: '{name}' is not a valid package name");
        var arch = fields["Architecture"] ?? "all";
        if (arch != "all" && arch != options.Architecture)
            throw new DebianFormatException($"{debPath}: architecture {arch}, not {options.Architecture}");
        var version = DebianVersionMapping.ToSemVer(DebianVersion.Parse(debVersion));

        // Relationships.
        var provides = new List<string>();
        foreach (var clause in DebRelations.Parse(fields["Provides"]))
            foreach (var r in clause)
                if (DebRelations.SameArchitecture(r, options.Architecture)) provides.Add(DebRelations.ToProvide(r));
        var depends = new List<IReadOnlyList<string>>();
        foreach (var field in new[] { "Pre-Depends", "Depends" })
            foreach (var clause in DebRelations.Parse(fields[field]))
            {
                var alternatives = clause.Where(r => DebRelations.SameArchitecture(r, options.Architecture)).Select(DebRelations.ToReference).Distinct().ToList();
                var foreign = clause.Where(r => !DebRelations.SameArchitecture(r, options.Architecture)).ToList();
                if (foreign.Count > 0) notCarried.Add($"{field}: alternatives for another architecture dropped ({string.Join(", ", foreign.Select(f => f.Name + ":" + f.Arch))})");
                if (alternatives.Count > 0) depends.Add(alternatives);
                else notCarried.Add($"{field}: clause '{string.Join(" | ", clause.Select(r => r.Name))}' cannot be met on {options.Architecture}; dropped");
            }
        var conflicts = new List<string>();
        foreach (var field in new[] { "Conflicts", "Breaks" })
            foreach (var clause in DebRelations.Parse(fields[field]))
                foreach (var r in clause)
                    if (DebRelations.SameArchitecture(r, options.Architecture)) conflicts.Add(DebRelations.ToReference(r));
        var replaces = DebRelations.Parse(fields["Replaces"]).SelectMany(c => c)
            .Where(r => DebRelations.SameArchitecture(r, options.Architecture)).Select(DebRelations.ToReference).Distinct().ToList();
        if (fields["Recommends"] is { Length: > 0 }) notCarried.Add("Recommends: not installed automatically (Stork has no recommends)");
        if (fields["Essential"] == "yes") notCarried.Add("Essential: yes is not carried (no implicit dependencies on essential packages)");

        // Maintainer scripts, triggers, conffiles and what cannot be carried.
        MaintainerScripts? scripts = null;
        string? triggers = null;
        foreach (var s in MaintainerScripts.Names)
        {
            if (!control.TryGetValue(s, out var bytes)) continue;
            if (!TryUtf8(bytes, out var text) || text.Contains('\0')) { notCarried.Add($"{s}: not valid UTF-8 text; not carried"); continue; }
            scripts ??= new MaintainerScripts();
            scripts = s switch
            {
                "preinst" => scripts with { Preinst = text },
                "postinst" => scripts with { Postinst = text },
                "prerm" => scripts with { Prerm = text },
                "postrm" => scripts with { Postrm = text },
                "config" => scripts with { Config = text },
                _ => scripts with { Templates = text },
            };
        }
        if (control.TryGetValue("triggers", out var trig) && TryUtf8(trig, out var trigText) && trigText.Trim().Length > 0) triggers = trigText;
        if (control.ContainsKey("templates")) notCarried.Add("templates: carried, but debconf questions are never asked: hosts run scripts noninteractively, so they get the defaults (debconf must be in the guest)");
        foreach (var other in control.Keys.Where(k => !IgnoredControlFiles.Contains(k) && k is not ("templates" or "config")).Order(StringComparer.Ordinal))
            notCarried.Add($"{other}: control file not carried");
        var conffiles = new HashSet<string>(StringComparer.Ordinal);
        if (control.TryGetValue("conffiles", out var cf))
            foreach (var line in Utf8(cf).Split('\n'))
            {
                var p = line.Trim().Split(' ')[0];
                if (p.Length > 0) conffiles.Add(DebPaths.Relocate(DebPaths.FromTarName(p), options.MergedUsr));
            }

        // Payload.
        var payload = ReadPayload(debPath, options, conffiles, notCarried);
        var summary = new string((fields["Description"] ?? "").Split('\n')[0].Where(c => c >= 0x20 && c != 0x7f).Take(1024).ToArray());
        var info = new PackageInfo
        {
            Name = name,
            Version = version,
            Summary = summary,
            Depends = depends,
            Provides = provides.Distinct().ToList(),
            Conflicts = conflicts.Distinct().ToList(),
            Replaces = replaces.Count > 0 ? replaces : null,
            DebianVersion = debVersion,
        };
        Directory.CreateDirectory(options.OutputDirectory);
        var output = Path.Combine(options.OutputDirectory, $"{name}_{version}.stork");
        var temp = output + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        PackageManifest manifest;
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                manifest = PackageWriter.Write(info, payload, fs, scripts, triggers, options.Level);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, output, overwrite: true);
        }
        finally { if (File.Exists(temp)) File.Delete(temp); }
        return new DebImportResult
        {
            Deb = debPath,
            Name = name,
            DebianVersion = debVersion,
            Version = version,
            Output = output,
            Length = new FileInfo(output).Length,
            Files = manifest.Files.Count,
            NotCarried = notCarried,
        };
    }

    static List<PayloadEntry> ReadPayload(string debPath, Options options, HashSet<string> conffiles, List<string> notCarried)
    {
        var entries = new Dictionary<string, PayloadEntry>(StringComparer.Ordinal);
        var hardlinks = new List<(string Path, string Target)>();
        using (var process = DpkgDeb("--fsys-tarfile", debPath))
        {
            using var reader = new TarReader(process.StandardOutput.BaseStream, leaveOpen: true);
            TarEntry? entry;
            while ((entry = reader.GetNextEntry(copyData: false)) is not null)
            {
                var original = DebPaths.FromTarName(entry.Name);
                if (original.Length == 0) continue;
                var path = DebPaths.Relocate(original, options.MergedUsr);
                var mode = FileModes.Format((int)entry.Mode);
                var (owner, group) = Owners(entry, path, notCarried);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        entries.TryAdd(path, PayloadEntry.Directory(path, mode) with { Owner = owner, Group = group });
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                        var bytes = new byte[entry.Length];
                        entry.DataStream?.ReadExactly(bytes);
                        entries[path] = PayloadEntry.FromBytes(path, bytes, mode, conffiles.Contains(path)) with { Owner = owner, Group = group };
                        break;
                    case TarEntryType.HardLink:
                        hardlinks.Add((path, DebPaths.Relocate(DebPaths.FromTarName(entry.LinkName), options.MergedUsr)));
                        break;
                    case TarEntryType.SymbolicLink:
                        var resolved = DebPaths.Relocate(DebPaths.Resolve(original, entry.LinkName), options.MergedUsr);
                        var target = DebPaths.Relative(path, resolved);
                        if (PackagePaths.CheckSymlinkTarget(path, target) is { } problem)
                            notCarried.Add($"/{path} -> {entry.LinkName}: symlink not carried ({problem})");
                        else entries[path] = PayloadEntry.Symlink(path, target);
                        break;
                    default:
                        notCarried.Add($"/{path}: {entry.EntryType} entries are not carried");
                        break;
                }
            }
            process.StandardOutput.BaseStream.CopyTo(Stream.Null);
            process.WaitForExit();
            if (process.ExitCode != 0) throw new DebianFormatException($"{debPath}: dpkg-deb --fsys-tarfile failed: {process.StandardError.ReadToEnd().Trim()}");
        }

        // Hard links: every path of a group carries the content; all but the first (in path order) name that first path.
        foreach (var group in hardlinks.GroupBy(h => h.Target))
        {
            if (!entries.TryGetValue(group.Key, out var first) || first.Type != PackageFileKind.File)
            {
                foreach (var h in group) notCarried.Add($"/{h.Path}: hard link to /{group.Key}, which is not a file of the package; not carried");
                continue;
            }
            var paths = group.Select(h => h.Path).Append(group.Key).Distinct().Order(PathOrder.Instance).ToList();
            var primary = paths[0];
            foreach (var p in paths)
            {
                var config = conffiles.Contains(p);
                entries[p] = first with
                {
                    Path = p,
                    Config = config,
                    Hardlink = p == primary || config || first.Config ? null : primary,
                };
            }
            if (paths.Any(conffiles.Contains)) notCarried.Add($"/{group.Key}: hard-linked conffiles are carried as separate copies");
        }

        // Every parent must be a directory entry; dpkg-built archives list them, relocated ones may need adding.
        foreach (var path in entries.Keys.ToList())
            for (var parent = PackagePaths.Parent(path); parent is not null; parent = PackagePaths.Parent(parent))
                entries.TryAdd(parent, PayloadEntry.Directory(parent));
        return [.. entries.Values];
    }

    static (string? Owner, string? Group) Owners(TarEntry entry, string path, List<string> notCarried)
    {
        string? Format(string? name, int id, string what)
        {
            if (id == 0 && (string.IsNullOrEmpty(name) || name == "root")) return null;
            if (string.IsNullOrEmpty(name)) { notCarried.Add($"/{path}: {what} id {id} has no name; carried as root"); return null; }
            return $"{name}:{id}";
        }
        var posix = entry as PosixTarEntry;
        var owner = Format(posix?.UserName, entry.Uid, "owner");
        var group = Format(posix?.GroupName, entry.Gid, "group");
        foreach (var (value, what) in new[] { (owner, "owner"), (group, "group") })
            if (value is not null && PackageOwners.Check(value) is { } problem)
            {
                notCarried.Add($"/{path}: {what} {problem}; carried as root");
                if (what == "owner") owner = null; else group = null;
            }
        return (owner, group);
    }

    /// <summary>The top-level files of the control archive, by name.</summary>
    static Dictionary<string, byte[]> ReadControlMembers(string debPath)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var process = DpkgDeb("--ctrl-tarfile", debPath);
        var buffer = new MemoryStream();
        var err = StandardErrorText.Collect(process);
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new DebianFormatException($"{debPath}: not a Debian package (dpkg-deb: {err.ToString().Trim()})");
        buffer.Position = 0;
        using (var reader = new TarReader(buffer))
        {
            TarEntry? entry;
            while ((entry = reader.GetNextEntry(copyData: false)) is not null)
            {
                var n = DebPaths.FromTarName(entry.Name);
                if (n.Length == 0 || n.Contains('/') || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                if (entry.Length > 4 * 1024 * 1024) throw new DebianFormatException($"{debPath}: control member {n} is larger than 4 MiB");
                var bytes = new byte[entry.Length];
                entry.DataStream?.ReadExactly(bytes);
                members[n] = bytes;
            }
        }
        return members;
    }

    static Process DpkgDeb(string action, string debPath)
    {
        if (!File.Exists(debPath)) throw new DebianFormatException($"{debPath}: no such file");
        try
        {
            var psi = new ProcessStartInfo("dpkg-deb", [action, debPath])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            return Process.Start(psi) ?? throw new DebianFormatException("cannot start dpkg-deb");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DebianFormatException("import-deb needs dpkg-deb (Debian package 'dpkg') on the publishing host", e);
        }
    }

    static string Utf8(byte[] bytes) => new UTF8Encoding(false, true).GetString(bytes);

    static bool TryUtf8(byte[] bytes, out string text)
    {
        try { text = Utf8(bytes); return true; }
        catch (DecoderFallbackException) { text = ""; return false; }
    }
}
