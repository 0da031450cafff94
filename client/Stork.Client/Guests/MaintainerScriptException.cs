using Stork.Format.Errors;

namespace Stork.Client.Guests;

/// <summary>A maintainer script failed in one guest (exit 6). The message says what state the guest was left in.</summary>
public sealed class MaintainerScriptException(string guest, string message) : GuestException(message)
{
    public string Guest { get; } = guest;
}
