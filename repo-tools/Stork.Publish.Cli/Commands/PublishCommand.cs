using Stork.Cli;
using System.CommandLine;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class PublishCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Repository directory" };
        var keys = KeyOptions.SigningKeys("Extra private key file(s), e.g. of a delegated role with queued packages");
        var command = new Command("publish", "Re-sign the roles with queued packages (targets if none), snapshot and timestamp") { repo, keys };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var signingKeys = KeyOptions.LoadPrivate(result.GetValue(keys));
            try { PublishAndReport(RepositoryProject.Open(result.GetValue(repo)!, TimeProvider.System), signingKeys); }
            finally { KeyOptions.DisposeAll(signingKeys); }
            return 0;
        }));
        return command;
    }

    public static void PublishAndReport(RepositoryProject project, IEnumerable<Stork.Format.Crypto.SigningKey>? keys = null)
    {
        var published = project.Publish(keys);
        PublishOutput.Say($"published targets v{published.TargetsVersion} ({published.TargetCount} targets in the signed roles, {published.AddedTargets} new), snapshot v{published.SnapshotVersion}, timestamp v{published.TimestampVersion}");
        if (published.SignedRoles is { Count: > 0 } roles && !(roles.Count == 1 && roles[0] == "targets"))
            PublishOutput.Say($"  signed roles: {string.Join(", ", roles)}");
        SetVersions(published);
        PublishOutput.Set("added_targets", published.AddedTargets);
    }

    /// <summary>The JSON fields every command that signs a new chain reports.</summary>
    public static void SetVersions(PublishResult published)
    {
        PublishOutput.Set("published", new System.Text.Json.Nodes.JsonObject
        {
            ["targets_version"] = published.TargetsVersion,
            ["snapshot_version"] = published.SnapshotVersion,
            ["timestamp_version"] = published.TimestampVersion,
            ["targets_count"] = published.TargetCount,
            ["signed_roles"] = PublishOutput.Strings(published.SignedRoles ?? []),
        });
    }
}
