using System.Globalization;
using Stork.Client.Store;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>
/// Issue 13's kill -9 soak through the CLI: install, upgrade, remove, rollback, gc and repair on three guests, each
/// run killed at a random crash point. After every run: recover succeeds, verify is clean, the admin's config edits
/// are kept, no staging leftovers, and no store file is left without its immutable flag. CI runs 25 kills;
/// bench/soak/kill9-soak.sh runs the same loop with STORK_SOAK_KILLS=200 (or more) and prints the counts.
/// </summary>
public sealed class KillSoakTests(PublishedRepository repo) : IClassFixture<PublishedRepository>
{
    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("STORK_SOAK_KILLS"), out var n) && n > 0 ? n : 25;

    [Fact]
    public void Kill_9_soak_over_install_upgrade_remove_rollback_gc_and_repair_always_recovers_clean()
    {
        if (Environment.UserName != "root") Assert.Fail("the soak checks chattr +i on store files; the suite runs as root");
        var guests = new[] { "a", "b", "c" };
        using var host = new TestHost();
        PublishedRepository.Expect(host.Get("init", "--repo", repo.Nginx.BaseUrl.ToString(), "--root", repo.RootFile), "init");
        foreach (var g in guests)
        {
            PublishedRepository.Expect(host.Get("guest", "add", g, "--root", host.GuestRoot(g)), "guest add");
            PublishedRepository.Expect(host.Get("install", "--guest", g, "greet-data"), "install greet-data");
            File.WriteAllText(Path.Combine(host.GuestRoot(g), "etc/greet.conf"), $"greeting=Edited by {g}\n");
        }
        var cycle = new[]
        {
            new[] { "install", "hello=1.0.0" }, ["install", "hello=2.0.0-beta.1"], ["rollback"], ["repair"],
            ["remove", "hello"], ["gc", "--keep-generations", "3"],
        };
        var seed = Environment.GetEnvironmentVariable("STORK_CRASH_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 20261130;
        var random = new Random(seed);
        var next = guests.ToDictionary(g => g, _ => 0);
        int killed = 0, runs = 0, recoverFailures = 0, verifyFailures = 0, lostEdits = 0, mutable = 0;
        var problems = new List<string>();
        var started = DateTime.UtcNow;
        while (killed < Kills && runs < Kills * 6)
        {
            runs++;
            var guest = guests[random.Next(guests.Length)];
            var op = cycle[next[guest]++ % cycle.Length];
            string[] args = op[0] == "gc" ? op : op[0] == "repair" ? ["repair", "--guest", guest] : [op[0], "--guest", guest, .. op[1..]];
            var run = StoreCli.Run(host, new Dictionary<string, string> { ["STORK_CRASH_AFTER"] = random.Next(1, 24).ToString(CultureInfo.InvariantCulture) }, args);
            if (run.ExitCode == 137) killed++;
            else if (run.ExitCode is not (0 or 5 or 6)) problems.Add($"run {runs}: {string.Join(' ', args)}: {run}"); // 5/6: nothing to roll back or remove

            var recover = host.Get("recover");
            if (recover.ExitCode != 0) { recoverFailures++; problems.Add($"recover after run {runs}: {recover}"); }
            var verify = host.Get("verify");
            if (verify.ExitCode != 0) { verifyFailures++; problems.Add($"verify after run {runs} ({string.Join(' ', args)}): {verify}"); }
            foreach (var g in guests)
            {
                if (File.ReadAllText(Path.Combine(host.GuestRoot(g), "etc/greet.conf")) != $"greeting=Edited by {g}\n") { lostEdits++; problems.Add($"{g}: config edit lost after run {runs}"); }
                if (Directory.EnumerateFileSystemEntries(host.GuestRoot(g), ".stork-*", SearchOption.AllDirectories).Any()) problems.Add($"{g}: staging leftovers after run {runs}");
            }
            var loose = Directory.EnumerateFiles(Path.Combine(host.Home, "state", "store", "files"), "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) != "tmp" && Native.LStat(f) is { IsImmutable: false }).ToList();
            if (loose.Count > 0) { mutable += loose.Count; problems.Add($"{loose.Count} mutable store file(s) after run {runs} + recover"); }
            if (problems.Count > 0) break;
        }
        Console.WriteLine($"kill -9 soak (seed {seed}): {runs} runs, {killed} killed, {recoverFailures} failed recoveries, {verifyFailures} verify failures, " +
                          $"{lostEdits} lost config edits, {mutable} mutable store files, {(DateTime.UtcNow - started).TotalSeconds:0}s");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(killed >= Kills, $"only {killed} of {runs} runs were killed");
    }
}
