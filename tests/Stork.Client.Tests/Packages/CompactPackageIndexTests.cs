using System.Text.Json.Nodes;
using CsCheck;
using Stork.Client.Packages;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Tests.Packages;

/// <summary>
/// The compact cache format answers every lookup exactly as the index it was written from: names, versions in
/// order, targets, custom data, dependency headers, provides the trust policy refused, providers, search, problems.
/// </summary>
public sealed class CompactPackageIndexTests
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

    private static PackageIndex RoundTrip(PackageIndex index)
        => new(CompactPackageIndex.Open([0, 1, 2, .. CompactPackageIndex.Write(index)], 3), index.ProblemsByPath);

    /// <summary>Through a file read block by block (<see cref="VerifiedBlockFile"/>), as the cache reads it.</summary>
    private static PackageIndex RoundTripFile(PackageIndex index)
    {
        var body = CompactPackageIndex.Write(index);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, [.. "head"u8, .. body]);
            var handle = File.OpenHandle(file);
            var compact = CompactPackageIndex.Open(new VerifiedBlockFile(handle, 4, body.Length, VerifiedBlockFile.TableOf(body)));
            return new PackageIndex(compact, index.ProblemsByPath);
        }
        finally { File.Delete(file); }
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
    public void A_compact_index_answers_every_lookup_like_the_index_it_was_written_from()
        => Targets.Array[0, 30].Sample(generated =>
        {
            // One entry per path, as the delegation search returns them (the order of providers follows the paths).
            var found = generated.DistinctBy(t => t.Path).ToList();
            var policy = new PackageTrustPolicy(MaxDependClauses: 2);
            var built = new PackageIndex(found, policy);
            AssertSame(built, RoundTrip(built));
            AssertSame(built, RoundTripFile(built));
        }, iter: 300);

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
            var built = new PackageIndex(old, policy);
            var compact = CompactPackageIndex.Open(CompactPackageIndex.Write(built), 0);
            var (body, problems) = PackageIndexMerge.Merge(compact, built.ProblemsByPath, affected, now.Where(t => affected.Contains(t.Path)), policy);
            var full = new PackageIndex(now, policy);
            var merged = new PackageIndex(CompactPackageIndex.Open(body, 0), problems);
            AssertSame(full, merged);
            Assert.Equal(CompactPackageIndex.Write(full), body);
        }, iter: 300);

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
        var compact = RoundTrip(built);
        AssertSame(built, compact);
        Assert.Equal(["evil"], compact.ProvidersOf("mail-transport").Select(c => c.Name));
        Assert.Empty(compact.ProvidersOf("libc"));
    }

    [Fact]
    public void Malformed_compact_bytes_are_refused_when_opened()
    {
        var built = new PackageIndex([new FoundTarget("packages/a.stork", new TargetFile(1, new Dictionary<string, string> { ["sha256"] = "a" },
            new JsonObject { ["stork"] = new JsonObject { ["name"] = "a", ["version"] = "1.0.0" } }), "targets")]);
        var bytes = CompactPackageIndex.Write(built);
        Assert.Throws<InvalidDataException>(() => CompactPackageIndex.Open(bytes[..10], 0));
        Assert.Throws<InvalidDataException>(() => CompactPackageIndex.Open([0xff, 0xff, 0xff, 0x7f, .. bytes[4..]], 0));
        Assert.Throws<InvalidDataException>(() => CompactPackageIndex.Open([1, 0, 0, 0, 2, 0, 0, 0, .. bytes[8..]], 0));

        // Records are checked when a lookup reads them: a name record whose count runs past the entries.
        var badCount = bytes.ToArray();
        badCount[24 + 8] = 5;
        var index = new PackageIndex(CompactPackageIndex.Open(badCount, 0), []);
        Assert.Throws<InvalidDataException>(() => index.VersionsOf("a"));
        Assert.Empty(index.VersionsOf("b"));
    }

    [Fact]
    public void A_lookup_reads_through_checked_blocks_and_refuses_a_damaged_one()
    {
        var bytes = new byte[8 * VerifiedBlockFile.BlockSize + 1000];
        new Random(17).NextBytes(bytes);
        var table = VerifiedBlockFile.TableOf(bytes);
        var file = Path.GetTempFileName();
        try
        {
            var damaged = bytes.ToArray();
            damaged[2 * VerifiedBlockFile.BlockSize + 5] ^= 1;
            File.WriteAllBytes(file, [.. "xy"u8, .. damaged]);
            using var handle = File.OpenHandle(file);
            var blocks = new VerifiedBlockFile(handle, 2, bytes.Length, table);
            // Within a block, across blocks, the short last block, empty: the same bytes as written.
            // A long range (read in one go) after the damaged block.
            int block = VerifiedBlockFile.BlockSize;
            foreach (var (at, length) in new[] { (0L, 10), (block - 3L, 10), (bytes.Length - 1000L, 1000), (5L, 0), (100L, block + 50), (3L * block + 7, bytes.Length - 3 * block - 7) })
                Assert.Equal(bytes.AsSpan((int)at, length).ToArray(), blocks.Read(at, length).ToArray());
            // Any read that touches the damaged block is refused; the others still work.
            Assert.Throws<InvalidDataException>(() => blocks.Read(2L * VerifiedBlockFile.BlockSize + 100, 4).ToArray());
            Assert.Throws<InvalidDataException>(() => blocks.Read(2L * VerifiedBlockFile.BlockSize - 2, 4).ToArray());
            Assert.Throws<InvalidDataException>(() => blocks.Read(bytes.Length - 2, 4).ToArray());
            Assert.Throws<InvalidDataException>(() => blocks.Read(0, bytes.Length).ToArray());
            Assert.Throws<InvalidDataException>(() => blocks.Read(block, 6 * block).ToArray());
            Assert.Equal(bytes[..4], blocks.Read(0, 4).ToArray());
            Assert.Throws<InvalidDataException>(() => new VerifiedBlockFile(handle, 2, bytes.Length + VerifiedBlockFile.BlockSize, table));
        }
        finally { File.Delete(file); }
    }
}
