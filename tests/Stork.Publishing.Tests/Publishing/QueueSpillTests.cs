using System.Text.Json.Nodes;
using Stork.Format.Metadata;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Publishing;

/// <summary>
/// A batch keeps its queued entries and pending immutability checks in sorted runs spilled to scratch files
/// (<see cref="ExternalSorter{T}"/>), not in memory. With a run size of a few entries, a few hundred targets take
/// the spill path (and the fold of many runs into one): the queue must be byte for byte the one an in-memory sort
/// writes, and a refused add must still leave nothing behind.
/// </summary>
public sealed class QueueSpillTests : IDisposable
{
    private const int SmallRuns = 8;
    private readonly PublishingTestRepo _spilled = new();
    private readonly PublishingTestRepo _inMemory = new();

    private static string File(PublishingTestRepo t, string name, string content)
    {
        var path = t.Dir.Combine(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private static string PendingPath(PublishingTestRepo t) => Path.Combine(t.Project.Directory, RepositoryProject.PendingFile);

    private static string Blobs(PublishingTestRepo t)
        => string.Join("\n", Directory.GetFiles(t.Project.TargetsDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(t.Project.TargetsDir, f)).Order(StringComparer.Ordinal));

    /// <summary>The same adds into either repository: a queue on disk first, then one large batch over it.</summary>
    private static (int Queued, int Runs) AddMany(PublishingTestRepo t, int? runSize)
    {
        var repo = t.Project;
        repo.ConvertToHashBins(8);
        using (var first = repo.BeginAdding())
        {
            for (int i = 0; i < 60; i++) first.AddTarget($"files/early-{i:D3}.bin", File(t, $"early-{i}", $"early {i}"), new JsonObject { ["i"] = i });
            first.Commit();
        }
        using var batch = runSize is { } size ? repo.BeginAdding(size) : repo.BeginAdding();
        for (int i = 0; i < 400; i++)
            batch.AddTarget($"files/item-{(i * 7919) % 400:D3}.bin", File(t, $"item-{i}", $"item {i}"), new JsonObject { ["i"] = i },
                immutableLabel: $"item {i}");
        // Queued again: a path of the old queue (moved to the top-level role), a path of this batch twice (the last wins).
        for (int i = 0; i < 30; i++)
            batch.AddTarget($"files/early-{i * 2:D3}.bin", File(t, $"early-new-{i}", $"early, new {i}"), null, role: i % 3 == 0 ? RoleNames.Targets : null);
        batch.AddTarget("files/item-005.bin", File(t, "item-5-last", "item 5, last"), new JsonObject { ["last"] = true }, immutableLabel: "item 5 last");
        int queued = batch.Commit();
        return (queued, batch.RunsSpilled);
    }

    [Fact]
    public void A_batch_that_spills_sorted_runs_writes_the_queue_an_in_memory_sort_writes()
    {
        var (queuedSpilled, runs) = AddMany(_spilled, SmallRuns);
        var (queuedInMemory, runsInMemory) = AddMany(_inMemory, null);
        // More runs than one merge takes: the runs were folded into longer ones too.
        Assert.True(runs > ExternalSorter<int>.FanIn, $"only {runs} runs spilled");
        Assert.Equal(0, runsInMemory);
        Assert.Equal(430, queuedSpilled);
        Assert.Equal(queuedInMemory, queuedSpilled);
        Assert.Equal(System.IO.File.ReadAllBytes(PendingPath(_inMemory)), System.IO.File.ReadAllBytes(PendingPath(_spilled)));
        Assert.Equal(460, _spilled.Project.PendingTargets().Count);

        Assert.Equal(460, _spilled.Project.Publish().AddedTargets);
        var report = _spilled.Verify();
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        var targets = _spilled.Project.CurrentRoles().SelectMany(r => r.Metadata.Targets.Select(t => (Role: r.Name, t.Key, t.Value))).ToList();
        Assert.Equal(460, targets.Select(t => t.Key).Distinct().Count());
        var last = targets.Single(t => t.Key == "files/item-005.bin").Value;
        Assert.True(last.Custom!["last"]!.GetValue<bool>());
        Assert.Equal(RoleNames.Targets, targets.Single(t => t.Key == "files/early-000.bin").Role);
    }

    /// <summary>Queues again the package file <see cref="PublishingTestRepo.AddPackage"/> built and published.</summary>
    private static void AddPublished(PublishingTestRepo t, AddBatch batch, string name)
        => batch.AddPackage(t.Dir.Combine($"{name}-1.0.0.stork"), name, "1.0.0", TestPackages.Info(name, "1.0.0").ToJsonNode().AsObject());

    [Fact]
    public void A_refused_add_after_spilling_leaves_queue_blobs_and_metadata_as_they_were()
    {
        var t = _spilled;
        var repo = t.Project;
        repo.ConvertToHashBins(4);
        t.AddPackage("hello");
        for (int i = 0; i < 40; i++) t.AddPackage($"pkg-{i:D2}");
        repo.Publish();
        using (var queuedBefore = repo.BeginAdding())
        {
            queuedBefore.AddTarget("files/waiting.bin", File(t, "waiting", "waiting"), null);
            queuedBefore.Commit();
        }
        var queue = System.IO.File.ReadAllBytes(PendingPath(t));
        var blobs = Blobs(t);
        var metadata = Directory.GetFiles(repo.MetadataDir).ToDictionary(f => f, System.IO.File.ReadAllBytes);

        var info = TestPackages.Info("hello", "1.0.0") with { Summary = "different bytes" };
        var other = t.Dir.Combine("hello-other.stork");
        System.IO.File.WriteAllBytes(other, TestPackages.Build(info));
        using (var batch = repo.BeginAdding(SmallRuns))
        {
            for (int i = 0; i < 150; i++)
                batch.AddTarget($"files/new-{i:D3}.bin", File(t, $"new-{i}", $"new {i}"), null, immutableLabel: $"new {i}");
            // Published ones again with the same content pass; the changed one is refused at commit.
            for (int i = 0; i < 40; i++) AddPublished(t, batch, $"pkg-{i:D2}");
            batch.AddPackage(other, "hello", "1.0.0", info.ToJsonNode().AsObject());
            for (int i = 150; i < 300; i++)
                batch.AddTarget($"files/new-{i:D3}.bin", File(t, $"new-{i}", $"new {i}"), null, immutableLabel: $"new {i}");
            Assert.NotEqual(blobs, Blobs(t));
            var error = Assert.Throws<PublisherException>(() => batch.Commit());
            Assert.Contains("hello 1.0.0 is already published", error.Message);
            Assert.True(batch.RunsSpilled > 0, "no run was spilled");
        }
        Assert.Equal(queue, System.IO.File.ReadAllBytes(PendingPath(t)));
        Assert.Equal(blobs, Blobs(t));
        Assert.Equal(metadata.Keys.Order(StringComparer.Ordinal), Directory.GetFiles(repo.MetadataDir).Order(StringComparer.Ordinal));
        foreach (var (file, bytes) in metadata) Assert.Equal(bytes, System.IO.File.ReadAllBytes(file));
        Assert.Equal([RepositoryProject.PendingFile], Directory.GetFiles(repo.Directory).Select(Path.GetFileName).Where(f => f!.StartsWith("pending", StringComparison.Ordinal)));

        // The same batch without the changed package commits.
        using (var batch = repo.BeginAdding(SmallRuns))
        {
            for (int i = 0; i < 40; i++) AddPublished(t, batch, $"pkg-{i:D2}");
            batch.AddTarget("files/new-000.bin", File(t, "new-0", "new 0"), null, immutableLabel: "new 0");
            Assert.Equal(41, batch.Commit());
        }
    }

    [Theory]
    [InlineData(3, 1000)]
    [InlineData(50, 49)]
    [InlineData(2, 5000)]
    public void The_external_sort_returns_what_a_list_sort_returns(int runSize, int count)
    {
        var random = new Random(runSize * 31 + count);
        var items = Enumerable.Range(0, count).Select(i => (Key: random.Next(100), Order: i)).ToList();
        Comparison<(int Key, int Order)> compare = (a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Order.CompareTo(b.Order);
        using var sorter = new ExternalSorter<(int Key, int Order)>(_spilled.Dir.Combine("sort"), compare,
            static (w, x) => { w.Write(x.Key); w.Write(x.Order); }, static r => (r.ReadInt32(), r.ReadInt32()), runSize);
        foreach (var item in items) sorter.Add(item);
        var expected = items.ToList();
        expected.Sort(compare);
        Assert.Equal(expected, sorter.Sorted().ToList());
        // A full last run is spilled as it fills; a partial one when the sort begins (only if any run went to disk).
        Assert.Equal(count < runSize ? 0 : (count + runSize - 1) / runSize, sorter.RunsSpilled);
        Assert.False(System.IO.File.Exists(_spilled.Dir.Combine("sort")));
    }

    public void Dispose()
    {
        _spilled.Dispose();
        _inMemory.Dispose();
    }
}
