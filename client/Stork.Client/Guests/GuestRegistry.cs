using Microsoft.Data.Sqlite;
using Stork.Client.State;

namespace Stork.Client.Guests;

/// <summary>Registers guests (a name and an absolute root directory) in the host database.</summary>
public sealed class GuestRegistry(HostDatabase database)
{
    /// <summary>Registers a guest, creating its root directory if missing.</summary>
    /// <param name="baseImage">auto (detect /var/lib/dpkg/status at each change), dpkg (required: checked now and at each change), or none.</param>
    public GuestRecord AddGuest(string name, string rootDir, LinkMode linkMode = LinkMode.HardLink, string shareGroup = ShareGroups.Default, string baseImage = GuestBases.Auto)
    {
        if (!GuestBases.IsValid(baseImage)) throw new InvalidGuestException($"'{baseImage}' is not a base image kind ({string.Join(", ", GuestBases.All)})");
        if (!GuestNames.IsValid(name)) throw new InvalidGuestException($"'{name}' is not a valid guest name ([a-z0-9][a-z0-9._-]*, at most {GuestNames.MaxLength} characters)");
        if (!ShareGroups.IsValid(shareGroup)) throw new InvalidGuestException($"'{shareGroup}' is not a valid sharing group name ([a-z0-9][a-z0-9._-]*, at most {GuestNames.MaxLength} characters)");
        if (string.IsNullOrEmpty(rootDir) || !Path.IsPathFullyQualified(rootDir))
            throw new InvalidGuestException($"guest root '{rootDir}' must be an absolute path");
        var root = ResolveRootLayout(Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDir)));
        // Installing into the host's own root would let packages overwrite the host.
        if (root == "/") throw new InvalidGuestException("the host root '/' cannot be a guest root");
        if (database.Guests.Find(name) is not null) throw new InvalidGuestException($"a guest named '{name}' already exists");
        if (database.Guests.FindByRoot(root) is { } other) throw new InvalidGuestException($"'{root}' is already the root of guest '{other.Name}'");
        // Nested roots would let installing into one guest change another.
        foreach (var existing in database.Guests.List())
            if (IsInside(root, existing.Root) || IsInside(existing.Root, root))
                throw new InvalidGuestException($"guest root '{root}' overlaps the root of guest '{existing.Name}' ({existing.Root})");

        if (Store.Native.LStat(root) is { IsDirectory: false })
            throw new InvalidGuestException($"guest root '{root}' exists and is not a directory");
        Directory.CreateDirectory(root);
        if (Store.Native.LStat(root) is not { IsDirectory: true })
            throw new InvalidGuestException($"guest root '{root}' is not a directory (symlinked roots are not accepted)");
        if (baseImage == GuestBases.Dpkg)
            using (var opened = GuestRoot.Open(name, root))
                _ = DpkgBase.Read(opened, new GuestRecord(name, root, linkMode, null, shareGroup, baseImage)); // missing or unreadable: refused now
        var guest = new GuestRecord(name, root, linkMode, null, shareGroup, baseImage);
        try { database.Guests.Insert(guest); }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT: raced with another add */)
        {
            throw new InvalidGuestException($"a guest named '{name}' or rooted at '{root}' already exists");
        }
        return guest;
    }

    public IReadOnlyList<GuestRecord> ListGuests() => database.Guests.List();

    /// <summary>
    /// Container layouts: an LXC container directory (/var/lib/lxc/NAME, holding config and rootfs/) means its
    /// rootfs/; a systemd-nspawn machine (/var/lib/machines/NAME) is the root itself.
    /// </summary>
    public static string ResolveRootLayout(string root)
    {
        var rootfs = Path.Combine(root, "rootfs");
        bool lxcDir = Path.GetDirectoryName(root) == "/var/lib/lxc";
        if (Store.Native.LStat(rootfs) is { IsDirectory: true } && (lxcDir || File.Exists(Path.Combine(root, "config")))) return rootfs;
        if (lxcDir) return rootfs;
        return root;
    }

    /// <summary>Changes how store files reach a guest from its next change on (files already there stay as they are until repaired).</summary>
    public GuestRecord SetLinkMode(string name, LinkMode linkMode)
    {
        Get(name);
        database.Guests.SetLinkMode(name, linkMode);
        return Get(name);
    }

    private static bool IsInside(string path, string directory) =>
        path.StartsWith(directory + "/", StringComparison.Ordinal);

    public GuestRecord Get(string name) => database.Guests.Find(name) ?? throw new GuestNotFoundException(name);

    public GuestRecord? Find(string name) => database.Guests.Find(name);
}
