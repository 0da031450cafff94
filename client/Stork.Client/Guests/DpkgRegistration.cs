using System.Text;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Makes Stork's packages visible to the guest's own dpkg and apt (guests with a dpkg base image): each is a paragraph
/// of /var/lib/dpkg/status ("install ok installed", its Debian version, marked <c>Stork-Managed: yes</c>) and a
/// /var/lib/dpkg/info/NAME.list of its paths. dpkg -l lists them, apt counts them as installed, and dpkg refuses to
/// unpack another package over one of their files ("trying to overwrite ..., which is also in package ...").
/// The guest's own paragraphs are kept byte for byte; the file is replaced by rename, never written in place.
/// </summary>
internal static class DpkgRegistration
{
    public const string Marker = "Stork-Managed";

    public static void Write(GuestRoot root, IReadOnlyCollection<string> leaving, IReadOnlyDictionary<string, PackageManifest> installed)
    {
        if (root.ReadSmallFile(DpkgStatus.StatusPath, DpkgStatus.MaxBytes) is not { } bytes) return;
        var text = Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n");
        var kept = new List<string>();
        foreach (var paragraph in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            if (paragraph.Trim().Length > 0 && !IsOurs(paragraph)) kept.Add(paragraph.Trim('\n'));
        var ours = installed.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(Paragraph);
        var status = string.Join("\n\n", kept.Concat(ours)) + "\n";
        foreach (var name in leaving.Where(n => !installed.ContainsKey(n)))
            root.TryUnlink($"{MaintainerScriptPhase.InfoDir}/{name}.list");
        foreach (var manifest in installed.Values)
        {
            var list = new StringBuilder("/.\n");
            foreach (var entry in manifest.Files) list.Append('/').Append(entry.Path).Append('\n');
            root.WriteFile($"{MaintainerScriptPhase.InfoDir}/{manifest.Name}.list", Encoding.UTF8.GetBytes(list.ToString()), 0644);
        }
        root.WriteFile(DpkgStatus.StatusPath, Encoding.UTF8.GetBytes(status), 0644);
    }

    public static bool IsOurs(string paragraph) =>
        paragraph.Split('\n').Any(l => l.StartsWith(Marker + ":", StringComparison.OrdinalIgnoreCase));

    private static string Paragraph(PackageManifest m)
    {
        var summary = m.Summary.Split('\n')[0].Trim();
        return $"Package: {m.Name}\nStatus: install ok installed\nPriority: optional\nSection: misc\n" +
            $"Installed-Size: {(m.InstalledSize + 1023) / 1024}\nMaintainer: stork-get <root@localhost>\nArchitecture: {ScriptRunner.DebianArchitecture}\n" +
            $"Version: {m.DebianVersion ?? m.Version}\n{Marker}: yes\nDescription: {(summary.Length == 0 ? m.Name : summary)}\n" +
            " Installed and managed by Stork (stork-get); change it with stork-get, not with dpkg or apt.";
    }
}
