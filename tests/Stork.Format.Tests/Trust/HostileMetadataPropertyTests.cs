using CsCheck;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;
using static Stork.Format.Tests.Trust.HandMadeRepository;

namespace Stork.Format.Tests.Trust;

/// <summary>
/// Mutations of valid signed metadata (bit flips, inserted/deleted bytes, truncation, hostile snippets such as
/// duplicate keys, lone surrogates, 1e400, 2.0, 29-digit numbers, invalid UTF-8, deep nesting) fed to every
/// verification step. Asserts: only <see cref="RepositoryException"/>s, never another exception; a failed step leaves
/// the trusted metadata as it was; a step that succeeds accepted exactly the original signed content.
/// Case count: STORK_FUZZ_CASES (default 2000 in CI; the nightly-sized run uses 100000).
/// </summary>
public sealed class HostileMetadataPropertyTests : IDisposable
{
    private static readonly long Cases = long.TryParse(Environment.GetEnvironmentVariable("STORK_FUZZ_CASES"), out var n) && n > 0 ? n : 2000;

    private readonly HandMadeRepository _repo = new();

    public HostileMetadataPropertyTests()
    {
        var bin = _repo.NewKey();
        var pathKey = _repo.NewKey();
        _repo.Role(RoleNames.Targets, new Dictionary<string, TargetFile> { ["top"] = Target("top") }, DelegationsOf(
            (Delegation("bin-0", [bin], prefixes: ["0", "1", "2", "3", "4", "5", "6", "7"]), [bin]),
            (Delegation("paths", [pathKey], terminating: true, paths: ["pkg/*"]), [pathKey])));
        _repo.Role("bin-0", new Dictionary<string, TargetFile> { ["a"] = Target("a"), ["b/c"] = Target("bc") }, null, bin);
        _repo.Role("paths", new Dictionary<string, TargetFile> { ["pkg/x"] = Target("x") }, null, pathKey);
    }

    private static readonly string[] Snippets =
    [
        "1e400", "2.0", "-0", "12345678901234567890123456789", "\"\\ud800\"", "\"\\udfff\"", "\"\\u0000\"", "null", "true", "[]", "{}",
        "\"_type\":\"root\",", "\"version\":1,", "\"signed\":{},", "\"keyid\":\"00\",", ",", ":", "\"", "\\", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "\u00ff", "\u00e9", "\"sha256\":\"00\",", "\"length\":-1,", "\"threshold\":0,", "\"expires\":\"9999-99-99T99:99:99Z\",",
    ];

    /// <summary>One mutation: kind, relative position (0..1), and a byte or snippet.</summary>
    private static readonly Gen<(int Kind, double At, int Byte, int Snippet, int Count)> GenMutation =
        JsonByteMutations.Over(Snippets);

    private static byte[] Mutate(byte[] bytes, (int Kind, double At, int Byte, int Snippet, int Count) m)
        => JsonByteMutations.Apply(bytes, m, Snippets);

    private enum Step { Root, Timestamp, Snapshot, Targets, Bin, Paths }

    [Fact]
    public void Mutated_metadata_is_a_repository_error_or_the_same_signed_content()
    {
        var baseline = _repo.LoadTopLevel();
        var originals = new Dictionary<Step, byte[]>
        {
            [Step.Targets] = _repo.Files[RoleNames.Targets],
            [Step.Bin] = _repo.Files["bin-0"],
            [Step.Paths] = _repo.Files["paths"],
        };
        // The top-level files the hand-made repository signed: recover them from a fresh load.
        var (root, timestamp, snapshot) = _repo.TopLevelBytes();
        originals[Step.Root] = root;
        originals[Step.Timestamp] = timestamp;
        originals[Step.Snapshot] = snapshot;
        int accepted = 0, refused = 0;

        Gen.Select(Gen.Enum<Step>(), GenMutation.Array[1, 3]).Sample((step, mutations) =>
        {
            var bytes = mutations.Aggregate(originals[step], Mutate);
            var t = StateBefore(step, root, timestamp, snapshot);
            var before = (t?.Root, t?.Timestamp, t?.Snapshot, t?.Targets, t is null ? null : t.TargetsOf("bin-0", RoleNames.Targets));
            try
            {
                Apply(step, t, bytes);
                accepted++;
                // Accepted: the canonical signed content must be exactly the original's.
                var original = SignedEnvelope.Parse(originals[step], "original").CanonicalSigned();
                Assert.Equal(original, SignedEnvelope.Parse(bytes, "mutated").CanonicalSigned());
            }
            catch (RepositoryException)
            {
                refused++;
                if (t is not null)
                    Assert.Equal(before, (t.Root, t.Timestamp, t.Snapshot, t.Targets, t.TargetsOf("bin-0", RoleNames.Targets)));
            }
            // Any other exception type fails the property (CsCheck reports the shrunk case).
        }, iter: Cases, threads: 1);

        Assert.True(refused > Cases / 2, $"most mutations must be refused ({refused} refused, {accepted} accepted)");
        Assert.NotNull(baseline.Targets);
    }

    private TrustedMetadata? StateBefore(Step step, byte[] root, byte[] timestamp, byte[] snapshot)
    {
        if (step == Step.Root) return null;
        var t = new TrustedMetadata(root, Now);
        t.FinishRootUpdate();
        if (step == Step.Timestamp) return t;
        t.UpdateTimestamp(timestamp);
        if (step == Step.Snapshot) return t;
        t.UpdateSnapshot(snapshot);
        if (step == Step.Targets) return t;
        t.UpdateTargets(_repo.Files[RoleNames.Targets]);
        return t;
    }

    private static bool Apply(Step step, TrustedMetadata? t, byte[] bytes)
    {
        switch (step)
        {
            case Step.Root: _ = new TrustedMetadata(bytes, Now); return true;
            case Step.Timestamp: return t!.UpdateTimestamp(bytes);
            case Step.Snapshot: t!.UpdateSnapshot(bytes); return true;
            case Step.Targets: t!.UpdateTargets(bytes); return true;
            case Step.Bin: t!.UpdateDelegatedTargets(bytes, "bin-0", RoleNames.Targets); return true;
            default: t!.UpdateDelegatedTargets(bytes, "paths", RoleNames.Targets); return true;
        }
    }

    public void Dispose() => _repo.Dispose();
}
