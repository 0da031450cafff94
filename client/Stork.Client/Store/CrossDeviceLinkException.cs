namespace Stork.Client.Store;

/// <summary>link(2) failed with EXDEV: store and guest are on different filesystems, so a copy is needed.</summary>
public sealed class CrossDeviceLinkException(string source, string destination)
    : IOException($"cannot hard-link '{source}' to '{destination}': different filesystems (EXDEV)");
