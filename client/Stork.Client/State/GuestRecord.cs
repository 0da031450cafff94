namespace Stork.Client.State;

/// <summary>A registered guest: a directory tree Stork installs packages into.</summary>
public sealed record GuestRecord(string Name, string Root, string LinkMode);

/// <summary>How store files reach a guest.</summary>
public static class GuestLinkModes
{
    /// <summary>Hard links into the content store (falls back to copies across filesystems).</summary>
    public const string HardLink = "hardlink";

    /// <summary>Independent copies: for guests that must be able to modify files in place.</summary>
    public const string Copy = "copy";

    public static bool IsValid(string? mode) => mode is HardLink or Copy;
}
