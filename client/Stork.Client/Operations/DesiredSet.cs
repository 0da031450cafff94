using Stork.Client.Guests;
using Stork.Client.Packages;
using Stork.Format.Errors;
using Stork.Resolver;

namespace Stork.Client.Operations;

/// <summary>Maps the solver's answer to the full package set a guest should hold, with blob identities from signed metadata.</summary>
public static class DesiredSet
{
    /// <param name="explain">Extra words for an unsolvable request (for example which fleet groups asked).</param>
    public static IReadOnlyList<DesiredPackage> From(SolveResult result, PackageIndex index, IReadOnlySet<string> manual, string guest, string? explain = null)
    {
        if (!result.Solvable)
        {
            var why = result.Explanation ?? $"the request cannot be met ({result.Outcome})";
            throw new RequestException(explain is null ? why : $"guest {guest}: {why}\n  asked by: {explain}", StepsOf(result));
        }
        var desired = new List<DesiredPackage>();
        foreach (var candidate in result.Solution)
        {
            var version = candidate.Version.ToFullString(); // build metadata too: the blob check compares it
            var entry = index.Find(candidate.Name, version)
                ?? throw new RequestException($"{candidate.Name} {version} is installed in guest {guest} but no longer offered by the repository");
            desired.Add(new DesiredPackage(entry.Name, entry.Version, entry.BlobId, entry.Target.Length, manual.Contains(entry.Name)));
        }
        return desired;
    }

    /// <summary>The solver's explanation steps as error steps (what --json carries next to the message).</summary>
    public static IReadOnlyList<ErrorStep> StepsOf(SolveResult result) => result.ExplanationSteps.Select(s => new ErrorStep(s.FactName, s.Text)).ToList();
}
