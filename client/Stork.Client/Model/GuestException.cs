using Stork.Format.Errors;

namespace Stork.Client.Model;

/// <summary>A guest-level failure: unknown guest, a file no package owns in the way, a bad root.</summary>
public class GuestException(string message, Exception? inner = null) : LocalException(message, inner)
{
    public override ErrorClass Class => ErrorClass.Guest;
}
