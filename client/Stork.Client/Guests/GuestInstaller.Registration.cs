using Stork.Client.State;
using Stork.Client.Store;

namespace Stork.Client.Guests;

public sealed partial class GuestInstaller
{
    /// <summary>
    /// How a guest's dpkg registration files are kept: shared store files under the condition its package files are
    /// hard links of immutable store files, private files otherwise (<see cref="RegistrationFiles"/>).
    /// </summary>
    internal RegistrationFiles Registrations(LinkMode linkMode, ContentStore store) =>
        new(store, new StoreGuard(paths), linkMode == LinkMode.HardLink && paths.ImmutableStore);

    /// <summary>The full manifest this host kept for a package blob (verify and repair of registration files).</summary>
    internal Stork.Format.Packages.PackageManifest? ManifestOf(string blobSha256) => KnownManifest(blobSha256);
}
