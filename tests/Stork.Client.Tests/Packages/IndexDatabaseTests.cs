using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Data.Sqlite;
using Stork.Client.Packages;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tests.Packages;

/// <summary>
/// The cache database answers every lookup exactly as the index it was written from: names, versions in order,
/// targets, custom data, dependency headers, provides the trust policy refused, providers, search, problems; an
/// update of the changed roles' rows writes exactly the rows of a full build; a damaged row is refused when read.
/// </summary>
public sealed class IndexDatabaseTests
{
    private static readonly string[] NamePool = ["alpha", "beta", "gamma", "delta", "libfoo", "libbar"];
    private static readonly string[] Roles = ["targets", "bin-0", "bin-1"];

    private static readonly Gen<string> Names = Gen.OneOfConst(NamePool);
    private static readonly Gen<string> Versions = Gen.OneOfConst("1.0.0", "1.2.0", "2.0.0-rc.1", "2.0.0", "10.1.3+build.7", "not-a-version");

    private static readonly Gen<FoundTarget> Targets =
        Gen.Select(Names, Versions, Gen.OneOfConst(Roles), Names.Array[0, 3], Names.Array[0, 2], Names.Array[0, 3], Gen.Int[0, 5], Gen.Bool,
            (name, version, role, depends, conflicts, provides, n, hasPackage) =>
            {
                var info = new JsonObject { ["name"] = name, ["version"] = version };
                if (n != 0) info["summary"] = $"summary {n} of {name} é";
                info["depends"] = new JsonArray(depends.Select(d => (JsonNode)new JsonArray(d, $"{d}x [1.0.0,)")).ToArray());
                info["conflicts"] = new JsonArray(conflicts.Select(c => (JsonNode)JsonValue.Create(c)).ToArray());
                info["provides"] = new JsonArray(provides.Select((p, i) => (JsonNode)JsonValue.Create(i == 0 ? p : $"{p} 1.{i}.0")).ToArray());
                var custom = hasPackage ? new JsonObject { ["stork"] = info, ["stork_installed_size"] = 1000L * n } : new JsonObject { ["other"] = n };
                var hashes = new Dictionary<string, string> { ["sha256"] = $"{name}{version}{role}{n}", ["sha512"] = "x" };
                return new FoundTarget($"packages/{name}/{name}_{version}_{n}.stork", new TargetFile(100 + n, hashes, custom), role);
            });

    private static string TempFile() => Path.Combine(Directory.CreateTempSubdirectory("stork-index-db-").FullName, "index.db");

    private static void Write(string file, PackageIndex index, string key = "key")
    {
        using var database = IndexDatabase.OpenForWriting(file);
        database.WriteFull(key, "base", index, index.ProblemsByPath, [], DateTimeOffset.UnixEpoch.AddDays(1));
    }

    /// <summary>The index as a command reads it from the cache database.</summary>
    private static PackageIndex Read(string file)
    {
        var database = IndexDatabase.OpenForReading(file)!;
        return new PackageIndex(database, database.ReadMeta()!.Names, database.ReadProblems());
    }

    private static List<string> Rows(string file)
    {
        using var database = IndexDatabase.OpenForReading(file)!;
        return database.Rows();
    }

    private static void Delete(string file)
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(file)!, true);
    }

    private static string Describe(PackageEntry e)
        => $"{e.TargetPath}|{e.Role}|{e.Target.Length}|{string.Join(",", e.Target.Hashes.OrderBy(h => h.Key).Select(h => $"{h.Key}={h.Value}"))}|"
           + $"{e.Target.Custom?.ToJsonString()}|{e.Candidate}|{e.Summary}|"
           + $"{string.Join(";", e.Candidate.Depends.Select(c => string.Join("/", c)))}|{string.Join(";", e.Candidate.Conflicts)}|{string.Join(";", e.Candidate.Provides)}";

    private static void AssertSame(PackageIndex expected, PackageIndex actual)
    {
        Assert.Equal(expected.Names.Order(StringComparer.Ordinal), actual.Names.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Problems, actual.Problems);
        foreach (var name in NamePool.Concat(["missing"]))
        {
            Assert.Equal(expected.VersionsOf(name).Select(Describe), actual.VersionsOf(name).Select(Describe));
            Assert.Equal(expected.CandidatesNamed(name).Select(c => c.ToString()), actual.CandidatesNamed(name).Select(c => c.ToString()));
            Assert.Equal(expected.ProvidersOf(name).Select(c => $"{c} {string.Join(";", c.Provides)}"), actual.ProvidersOf(name).Select(c => $"{c} {string.Join(";", c.Provides)}"));
            Assert.Equal(expected.Find(name, "2.0.0") is { } f ? Describe(f) : null, actual.Find(name, "2.0.0") is { } g ? Describe(g) : null);
        }
        foreach (var text in new[] { "", "a", "LIB", "summary 3", "é", "zzz" })
            Assert.Equal(expected.Search(text).Select(Describe), actual.Search(text).Select(Describe));
    }

    [Fact]
    public void A_cached_index_answers_every_lookup_like_the_index_it_was_written_from()
        => Targets.Array[0, 30].Sample(generated =>
        {
            // One entry per path, as the delegation search returns them (the order of providers follows the paths).
            var found = generated.DistinctBy(t => t.Path).ToList();
            var policy = new PackageTrustPolicy(MaxDependClauses: 2);
            var built = new PackageIndex(found, policy);
            var file = TempFile();
            try
            {
                Write(file, built);
                var read = Read(file);
                AssertSame(built, read);
                Assert.Equal(built.Names.Count, read.NameCount);
            }
            finally { Delete(file); }
        }, iter: 150);

    [Fact]
    public void An_index_updated_for_changed_roles_equals_one_built_from_all_roles()
        => Gen.Select(Targets.Array[0, 25], Targets.Array[0, 12], Gen.OneOfConst(Roles).Array[1, 2]).Sample((before, replacements, changedRoles) =>
        {
            // Each path listed once (the search answers one role per path); the changed roles' listings replaced.
            var changed = changedRoles.ToHashSet();
            var old = before.DistinctBy(t => t.Path).ToList();
            var now = old.Where(t => !changed.Contains(t.Role))
                .Concat(replacements.Where(t => changed.Contains(t.Role))).DistinctBy(t => t.Path).ToList();
            var affected = old.Concat(now).Where(t => changed.Contains(t.Role)).Select(t => t.Path).ToHashSet(StringComparer.Ordinal);
            var policy = new PackageTrustPolicy(MaxDependClauses: 2);
            string updatedFile = TempFile(), fullFile = TempFile();
            try
            {
                Write(updatedFile, new PackageIndex(old, policy), "old");
                using (var database = IndexDatabase.OpenForWriting(updatedFile))
                    Assert.True(database.ApplyUpdate("old", "key", affected, now.Where(t => affected.Contains(t.Path)), policy, [], DateTimeOffset.UnixEpoch.AddDays(1)));
                var full = new PackageIndex(now, policy);
                Write(fullFile, full);
                AssertSame(full, Read(updatedFile));
                // Row for row what a full build writes (each row's check value included).
                Assert.Equal(Rows(fullFile), Rows(updatedFile));
                // An update is for the key it was computed from only.
                using (var database = IndexDatabase.OpenForWriting(updatedFile))
                    Assert.False(database.ApplyUpdate("old", "again", affected, [], policy, [], DateTimeOffset.UnixEpoch.AddDays(1)));
            }
            finally { Delete(updatedFile); Delete(fullFile); }
        }, iter: 150);

    [Fact]
    public void Provides_the_policy_refused_stay_refused_in_the_compact_index()
    {
        static FoundTarget Target(string name, string role, params string[] provides) => new(
            $"packages/{name}.stork",
            new TargetFile(1, new Dictionary<string, string> { ["sha256"] = name }, new JsonObject
            {
                ["stork"] = new JsonObject { ["name"] = name, ["version"] = "1.0.0", ["provides"] = new JsonArray(provides.Select(p => (JsonNode)JsonValue.Create(p)).ToArray()) },
            }),
            role);
        var built = new PackageIndex([Target("libc", "bin-0"), Target("evil", "bin-1", "libc", "mail-transport", "libc 2.0.0")]);
        Assert.Equal(["mail-transport"], built.VersionsOf("evil").Single().Candidate.Provides.Select(p => p.ToString()));
        var file = TempFile();
        Write(file, built);
        var compact = Read(file);
        AssertSame(built, compact);
        Assert.Equal(["evil"], compact.ProvidersOf("mail-transport").Select(c => c.Name));
        Assert.Empty(compact.ProvidersOf("libc"));
        Delete(file);
    }

    [Fact]
    public void A_reader_keeps_the_snapshot_it_opened_while_an_update_writes_the_next()
    {
        static FoundTarget Target(string name, string version) => new(
            $"packages/{name}_{version}.stork",
            new TargetFile(1, new Dictionary<string, string> { ["sha256"] = name + version },
                new JsonObject { ["stork"] = new JsonObject { ["name"] = name, ["version"] = version } }),
            "bin-0");
        var file = TempFile();
        try
        {
            Write(file, new PackageIndex([Target("a", "1.0.0")]), "old");
            var reader = Read(file);
            using (var database = IndexDatabase.OpenForWriting(file))
                Assert.True(database.ApplyUpdate("old", "new", new HashSet<string> { "packages/a_2.0.0.stork", "packages/b_1.0.0.stork" },
                    [Target("a", "2.0.0"), Target("b", "1.0.0")], PackageTrustPolicy.Default, [], DateTimeOffset.UnixEpoch.AddDays(1)));
            // The reader opened before the update: every lookup answers from the old snapshot, consistently.
            Assert.Equal(["1.0.0"], reader.VersionsOf("a").Select(e => e.Version));
            Assert.Empty(reader.VersionsOf("b"));
            Assert.Equal(["a"], reader.Search("").Select(e => e.Name));
            // A reader opened after it sees the new one.
            var after = Read(file);
            Assert.Equal(["2.0.0", "1.0.0"], after.VersionsOf("a").Select(e => e.Version));
            Assert.Equal(["a", "b"], after.Search("").Select(e => e.Name));
            Assert.Equal(2, after.NameCount);
        }
        finally { Delete(file); }
    }

    [Fact]
    public void A_damaged_or_missing_row_is_refused_when_a_lookup_reads_it()
    {
        static FoundTarget Target(string name, string version, params string[] provides) => new(
            $"packages/{name}_{version}.stork",
            new TargetFile(1, new Dictionary<string, string> { ["sha256"] = name + version }, new JsonObject
            {
                ["stork"] = new JsonObject
                {
                    ["name"] = name,
                    ["version"] = version,
                    ["summary"] = $"{name} summary",
                    ["provides"] = new JsonArray(provides.Select(p => (JsonNode)JsonValue.Create(p)).ToArray())
                },
            }),
            "targets");
        var built = new PackageIndex([Target("a", "1.0.0"), Target("a", "2.0.0"), Target("b", "1.0.0", "virtual"), Target("c", "1.0.0")]);
        var file = TempFile();
        var cases = new (string Sql, Action<PackageIndex> Lookup)[]
        {
            ("UPDATE entries SET data = data || x'00' WHERE path = 'packages/a_2.0.0.stork'", i => i.VersionsOf("a")),
            ("UPDATE entries SET role = 'bin-0' WHERE path = 'packages/a_1.0.0.stork'", i => i.VersionsOf("a")),
            ("DELETE FROM entries WHERE path = 'packages/a_1.0.0.stork'", i => i.VersionsOf("a")),
            ("UPDATE names SET summary = 'other' WHERE name = 'c'", i => i.Search("")),
            ("UPDATE names SET count = 2 WHERE name = 'c'", i => i.VersionsOf("c")),
            ("DELETE FROM provides WHERE name = 'virtual'", i => i.ProvidersOf("virtual")),
            ("UPDATE provides SET path = 'packages/c_1.0.0.stork' WHERE name = 'virtual'", i => i.ProvidersOf("virtual")),
            ("DROP TABLE names", i => i.Search("a")),
        };
        try
        {
            foreach (var (sql, lookup) in cases)
            {
                Write(file, built);
                Assert.Equal(["a", "b", "c"], Read(file).Search("summary").Select(e => e.Name));
                IndexCacheFiles.Sql(file, sql);
                var index = Read(file);
                Assert.Throws<InvalidDataException>(() => lookup(index));
                // The rows it does not read still answer.
                if (!sql.StartsWith("DROP", StringComparison.Ordinal)) Assert.Equal("1.0.0", index.VersionsOf("b").Single().Version);
            }
            // The meta row: a cache whose meta row does not check is not opened; nor is a file that is no database.
            Write(file, built);
            IndexCacheFiles.Sql(file, "UPDATE meta SET names = 7");
            using (var database = IndexDatabase.OpenForReading(file)!) Assert.Throws<InvalidDataException>(() => database.ReadMeta());
            IndexCacheFiles.Restore(file, new() { [""] = "not a database, not at all"u8.ToArray() });
            using (var database = IndexDatabase.OpenForReading(file)!) Assert.Throws<InvalidDataException>(() => database.ReadMeta());
            // Writing replaces it.
            Write(file, built);
            Assert.Equal(3, Read(file).NameCount);
        }
        finally { Delete(file); }
    }
}
