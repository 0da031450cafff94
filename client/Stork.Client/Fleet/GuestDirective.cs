using Stork.Format.Fleet;

namespace Stork.Client.Fleet;

/// <summary>One action that applies to one guest, with where it came from (for plans and conflict messages).</summary>
public sealed record GuestDirective(FleetAction Action, string ManifestPath)
{
    public string Source => $"group {Action.Group} ({ManifestPath})";
}

/// <summary>Everything the fleet asks of one guest on this host, in manifest order.</summary>
public sealed record GuestDirectives(string Guest, IReadOnlyList<GuestDirective> Directives);
