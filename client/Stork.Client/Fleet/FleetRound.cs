using Stork.Client.Guests;
using Stork.Client.Operations;

namespace Stork.Client.Fleet;

/// <summary>What one round of `apply` or the agent did for one guest.</summary>
/// <param name="Desired">The package set the manifests ask for; null when planning failed or was skipped.</param>
/// <param name="Report">The change made (null in a dry run, or when the guest failed).</param>
/// <param name="Repaired">Paths of managed packages put back from the store because they had drifted.</param>
/// <param name="Error">Why this guest did not converge in this round, or null.</param>
public sealed record GuestRound(string Guest, IReadOnlyList<DesiredPackage>? Desired, InstallReport? Report, IReadOnlyList<string> Repaired, string? Error, bool DryRun)
{
    /// <summary>Packages adopted from the guest's dpkg image that the manifests do not ask for (or ask to remove): kept, as its base.</summary>
    public IReadOnlyList<string> KeptAdopted { get; init; } = [];

    public OperationOutcome ToOutcome() => new(Guest, Desired ?? [], Report, DryRun);

    public bool Changed => (Report?.Changed ?? false) || Repaired.Count > 0;
}

/// <summary>One round: refresh, plan every guest, apply, repair drift.</summary>
/// <param name="MetadataVersion">"ROOT.SNAPSHOT" versions of the trusted metadata the round planned against.</param>
/// <param name="Fingerprint">What the plan depended on (metadata versions and this host's guests): a manifest that
/// could not be applied is tried again only when this changes.</param>
/// <param name="PlanError">Why no guest was changed (conflicting or unsolvable manifests), or null.</param>
/// <param name="PlanSkipped">The plan failed before with the same fingerprint, so it was not tried again.</param>
public sealed record FleetRound(string Host, string MetadataVersion, string Fingerprint, int Manifests, IReadOnlyList<string> Problems,
    IReadOnlyList<string> Deferred, IReadOnlyList<GuestRound> Guests, string? PlanError, bool PlanSkipped)
{
    public bool Changed => Guests.Any(g => g.Changed);
    public bool Converged => PlanError is null && Guests.All(g => g.Error is null);
}
