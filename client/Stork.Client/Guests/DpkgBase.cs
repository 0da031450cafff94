using Stork.Format.Errors;

namespace Stork.Client.Guests;

/// <summary>
/// Whether a guest has a dpkg base image, by what it was registered with (<see cref="GuestBases"/>): "auto" detects
/// /var/lib/dpkg/status at every change, "none" never reads or writes the guest's dpkg database, and "dpkg" requires
/// it: a declared base that is missing or unreadable is that guest's error (exit 6), never silently "no base", because
/// the solver would then install a second libc6 and friends over the image.
/// </summary>
public static class DpkgBase
{
    /// <summary>True when the guest's dpkg database is Stork's to read and register into.</summary>
    public static bool Has(GuestRoot root, GuestRecord guest) => guest.Base switch
    {
        GuestBases.None => false,
        GuestBases.Dpkg => DpkgStatus.Present(root) ? true : throw Missing(guest),
        _ => DpkgStatus.Present(root),
    };

    /// <summary>The image's packages; null when the guest has none (auto without a status file, or none).</summary>
    public static IReadOnlyList<DpkgPackage>? Read(GuestRoot root, GuestRecord guest) => guest.Base switch
    {
        GuestBases.None => null,
        GuestBases.Dpkg => DpkgStatus.Read(root) ?? throw Missing(guest),
        _ => DpkgStatus.Read(root),
    };

    private static GuestException Missing(GuestRecord guest) => new(
        $"guest '{guest.Name}' was registered with --base dpkg but has no /{DpkgStatus.StatusPath} (in {guest.Root}): " +
        "restore the guest's dpkg database, or register it again with --base none (or auto)");
}
