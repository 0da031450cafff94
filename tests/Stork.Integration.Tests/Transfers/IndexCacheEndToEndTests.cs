using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Stork.Format.Metadata;
using Stork.Integration.Tests.Support;
using Stork.Publishing.Repository;

namespace Stork.Integration.Tests.Transfers;

/// <summary>
/// stork-get with the package index cached per verified snapshot: with an unchanged snapshot the hash bins are not
/// read at all; without the cache they are loaded and verified again (a missing copy is an error offline and is
/// fetched again by refresh); a new snapshot is never answered from the old cache.
/// </summary>
public sealed class IndexCacheEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stork-index-e2e-").FullName;

    private void Add(RepositoryProject project, string name)
    {
        var blob = Path.Combine(_dir, name);
        File.WriteAllText(blob, name);
        var info = new JsonObject { ["name"] = name, ["version"] = "1.0.0", ["summary"] = $"{name} package" };
        project.AddTarget(RepositoryLayout.PackageTarget(name, "1.0.0"), blob, new JsonObject { ["stork"] = info });
        project.Publish();
    }

    [Fact]
    public void Search_and_refresh_use_the_cache_for_the_same_snapshot_only()
    {
        var project = RepositoryProject.Init(Path.Combine(_dir, "repo"), TimeProvider.System);
        project.ConvertToHashBins(16);
        Add(project, "hello");
        using var nginx = new NginxServer(project.PublicDir);
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", nginx.BaseUrl.ToString(), "--root", Path.Combine(project.MetadataDir, "1.root.json")), "init");

        var first = host.Get("refresh", "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        // timestamp, snapshot, targets and the 16 bins (the N+1 root probe comes on top).
        var requests = JsonNode.Parse(first.Stdout)!["requests"]!.GetValue<int>();
        Assert.True(requests >= 19, first.Stdout);

        // The bins the host stored are not needed while the snapshot is the cached one.
        var metadata = Path.Combine(host.Home, "state", "metadata");
        var bins = Directory.GetFiles(metadata, "bins-*.json");
        Assert.Equal(16, bins.Length);
        foreach (var bin in bins) File.Move(bin, bin + ".away");
        var search = host.Get("search", "hello");
        Assert.True(search.ExitCode == 0, search.ToString());
        Assert.Contains("hello", search.Stdout);
        // A refresh with nothing new reports the package count from the cache's header, without the bins either.
        var noop = host.Get("refresh", "--json");
        Assert.True(noop.ExitCode == 0, noop.ToString());
        Assert.Equal(1, JsonNode.Parse(noop.Stdout)!["packages"]!.GetValue<int>());
        foreach (var bin in bins) File.Move(bin + ".away", bin);

        // A damaged cache is ignored and rebuilt from the verified roles, never trusted: a changed name row for search
        // (its check value no longer matches), a changed entry row, ...
        var cache = Path.Combine(host.Home, "state", "package-index.db");
        foreach (var damage in new[] { "UPDATE names SET summary = 'changed'", "UPDATE entries SET data = data || x'00'" })
        {
            Sql(cache, damage);
            var researched = host.Get("search", "hello");
            Assert.True(researched.ExitCode == 0, researched.ToString());
            Assert.Contains("hello", researched.Stdout);
            Assert.Equal("hello package", Sql(cache, "SELECT summary FROM names"));
        }
        // ... and a changed problem row for refresh (it reads only the meta row and the problems). A refresh with nothing
        // new first answers from its stored report, whose chain still holds, without opening the index: nothing made up.
        Sql(cache, "INSERT INTO problems(path, seq, text, sum) VALUES ('x', 0, 'made up', x'00')");
        var summarized = host.Get("refresh", "--json");
        Assert.True(summarized.ExitCode == 0, summarized.ToString());
        Assert.Equal(1, JsonNode.Parse(summarized.Stdout)!["packages"]!.GetValue<int>());
        Assert.DoesNotContain("made up", summarized.Stderr);
        // Without that report (here: damaged), the refresh reads the index's problems, refuses the damaged row and rebuilds.
        var report = Path.Combine(host.Home, "state", "package-index.summary");
        Assert.True(File.Exists(report), "no stored refresh report");
        File.WriteAllText(report, "damaged");
        var rebuilt = host.Get("refresh", "--json");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Equal(1, JsonNode.Parse(rebuilt.Stdout)!["packages"]!.GetValue<int>());
        Assert.Equal(0L, Sql(cache, "SELECT count(*) FROM problems"));
        foreach (var bin in bins) File.Move(bin, bin + ".away");

        // Without the cache every role is loaded and verified again: offline, a missing copy is a local error.
        foreach (var file in Directory.GetFiles(Path.Combine(host.Home, "state"), "package-index.db*")) File.Delete(file);
        var offline = host.Get("search", "hello");
        Assert.Equal(7, offline.ExitCode);
        Assert.Contains("bins-", offline.Stderr);
        // refresh fetches the missing bins again (and writes the cache back).
        var again = host.Get("refresh", "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.True(JsonNode.Parse(again.Stdout)!["requests"]!.GetValue<int>() >= 17, again.Stdout);
        Assert.True(File.Exists(cache));

        // A new snapshot is not served from the old cache.
        Add(project, "other");
        var changed = host.Get("refresh", "--json");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("\"changed\":true", changed.Stdout);
        var found = host.Get("search", "other");
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains("other", found.Stdout);
    }

    /// <summary>SQL on the host's index cache database from outside (damage, or a look at what it holds).</summary>
    private static object? Sql(string file, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
