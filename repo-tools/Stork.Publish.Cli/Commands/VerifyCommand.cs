using Stork.Cli;
using System.CommandLine;
using System.Text.Json.Nodes;
using Stork.Format.Errors;
using Stork.Format.Json;
using Stork.Format.Packages;
using Stork.Publishing.Repository;

namespace Stork.Publish.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("repo") { Description = "Repository directory, or the served folder itself" };
        var command = new Command("verify", "Check a published tree as a client would: signatures, versions, expiry, every target's hash and manifest") { path };
        command.SetAction(CommandRunner.Guarded(result =>
        {
            var dir = Path.GetFullPath(result.GetValue(path)!);
            var publicDir = Directory.Exists(Path.Combine(dir, "public")) ? Path.Combine(dir, "public") : dir;
            var report = RepositoryVerifier.Verify(publicDir, DateTimeOffset.UtcNow, CheckPackage);
            PublishOutput.Data($"root v{report.RootVersion}, timestamp v{report.TimestampVersion}, snapshot v{report.SnapshotVersion}, targets v{report.TargetsVersion}: {report.TargetsChecked} targets checked" + (report.DelegatedRoles.Count > 0 ? $" in {report.DelegatedRoles.Count + 1} roles" : ""));
            foreach (var problem in report.Problems) Console.Error.WriteLine($"problem: {problem}");
            PublishOutput.Set("ok", report.Ok);
            PublishOutput.Set("versions", new JsonObject
            {
                ["root"] = report.RootVersion,
                ["timestamp"] = report.TimestampVersion,
                ["snapshot"] = report.SnapshotVersion,
                ["targets"] = report.TargetsVersion,
            });
            PublishOutput.Set("targets_checked", report.TargetsChecked);
            PublishOutput.Set("delegated_roles", PublishOutput.Strings(report.DelegatedRoles));
            PublishOutput.Set("problems", PublishOutput.Strings(report.Problems));
            if (report.Ok) { PublishOutput.Data("OK"); return 0; }
            PublishOutput.Flush(); // the findings are the answer: the exit code says they are problems
            return ExitCodes.UntrustedRepository;
        }));
        return command;
    }

    /// <summary>The package's own manifest must say exactly what its signed entry says.</summary>
    private static void CheckPackage(string targetPath, Stork.Format.Metadata.TargetFile target, string file)
    {
        if (target.Custom?["stork"] is not JsonObject signedInfo) return;
        using var reader = PackageReader.Open(file);
        reader.VerifyAll();
        var inside = CanonicalJson.SerializeToString(reader.Manifest.Info.ToJsonNode());
        var signed = CanonicalJson.SerializeToString(PackageInfo.FromJsonNode(signedInfo).ToJsonNode());
        if (inside != signed)
            throw new RepositoryException($"the manifest inside the package differs from its signed entry");
    }
}
