using CsCheck;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Format.Tests.Trust;

/// <summary>The prefix index used for long delegation lists (hash bins) picks exactly what a linear scan picks.</summary>
public class DelegationIndexTests
{
    private static IReadOnlyList<DelegatedRole> Linear(Delegations d, string path, string hash)
    {
        var result = new List<DelegatedRole>();
        foreach (var role in d.Roles)
        {
            if (!DelegationPaths.IsDelegated(role, path, hash)) continue;
            result.Add(role);
            if (role.Terminating) break;
        }
        return result;
    }

    private static readonly Gen<DelegatedRole> GenRole =
        Gen.Select(Gen.Int[0, 1000], Gen.Bool, Gen.Int[0, 9], Gen.String[Gen.Char["0123456789abcdef"], 0, 3].Array[1, 3], Gen.OneOfConst("*", "a/*", "b/?", "c"))
            .Select((n, terminating, kind, prefixes, pattern) => new DelegatedRole($"r{n}", new RoleKeys(["k"], 1), terminating && kind == 0,
                kind < 2 ? [pattern] : null, kind < 2 ? null : prefixes));

    [Fact]
    public void Indexed_matching_equals_a_linear_scan()
    {
        Gen.Select(GenRole.List[16, 80], Gen.OneOfConst("a/x", "b/y", "c", "d/e/f", "pkg-1", "pkg-2", "zz"))
            .Sample((roles, path) =>
            {
                var distinct = roles.DistinctBy(r => r.Name).ToList();
                var d = new Delegations(new Dictionary<string, Stork.Format.Crypto.PublicKey>(), distinct);
                var hash = DelegationPaths.PathHash(path);
                Assert.Equal(Linear(d, path, hash).Select(r => r.Name), DelegationPaths.MatchingRoles(d, path, hash).Select(r => r.Name));
            }, iter: 2000);
    }
}
