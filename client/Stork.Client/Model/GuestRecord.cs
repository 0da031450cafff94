namespace Stork.Client.Model;

/// <summary>A registered guest: a directory tree Stork installs packages into.</summary>
/// <param name="LinkMode">The link mode asked for.</param>
/// <param name="LinkModeUsed">The mode actually in use once the first change decided it (auto resolves to one of the others).</param>
/// <param name="ShareGroup">Guests share store inodes only within one sharing group (see <see cref="ShareGroups"/>).</param>
/// <param name="Base">Whether the guest has a dpkg base image (see <see cref="GuestBases"/>).</param>
public sealed record GuestRecord(string Name, string Root, LinkMode LinkMode, LinkMode? LinkModeUsed = null, string ShareGroup = ShareGroups.Default, string Base = GuestBases.Auto)
{
    /// <summary>The mode files are shared with: the one recorded in use, else the one asked for.</summary>
    public LinkMode EffectiveLinkMode => LinkModeUsed ?? LinkMode;
}

/// <summary>
/// Sharing groups: hard links to store files are shared only among guests of one group. The default group links the
/// store's own files; every other group links its own verified copies (store/groups/NAME), so guests of different
/// groups never hold one inode, and a guest with CAP_LINUX_IMMUTABLE can only damage files of its own group.
/// </summary>
public static class ShareGroups
{
    public const string Default = "default";

    /// <summary>The same rule as guest names: safe as a directory name.</summary>
    public static bool IsValid(string? name) => Guests.GuestNames.IsValid(name);
}

/// <summary>
/// A guest's base image: what its own package manager has installed, which Stork's solver takes as installed and locked.
/// </summary>
public static class GuestBases
{
    /// <summary>Detected at every change: a guest with /var/lib/dpkg/status has a dpkg base image (the default).</summary>
    public const string Auto = "auto";

    /// <summary>Declared: the guest's dpkg status must be there and readable; missing is that guest's error, never "no base".</summary>
    public const string Dpkg = "dpkg";

    /// <summary>No base image: the guest's dpkg database (if any) is neither read nor written.</summary>
    public const string None = "none";

    public static readonly string[] All = [Auto, Dpkg, None];

    public static bool IsValid(string? value) => value is Auto or Dpkg or None;
}
