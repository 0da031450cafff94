using System.Text;
using NuGet.Versioning;
using Stork.Format.Debian;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>A package the guest's own dpkg has installed (its base image, or what the guest's admin added with apt).</summary>
/// <param name="Provides">Provided names, each with its mapped version or null.</param>
public sealed record DpkgPackage(string Name, string DebianVersion, NuGetVersion Version, IReadOnlyList<(string Name, NuGetVersion? Version)> Provides)
{
    /// <summary>dpkg's Architecture field (amd64, all, ...); null when the paragraph has none.</summary>
    public string? Architecture { get; init; }
}

/// <summary>
/// What a guest's dpkg says is installed: <c>/var/lib/dpkg/status</c>, read through <see cref="GuestRoot"/> (a symlink,
/// FIFO or device there is a guest error, never followed or waited on; at most 64 MiB) and parsed strictly. Read again
/// at every change, because the guest's admin may run apt between two changes.
/// </summary>
public static class DpkgStatus
{
    public const string StatusPath = "var/lib/dpkg/status";
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>True when the guest has a dpkg database (a Debian or Ubuntu base image).</summary>
    public static bool Present(GuestRoot root) => root.LStat(StatusPath) is not null;

    /// <summary>The installed packages, or null when the guest has no dpkg status file.</summary>
    public static IReadOnlyList<DpkgPackage>? Read(GuestRoot root) =>
        root.ReadSmallFile(StatusPath, MaxBytes) is { } bytes ? Parse(bytes, root.Name) : null;

    // dpkg's states in which a package's files are on disk and it satisfies dependencies.
    private static readonly HashSet<string> Satisfying = new(StringComparer.Ordinal) { "installed", "triggers-awaited", "triggers-pending" };

    public static IReadOnlyList<DpkgPackage> Parse(byte[] bytes, string guest)
    {
        string text;
        try { text = new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad(guest, 0, "is not valid UTF-8"); }
        var packages = new Dictionary<string, DpkgPackage>(StringComparer.Ordinal);
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        int start = 1;
        var lines = text.Split('\n');
        for (int i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i] : "";
            if (line.Length == 0)
            {
                if (fields.Count > 0 && !fields.ContainsKey(DpkgRegistration.Marker)) Add(packages, fields, guest, start); // Stork's own: not the image
                fields.Clear();
                last = null;
                start = i + 2;
                continue;
            }
            if (line[0] is ' ' or '\t')
            {
                if (last is null) throw Bad(guest, i + 1, "continues a field that was never started");
                continue; // multi-line values (Description, Conffiles) are not needed
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[..colon].Any(c => c <= ' ' || c > '~')) throw Bad(guest, i + 1, "is not a 'Field: value' line");
            last = line[..colon];
            if (!fields.TryAdd(last, line[(colon + 1)..].Trim())) throw Bad(guest, i + 1, $"repeats field {last}");
        }
        return packages.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    private static void Add(Dictionary<string, DpkgPackage> packages, Dictionary<string, string> fields, string guest, int line)
    {
        if (!fields.TryGetValue("Package", out var name)) throw Bad(guest, line, "starts a paragraph without a Package field");
        if (!PackageNames.IsValidName(name)) throw Bad(guest, line, $"names package '{name}', which is not a valid package name");
        if (!fields.TryGetValue("Status", out var status)) throw Bad(guest, line, $"has no Status for package {name}");
        var words = status.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 3) throw Bad(guest, line, $"has Status '{status}' for {name}, expected three words");
        if (!Satisfying.Contains(words[2])) return; // not installed, config-files, half-installed, ...: does not count
        if (!fields.TryGetValue("Version", out var text) || !DebianVersion.TryParse(text, out var version, out var problem))
            throw Bad(guest, line, $"has no valid Version for installed package {name}");
        NuGetVersion mapped;
        try { mapped = DebianVersionMapping.ToNuGet(version!); }
        catch (DebianFormatException e) { throw Bad(guest, line, $"has a version of {name} Stork cannot map: {e.Message}"); }
        var provides = new List<(string, NuGetVersion?)>();
        if (fields.TryGetValue("Provides", out var provideText))
            foreach (var item in provideText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                provides.Add(ParseProvide(item, guest, line, name));
        // Multi-Arch: same packages appear once per architecture; one entry per name is what the solver sees.
        if (packages.TryGetValue(name, out var other) && other.Version >= mapped) return;
        packages[name] = new DpkgPackage(name, text, mapped, provides) { Architecture = fields.GetValueOrDefault("Architecture") };
    }

    private static (string, NuGetVersion?) ParseProvide(string item, string guest, int line, string package)
    {
        var open = item.IndexOf('(');
        var name = (open < 0 ? item : item[..open]).Trim();
        var arch = name.IndexOf(':');
        if (arch > 0) name = name[..arch];
        if (!PackageNames.IsValidName(name)) throw Bad(guest, line, $"has an invalid Provides item '{item}' for {package}");
        if (open < 0) return (name, null);
        var inner = item[(open + 1)..].TrimEnd().TrimEnd(')').Trim();
        if (!inner.StartsWith('=') || !DebianVersion.TryParse(inner[1..].Trim(), out var v, out _))
            throw Bad(guest, line, $"has a Provides item '{item}' for {package} that is not 'name (= version)'");
        try { return (name, DebianVersionMapping.ToNuGet(v!)); }
        catch (DebianFormatException e) { throw Bad(guest, line, $"has a Provides version Stork cannot map: {e.Message}"); }
    }

    private static GuestException Bad(string guest, int line, string problem) =>
        new($"guest '{guest}': /{StatusPath}{(line > 0 ? $" (paragraph at line {line})" : "")} {problem}; the guest's dpkg database is damaged");
}
