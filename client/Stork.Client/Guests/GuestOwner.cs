namespace Stork.Client.Guests;

/// <summary>A numeric owner and group as they apply inside one guest (resolved from the guest's own account files).</summary>
public readonly record struct GuestOwner(uint Uid, uint Gid);
