using System.Text.RegularExpressions;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Hostile;

/// <summary>
/// Crash-safe publishing (SPEC.md §2): `stork-publish publish` killed with SIGKILL after each file it writes, a mirror
/// copying the tree right then, and the next command finishing the job. No versioned file the mirror copied may ever
/// change afterwards, and the finished repository verifies with the queued package in it.
/// </summary>
public sealed partial class InterruptedPublishTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-crash-").FullName;
    private string BaseRepo => Path.Combine(_dir, "base");

    private static ProcessResult Publish(string[] args, int? killAfterWrites = null)
    {
        var dll = RepoRoot.File("repo-tools/Stork.Publish.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-publish.dll");
        var env = new Dictionary<string, string>();
        if (killAfterWrites is { } n) env["STORK_PUBLISH_KILL_AFTER_WRITES"] = n.ToString();
        return ProcessRunner.Run("dotnet", [dll, .. args], environment: env);
    }

    [GeneratedRegex(@"^[0-9]+\..+\.json$")]
    private static partial Regex Versioned();

    private static Dictionary<string, byte[]> VersionedFiles(string repo)
        => Directory.GetFiles(Path.Combine(repo, "public", "metadata"))
            .Where(f => Versioned().IsMatch(Path.GetFileName(f)))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void A_publish_killed_after_any_file_write_never_changes_a_versioned_file_and_the_next_run_finishes_it()
    {
        PublishedRepository.Expect(Publish(["init", BaseRepo]), "init");
        var built = Path.Combine(_dir, "built");
        var source = Fixtures.PackageDirs[0];
        PublishedRepository.Expect(Publish(["build", source, "--output", built]), "build");
        var package = Directory.GetFiles(built, "*.stork").Single();
        PublishedRepository.Expect(Publish(["add", BaseRepo, package]), "add (queued)");
        var name = Path.GetFileName(package).Split('_')[0];   // NAME_VERSION.stork

        int kills = 0;
        for (int k = 1; k < 50; k++)
        {
            var repo = Path.Combine(_dir, $"run-{k}");
            Transfers.TransferKit.CopyTree(BaseRepo, repo);
            var before = VersionedFiles(repo);
            var killed = Publish(["publish", repo], killAfterWrites: k);
            if (killed.ExitCode == 0) break;   // k is past the last write: the publish completed
            Assert.True(killed.ExitCode == 137, $"killed after write {k}: {killed}");
            kills++;
            // A mirror copies the tree right now.
            var mirror = VersionedFiles(repo);
            foreach (var (file, bytes) in before) Assert.Equal(bytes, mirror[file]);

            var resumed = Publish(["publish", repo]);
            Assert.True(resumed.ExitCode == 0, $"after a kill at write {k}: {resumed}");
            var after = VersionedFiles(repo);
            foreach (var (file, bytes) in mirror)
                Assert.True(after.TryGetValue(file, out var now) && now.AsSpan().SequenceEqual(bytes), $"kill at write {k}: {file} changed or vanished after the resumed publish");
            var verify = Publish(["verify", repo]);
            Assert.True(verify.ExitCode == 0, $"kill at write {k}: {verify}");
            Assert.Contains($"packages/{name}/", File.ReadAllText(Path.Combine(repo, "public", "metadata", "targets.json")));
        }
        // A publish of one package writes at least N.targets, N.snapshot, targets, snapshot, timestamp.
        Assert.True(kills >= 5, $"only {kills} kill points were exercised");
    }

    [Fact]
    public void Group_readable_private_keys_are_refused_unless_forced_and_a_fifo_in_the_key_folder_is_ignored()
    {
        PublishedRepository.Expect(Publish(["init", BaseRepo]), "init");
        var keys = Path.Combine(BaseRepo, "keys");
        var timestampKey = Path.Combine(keys, "timestamp.key.json");
        File.SetUnixFileMode(timestampKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = Publish(["timestamp", BaseRepo, "--refresh"]);
        Assert.True(refused.ExitCode == 7, refused.ToString());
        Assert.Contains("error:", refused.Stderr);
        Assert.Contains(timestampKey, refused.Stderr);
        Assert.Contains("0644", refused.Stderr);

        var forced = Publish(["timestamp", BaseRepo, "--refresh", "--force"]);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("warning:", forced.Stderr);

        File.SetUnixFileMode(timestampKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var fifo = Path.Combine(keys, "stray.key.json");
        PublishedRepository.Expect(ProcessRunner.Run("mkfifo", [fifo]), "mkfifo");
        var withFifo = Publish(["timestamp", BaseRepo, "--refresh"]);
        Assert.True(withFifo.ExitCode == 0, withFifo.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
