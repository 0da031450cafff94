using System.Text.Json.Nodes;
using Stork.Integration.Tests.Support;
using Stork.Integration.Tests.Transfers;

namespace Stork.Integration.Tests.Hostile;

public sealed partial class InterruptedPublishTests
{
    /// <summary>
    /// A key rotation writes a new root and re-signs the chain below it. Killed after any file write, with a mirror
    /// copying the tree right then: no versioned file the mirror copied changes afterwards; a client reading that
    /// copy alone gets the old or the new state, or a typed repository error (exit 3 or 4), never an internal error;
    /// with the finished repository as its second mirror it refreshes, setting the copy aside when it must.
    /// </summary>
    [Theory]
    [InlineData("snapshot")]
    [InlineData("root")]
    public void A_key_rotation_killed_after_any_write_leaves_mirrors_a_consistent_state_and_clients_fail_over(string role)
    {
        PublishedRepository.Expect(Publish(["init", BaseRepo]), "init");
        var trustedRoot = Path.Combine(_dir, "1.root.json");
        File.Copy(Path.Combine(BaseRepo, "public", "metadata", "1.root.json"), trustedRoot);
        var copyDir = Path.Combine(_dir, "mirror-copy");
        var finishedDir = Path.Combine(_dir, "mirror-finished");
        Directory.CreateDirectory(copyDir);
        Directory.CreateDirectory(finishedDir);
        using var copyMirror = new NginxServer(copyDir);
        using var finishedMirror = new NginxServer(finishedDir);

        int kills = 0;
        for (int k = 1; k < 40; k++)
        {
            var repo = Path.Combine(_dir, $"{role}-{k}");
            TransferKit.CopyTree(BaseRepo, repo);
            var before = VersionedFiles(repo);
            var killed = Publish(["key", "rotate", repo, "--role", role], killAfterWrites: k);
            if (killed.ExitCode == 0) break;   // k is past the last write: the rotation completed
            Assert.True(killed.ExitCode == 137, $"{role}: killed after write {k}: {killed}");
            kills++;

            // A mirror copies the tree right now; the next command on the repository finishes the job.
            var copied = VersionedFiles(repo);
            foreach (var (file, bytes) in before) Assert.Equal(bytes, copied[file]);
            Replace(copyDir, Path.Combine(repo, "public"));
            var resumed = Publish(["timestamp", repo, "--refresh"]);
            Assert.True(resumed.ExitCode == 0, $"{role}: after a kill at write {k}: {resumed}");
            var after = VersionedFiles(repo);
            foreach (var (file, bytes) in copied)
                Assert.True(after.TryGetValue(file, out var now) && now.AsSpan().SequenceEqual(bytes), $"{role}, kill at write {k}: {file} changed or vanished afterwards");
            var verify = Publish(["verify", repo]);
            Assert.True(verify.ExitCode == 0, $"{role}, kill at write {k}: {verify}");
            Replace(finishedDir, Path.Combine(repo, "public"));

            // A client that only has the copy: the old or the new state, or a typed repository error.
            using (var alone = TransferKit.HostWithGuests(copyMirror.BaseUrl, trustedRoot))
            {
                var refresh = alone.Get("refresh");
                Assert.True(refresh.ExitCode is 0 or 3 or 4, $"{role}, kill at write {k}, copy alone: {refresh}");
                if (refresh.ExitCode != 0) Assert.Single(refresh.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
            }
            // With the finished repository as the second mirror: the refresh succeeds.
            using var both = TransferKit.HostWithGuests(copyMirror.BaseUrl, trustedRoot);
            TransferKit.Configure(both, new JsonObject { ["mirrors"] = TransferKit.Mirrors((copyMirror.BaseUrl, 1), (finishedMirror.BaseUrl, 2)) });
            var failover = both.Get("refresh");
            Assert.True(failover.ExitCode == 0, $"{role}, kill at write {k}, copy then finished: {failover}");
            var trusted = JsonNode.Parse(File.ReadAllText(Path.Combine(both.Home, "state", "metadata", "root.json")))!;
            var published = JsonNode.Parse(File.ReadAllText(Path.Combine(repo, "public", "metadata", "root.json")))!;
            Assert.Equal((long)published["signed"]!["version"]!, (long)trusted["signed"]!["version"]!);
        }
        // A rotation writes at least N+1.root.json and root.json; the snapshot key's also re-signs snapshot and timestamp.
        Assert.True(kills >= (role == "root" ? 2 : 4), $"{role}: only {kills} kill points were exercised");
    }

    private static void Replace(string served, string from)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(served).Where(e => Path.GetFileName(e) is not ("access.log" or "error.log")))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        TransferKit.CopyTree(from, served);
    }
}
