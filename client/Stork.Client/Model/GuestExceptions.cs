using Stork.Format.Errors;

namespace Stork.Client.Model;

/// <summary>
/// Installing would overwrite or replace something in the guest that no installed package owns, or two packages
/// claim the same path. Raised before the guest is touched.
/// </summary>
public sealed class GuestConflictException(string guest, string path, string message) : GuestException(message)
{
    public string Guest { get; } = guest;
    public string Path { get; } = path;
}

/// <summary>No guest with this name is registered.</summary>
public sealed class GuestNotFoundException(string name) : GuestException($"no guest named '{name}' (see: stork-get guest list)")
{
    public string Name { get; } = name;
}

/// <summary>A guest name or root is invalid or already registered.</summary>
public sealed class InvalidGuestException(string message) : GuestException(message);
