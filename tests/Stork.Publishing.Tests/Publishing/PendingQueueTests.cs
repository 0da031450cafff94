using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>
/// The pending queue is written and read as a stream (a batch keeps its entries in a scratch file, publishing reads
/// one role's entries at a time): the results must be those of the whole-file queue it replaced, for queues larger
/// than the read window, entries larger than it, the old flat form, damaged files and missing keys.
/// </summary>
public sealed class PendingQueueTests : IDisposable
{
    private readonly PublishingTestRepo _t = new();
    private RepositoryProject Repo => _t.Project;
    private string PendingPath => Path.Combine(Repo.Directory, RepositoryProject.PendingFile);

    private string File(string name, string content)
    {
        var path = _t.Dir.Combine(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private Dictionary<string, TargetFile> PublishedTargets()
    {
        var all = new Dictionary<string, TargetFile>(StringComparer.Ordinal);
        foreach (var role in Repo.CurrentRoles())
            foreach (var (path, target) in role.Metadata.Targets) all[path] = target;
        return all;
    }

    [Fact]
    public void Batches_larger_than_the_read_window_merge_with_the_queue_on_disk_and_the_last_entry_for_a_path_wins()
    {
        Repo.ConvertToHashBins(8);
        // 3 KB of custom data each (90 entries: about four times the 64 KB read window), one entry of 200 KB.
        var filler = new string('x', 3000);
        using (var first = Repo.BeginAdding())
        {
            for (int i = 0; i < 90; i++)
                first.AddTarget($"files/item-{i:D3}.bin", File($"item-{i}", $"first {i}"), new JsonObject { ["note"] = filler, ["n"] = i });
            first.AddTarget("files/huge.bin", File("huge", "huge"), new JsonObject { ["note"] = new string('é', 100_000), ["quote"] = "a \"quoted\" \\ text" });
            first.Commit();
        }
        Assert.Equal(91, Repo.PendingTargets().Count);

        string replaced;
        using (var second = Repo.BeginAdding())
        {
            replaced = File("item-7-new", "second 7");
            second.AddTarget("files/item-007.bin", replaced, new JsonObject { ["n"] = 1007 });
            second.AddTarget("files/item-new.bin", File("item-new", "new"), null);
            second.Commit();
        }
        var queued = Repo.PendingTargets();
        Assert.Equal(92, queued.Count);
        Assert.Equal(queued.Count, queued.Distinct().Count());

        var published = Repo.Publish();
        Assert.Equal(92, published.AddedTargets);
        Assert.False(System.IO.File.Exists(PendingPath));
        var targets = PublishedTargets();
        Assert.Equal(92, targets.Count);
        Assert.Equal(Stork.Format.Crypto.Hashing.Sha256HexOfFile(replaced), targets["files/item-007.bin"].Sha256);
        Assert.Equal(1007, targets["files/item-007.bin"].Custom!["n"]!.GetValue<long>());
        Assert.Equal(new string('é', 100_000), targets["files/huge.bin"].Custom!["note"]!.GetValue<string>());
        Assert.Equal("a \"quoted\" \\ text", targets["files/huge.bin"].Custom!["quote"]!.GetValue<string>());
        Assert.Equal(filler, targets["files/item-089.bin"].Custom!["note"]!.GetValue<string>());
        Assert.Null(targets["files/item-new.bin"].Custom);
        var report = _t.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(92, report.TargetsChecked);
    }

    [Fact]
    public void A_batch_disposed_without_commit_leaves_the_queue_and_no_scratch_file()
    {
        Repo.ConvertToHashBins(2);
        using (var first = Repo.BeginAdding())
        {
            first.AddTarget("files/kept.bin", File("kept", "kept"), null);
            first.Commit();
        }
        var before = System.IO.File.ReadAllBytes(PendingPath);
        using (var dropped = Repo.BeginAdding())
            dropped.AddTarget("files/dropped.bin", File("dropped", "dropped"), null);
        Assert.Equal(before, System.IO.File.ReadAllBytes(PendingPath));
        Assert.Equal([RepositoryProject.PendingFile], Directory.GetFiles(Repo.Directory).Select(Path.GetFileName).Where(f => f!.StartsWith("pending", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_path_queued_twice_counts_once_and_a_dropped_batch_removes_every_blob_it_created_but_no_other()
    {
        Repo.ConvertToHashBins(4);
        string Blobs() => string.Join("\n", Directory.GetFiles(Repo.TargetsDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        using (var first = Repo.BeginAdding())
        {
            for (int i = 0; i < 40; i++) first.AddTarget($"files/kept-{i:D2}.bin", File($"kept-{i}", $"kept {i}"), null);
            // The same path again (same content, and then new content): one entry, counted once; the last one wins.
            first.AddTarget("files/kept-00.bin", File("kept-0", "kept 0"), null);
            var last = File("kept-1-new", "kept 1, new");
            first.AddTarget("files/kept-01.bin", last, null);
            Assert.Equal(40, first.Commit());
        }
        Assert.Equal(40, Repo.PendingTargets().Count);
        var blobs = Blobs();
        var queue = System.IO.File.ReadAllBytes(PendingPath);

        // 300 new blobs (their names go through the scratch file), one blob already served, then no commit.
        using (var dropped = Repo.BeginAdding())
        {
            for (int i = 0; i < 300; i++) dropped.AddTarget($"files/dropped-{i:D3}.bin", File($"dropped-{i}", $"dropped {i}"), null);
            dropped.AddTarget("files/kept-02.bin", File("kept-2", "kept 2"), null);
            Assert.NotEqual(blobs, Blobs());
        }
        Assert.Equal(blobs, Blobs());
        Assert.Equal(queue, System.IO.File.ReadAllBytes(PendingPath));
        Assert.Equal([RepositoryProject.PendingFile], Directory.GetFiles(Repo.Directory).Select(Path.GetFileName).Where(f => f!.StartsWith("pending", StringComparison.Ordinal)));
        Assert.Equal(40, Repo.Publish().AddedTargets);
        _t.AssertVerifies();
    }

    [Fact]
    public void A_queue_in_the_old_flat_form_is_routed_to_hash_bins_and_published()
    {
        Repo.ConvertToHashBins(4);
        using (var batch = Repo.BeginAdding())
        {
            for (int i = 0; i < 6; i++) batch.AddTarget($"files/old-{i}.bin", File($"old-{i}", $"old {i}"), new JsonObject { ["i"] = i });
            batch.Commit();
        }
        // Rewrite the queue as the publisher wrote it before delegations existed: {"PATH": entry}.
        var grouped = JsonNode.Parse(System.IO.File.ReadAllBytes(PendingPath))!["roles"]!.AsObject();
        var flat = new JsonObject();
        foreach (var (_, entries) in grouped)
            foreach (var (path, entry) in entries!.AsObject()) flat[path] = entry!.DeepClone();
        System.IO.File.WriteAllText(PendingPath, flat.ToJsonString());
        Assert.Equal(6, Repo.PendingTargets().Count);

        // A batch added on top keeps the flat entries (as the automatic group) next to its own.
        using (var batch = Repo.BeginAdding())
        {
            batch.AddTarget("files/new.bin", File("new", "new"), null);
            batch.Commit();
        }
        var published = Repo.Publish();
        Assert.Equal(7, published.AddedTargets);
        var targets = PublishedTargets();
        Assert.Equal(7, targets.Count);
        foreach (var role in Repo.CurrentRoles().Skip(1))
            Assert.All(role.Metadata.Targets.Keys, path => Assert.Equal(role.Name, RepositoryProjectRoles.BinOf(Repo, path)));
        _t.AssertVerifies();
    }

    [Theory]
    [InlineData("{\"roles\": {\"bins-0\": [1]}}", "must be an object", true)]
    [InlineData("{\"roles\": {\"bins-0\": {\"files/a.bin\": {\"length\": 1", "not a valid queue", true)]
    [InlineData("[]", "one JSON object", true)]
    [InlineData("{\"roles\": {\"bins-0\": {\"files/a.bin\": {\"length\": -1, \"hashes\": {\"sha256\": \"00\"}}}}}", "negative", false)]
    [InlineData("{\"roles\": {\"bins-0\": {}, \"bins-0\": {}}}", "twice", true)]
    public void A_damaged_queue_is_refused_naming_the_file_and_nothing_is_written(string content, string why, bool unreadable)
    {
        Repo.ConvertToHashBins(2);
        System.IO.File.WriteAllText(PendingPath, content);
        var files = Directory.GetFiles(Repo.MetadataDir).ToDictionary(f => f, System.IO.File.ReadAllBytes);
        var error = Assert.Throws<PublisherException>(() => Repo.Publish());
        Assert.Contains(RepositoryProject.PendingFile, error.Message);
        Assert.Contains(why, error.Message);
        AssertUnchanged(files);
        // A batch copies queued entries as they are: it refuses a file it cannot read as a queue, and leaves it unchanged.
        if (unreadable)
        {
            Assert.Contains(RepositoryProject.PendingFile, Assert.Throws<PublisherException>(() => Repo.BeginAdding().Commit()).Message);
            Assert.Equal(content, System.IO.File.ReadAllText(PendingPath));
        }
    }

    [Fact]
    public void A_missing_bin_key_stops_the_publish_before_any_file_is_written()
    {
        Repo.ConvertToHashBins(4);
        using (var batch = Repo.BeginAdding())
        {
            for (int i = 0; i < 20; i++) batch.AddTarget($"files/k-{i}.bin", File($"k-{i}", $"k {i}"), null);
            batch.Commit();
        }
        var binKey = Repo.CurrentTargets().Delegations!.Roles[^1].Keys.KeyIds.Single();
        _t.TakeOffline(binKey);
        var files = Directory.GetFiles(Repo.MetadataDir).ToDictionary(f => f, System.IO.File.ReadAllBytes);
        Assert.Contains("needs 1 signature", Assert.Throws<PublisherException>(() => Repo.Publish()).Message);
        AssertUnchanged(files);
        Assert.Equal(20, Repo.PendingTargets().Count);
    }

    private void AssertUnchanged(Dictionary<string, byte[]> files)
    {
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), Directory.GetFiles(Repo.MetadataDir).Order(StringComparer.Ordinal));
        foreach (var (file, bytes) in files) Assert.Equal(bytes, System.IO.File.ReadAllBytes(file));
    }

    public void Dispose() => _t.Dispose();
}

/// <summary>Which hash bin covers a path, from the published targets role (as the publisher routes it).</summary>
internal static class RepositoryProjectRoles
{
    public static string BinOf(RepositoryProject repo, string path)
        => repo.CurrentTargets().Delegations!.Roles.Single(d => d.PathHashPrefixes is not null && TargetPathRules.Covers(d, path)).Name;
}
