namespace Stork.Client.Model;

/// <summary>A registered guest: a directory tree Stork installs packages into.</summary>
/// <param name="LinkMode">The link mode asked for (see <see cref="GuestLinkModes"/>).</param>
/// <param name="LinkModeUsed">The mode actually in use once the first change decided it (auto resolves to one of the others).</param>
public sealed record GuestRecord(string Name, string Root, string LinkMode, string? LinkModeUsed = null)
{
    /// <summary>The mode files are shared with: the one recorded in use, else the one asked for.</summary>
    public string EffectiveLinkMode => LinkModeUsed ?? LinkMode;
}

/// <summary>How store files reach a guest.</summary>
public static class GuestLinkModes
{
    /// <summary>Hard links into the content store (the default): the store and the guest must share a filesystem.</summary>
    public const string HardLink = "hardlink";

    /// <summary>Reflinks (FICLONE): shared blocks, separate inodes; btrfs, xfs and similar filesystems.</summary>
    public const string Reflink = "reflink";

    /// <summary>Independent copies: for guests that must be able to modify files in place.</summary>
    public const string Copy = "copy";

    /// <summary>Try hardlink, then reflink, then copy; the first file decides and the result is recorded.</summary>
    public const string Auto = "auto";

    public static readonly string[] All = [HardLink, Reflink, Copy, Auto];

    public static bool IsValid(string? mode) => mode is HardLink or Reflink or Copy or Auto;
}
