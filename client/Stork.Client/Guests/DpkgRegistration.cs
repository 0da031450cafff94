using System.Text;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Makes Stork's packages visible to the guest's own dpkg and apt (guests with a dpkg base image): each is a paragraph
/// of /var/lib/dpkg/status ("install ok installed", its Debian version, marked <c>Stork-Managed: yes</c>) and a
/// /var/lib/dpkg/info/NAME.list of its paths, its config files as dpkg's Conffiles field, and NAME.md5sums of its regular files other than config files (as dpkg
/// writes them, hashed from the store's copy, not the guest's), so <c>dpkg -V</c> inside the guest checks them. dpkg -l
/// lists them, apt counts them as installed, and dpkg refuses to unpack another package over one of their files
/// ("trying to overwrite ..., which is also in package ...").
/// The guest's own paragraphs are kept byte for byte; the file is replaced by rename, never written in place.
/// </summary>
internal static class DpkgRegistration
{
    public const string Marker = "Stork-Managed";

    /// <param name="storeFile">The store's copy of a regular file entry, to hash for md5sums.</param>
    public static void Write(GuestRoot root, IReadOnlyCollection<string> leaving, IReadOnlyDictionary<string, PackageManifest> installed,
        Func<PackageFileEntry, string> storeFile, RegistrationFiles files)
    {
        if (root.ReadSmallFile(DpkgStatus.StatusPath, DpkgStatus.MaxBytes) is not { } bytes) return;
        var text = Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n");
        var kept = new List<string>();
        var awaiting = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            if (paragraph.Trim().Length == 0) continue;
            else if (!IsOurs(paragraph)) { if (!IsAdopted(paragraph, installed)) kept.Add(paragraph.Trim('\n')); }
            else if (DpkgIncorporation.Names(paragraph, DpkgIncorporation.AwaitedField) is { Count: > 0 } awaited) awaiting[NameOf(paragraph)] = awaited;
        // What one of ours awaits (an image package's trigger it activated, see DpkgIncorporation) stays recorded until
        // the guest's dpkg has run that trigger, as dpkg keeps it across an upgrade; then it is dropped, as dpkg clears it.
        var stillPending = kept.Where(p => DpkgIncorporation.Names(p, DpkgIncorporation.PendingField).Count > 0).Select(NameOf).ToHashSet(StringComparer.Ordinal);
        var ours = installed.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => Paragraph(m, Conffiles(m, storeFile),
            awaiting.GetValueOrDefault(m.Name, []).Where(stillPending.Contains).ToList()));
        var status = string.Join("\n\n", kept.Concat(ours)) + "\n";
        foreach (var name in leaving.Where(n => !installed.ContainsKey(n)))
        {
            files.Remove(root, $"{MaintainerScriptPhase.InfoDir}/{name}.list");
            files.Remove(root, $"{MaintainerScriptPhase.InfoDir}/{name}.md5sums");
        }
        foreach (var manifest in installed.Values)
            Put(root, manifest, files, storeFile, replaced: leaving.Contains(manifest.Name), repair: false);
        root.WriteFile(DpkgStatus.StatusPath, Encoding.UTF8.GetBytes(status), 0x1A4 /* 0644 */, durable: true);
    }

    /// <summary>
    /// A package's .list and .md5sums in the guest: shared store files when <paramref name="files"/> shares (the md5sums
    /// hashed once per host, <see cref="RegistrationFiles.Md5SumsStoreFile"/>), else private files, whose md5sums are
    /// hashed only for a version that replaced another in this change, or when none is there yet. <paramref name="repair"/>:
    /// both rewritten, the md5sums hashed again.
    /// </summary>
    internal static void Put(GuestRoot root, PackageManifest manifest, RegistrationFiles files, Func<PackageFileEntry, string> storeFile, bool replaced, bool repair)
    {
        var list = $"{MaintainerScriptPhase.InfoDir}/{manifest.Name}.list";
        var md5sums = $"{MaintainerScriptPhase.InfoDir}/{manifest.Name}.md5sums";
        if (files.Share)
        {
            files.Put(root, list, files.ListStoreFile(manifest), () => RegistrationFiles.ListOf(manifest));
            files.Put(root, md5sums, files.Md5SumsStoreFile(manifest, () => Md5Sums(manifest, storeFile), recompute: repair), () => Md5Sums(manifest, storeFile));
            return;
        }
        files.Put(root, list, null, () => RegistrationFiles.ListOf(manifest));
        if (replaced || repair || root.LStat(md5sums) is null || files.StoreFileOf(root, md5sums, root.LStat(md5sums)!.Value) is not null)
            files.Put(root, md5sums, null, () => Md5Sums(manifest, storeFile));
    }

    // dpkg's format: "HEX  PATH" per regular file, path without the leading slash; conffiles are checked by their own field.
    internal static byte[] Md5Sums(PackageManifest manifest, Func<PackageFileEntry, string> storeFile)
    {
        var text = new StringBuilder();
        foreach (var entry in RegistrationFiles.Md5SummedFiles(manifest))
        {
            var path = storeFile(entry);
            if (!File.Exists(path)) continue; // not in the store (never expected): left out, so dpkg -V does not check it
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            text.Append(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(stream))).Append("  ").Append(entry.Path).Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    // dpkg's Conffiles field: " /PATH MD5" per config file, the md5 of the shipped content (the store's copy), so the
    // guest's dpkg --status lists them and dpkg -V reports a changed one ("??5?????? c /etc/..."). Config files are small.
    private static string Conffiles(PackageManifest manifest, Func<PackageFileEntry, string> storeFile)
    {
        var text = new StringBuilder();
        foreach (var entry in manifest.Files.Where(e => e.IsFile && e.IsConfig && e.Sha256 is not null && e.Mode is not null))
        {
            var path = storeFile(entry);
            if (!File.Exists(path)) continue;
            text.Append("\n /").Append(entry.Path).Append(' ').Append(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(path))));
        }
        return text.Length == 0 ? "" : "Conffiles:" + text + "\n";
    }

    // An image paragraph of a package Stork has now (adopted, or a change that stopped before this rewrite): one
    // paragraph per name and architecture, Stork's; another architecture's (multi-arch) stays the guest's.
    private static bool IsAdopted(string paragraph, IReadOnlyDictionary<string, PackageManifest> installed)
    {
        string? name = null, arch = null;
        foreach (var line in paragraph.Split('\n'))
        {
            if (line.StartsWith("Package:", StringComparison.OrdinalIgnoreCase)) name = line[8..].Trim();
            else if (line.StartsWith("Architecture:", StringComparison.OrdinalIgnoreCase)) arch = line[13..].Trim();
        }
        return name is not null && installed.ContainsKey(name) && (arch is null or "all" || arch == ScriptRunner.DebianArchitecture);
    }

    public static bool IsOurs(string paragraph) =>
        paragraph.Split('\n').Any(l => l.StartsWith(Marker + ":", StringComparison.OrdinalIgnoreCase));

    private static string NameOf(string paragraph) =>
        paragraph.Split('\n').FirstOrDefault(l => l.StartsWith("Package:", StringComparison.OrdinalIgnoreCase))?["Package:".Length..].Trim() ?? "";

    private static string Paragraph(PackageManifest m, string conffiles, List<string> awaited)
    {
        var summary = m.Summary.Split('\n')[0].Trim();
        // dpkg's rule: a package awaiting others' triggers is triggers-awaited, and Triggers-Awaited follows Description.
        return $"Package: {m.Name}\nStatus: install ok {(awaited.Count > 0 ? "triggers-awaited" : "installed")}\nPriority: optional\nSection: misc\n" +
            $"Installed-Size: {(m.InstalledSize + 1023) / 1024}\nMaintainer: stork-get <root@localhost>\nArchitecture: {ScriptRunner.DebianArchitecture}\n" +
            $"Version: {m.DebianVersion ?? m.Version}\n{Marker}: yes\n{conffiles}Description: {(summary.Length == 0 ? m.Name : summary)}\n" +
            " Installed and managed by Stork (stork-get); change it with stork-get, not with dpkg or apt." +
            (awaited.Count > 0 ? $"\n{DpkgIncorporation.AwaitedField}: {string.Join(' ', awaited)}" : "");
    }
}
