using Stork.Client.State;
using Stork.Format.Errors;

namespace Stork.Client.Guests;

/// <summary>
/// Which packages of a guest Stork adopted from its dpkg image, and in which generation: the host database's
/// adopted_packages (<see cref="AdoptionTable"/>). Written before the adoption's journaled change starts, so a crash
/// cannot leave an adopted package without its record; an entry whose package is not installed (a change that did not
/// finish) guards nothing. Removing an adopted package would delete the image's files the guest runs on, so every
/// change that would is refused (<see cref="RequireKept"/>).
/// </summary>
public static class AdoptionRecord
{
    /// <summary>Refuses (guest error, exit 6, nothing changed) a change that would remove an adopted package.</summary>
    public static void RequireKept(HostDatabase database, string guest, IEnumerable<InstalledPackage> removed)
    {
        var adopted = database.Adoptions.Load(guest);
        if (adopted.Count == 0) return;
        foreach (var package in removed)
            if (adopted.TryGetValue(package.Name, out var generation))
                throw new GuestException(
                    $"guest '{guest}': {package.Name} was adopted from the guest's dpkg image in generation {generation}; removing it " +
                    $"(or rolling back before generation {generation}) would delete files the guest's system runs on, so nothing was changed. " +
                    $"Keep it (upgrade works), roll back only to generation {generation} or later, or stop managing the guest with " +
                    $"'stork-get guest remove {guest}', which leaves every file as the guest's own copy");
    }
}
