namespace Stork.Client.Model;

/// <summary>How store files reach a guest.</summary>
public enum LinkMode
{
    /// <summary>Hard links into the content store (the default): the store and the guest must share a filesystem.</summary>
    HardLink,

    /// <summary>Reflinks (FICLONE): shared blocks, separate inodes; btrfs, xfs and similar filesystems.</summary>
    Reflink,

    /// <summary>Independent copies: for guests that must be able to modify files in place.</summary>
    Copy,

    /// <summary>Try hardlink, then reflink, then copy; the first file decides and the result is recorded.</summary>
    Auto,
}

/// <summary>
/// The names of link modes wherever they leave the process: SQLite, stork.json, the guest-roots file, CLI option
/// values, text and --json output. An enum's own ToString would say "HardLink", so every edge goes through here.
/// </summary>
public static class LinkModes
{
    public const string HardLinkName = "hardlink";
    public const string ReflinkName = "reflink";
    public const string CopyName = "copy";
    public const string AutoName = "auto";

    /// <summary>Every name, in the order the CLI lists them.</summary>
    public static readonly string[] All = [HardLinkName, ReflinkName, CopyName, AutoName];

    public static string Name(this LinkMode mode) => mode switch
    {
        LinkMode.HardLink => HardLinkName,
        LinkMode.Reflink => ReflinkName,
        LinkMode.Copy => CopyName,
        LinkMode.Auto => AutoName,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a link mode"),
    };

    public static bool TryParse(string? name, out LinkMode mode)
    {
        (bool known, mode) = name switch
        {
            HardLinkName => (true, LinkMode.HardLink),
            ReflinkName => (true, LinkMode.Reflink),
            CopyName => (true, LinkMode.Copy),
            AutoName => (true, LinkMode.Auto),
            _ => (false, LinkMode.HardLink),
        };
        return known;
    }

    /// <summary>A name read back from host state; anything else is damage there (a local error naming <paramref name="where"/>).</summary>
    public static LinkMode Parse(string name, string where)
        => TryParse(name, out var mode) ? mode : throw new Stork.Format.Errors.LocalException($"{where}: '{name}' is not a link mode ({string.Join(", ", All)})");
}
