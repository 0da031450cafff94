namespace Stork.Client.Model;

/// <summary>A package installed in a guest. Manual: asked for by the user rather than pulled in as a dependency.</summary>
public sealed record InstalledPackage(string Name, string Version, string BlobSha256, bool Manual);
