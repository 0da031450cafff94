using Stork.Format.Fleet;

namespace Stork.Client.Fleet;

/// <summary>A fleet manifest as the TUF chain delivered it: its target path and the role that signed it.</summary>
public sealed record SignedManifest(string TargetPath, string Role, FleetManifest Manifest);
