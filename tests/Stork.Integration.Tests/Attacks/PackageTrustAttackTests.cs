using System.Text.Json.Nodes;
using Stork.Client.Model;
using Stork.Client.Operations;
using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Publishing.Building;
using Stork.Publishing.Repository;

namespace Stork.Integration.Tests.Attacks;

/// <summary>
/// Attacks 13-15, from the Stork dissertation: extraneous dependencies, depends-on-everything and
/// provides-everything, made by the holder of a delegated role ("mallory"). See SPEC.md §9 for the policy.
/// </summary>
public sealed class PackageTrustAttackTests
{
    /// <summary>Delegates <paramref name="role"/> for the given package names and publishes packages in it.</summary>
    /// <param name="forgedInfo">
    /// Replaces the signed entry's header: an attacker with their own tools need not pass our builder's checks.
    /// </param>
    private static void PublishInRole(AttackLab lab, string role, string[] names, params JsonObject[] packages)
        => PublishInRole(lab, role, names, null, packages);

    private static void PublishInRole(AttackLab lab, string role, string[] names, Func<JsonObject, JsonObject>? forgedInfo, params JsonObject[] packages)
    {
        using var key = SigningKey.Generate();
        var keyFile = new KeyFiles.KeyFile(key.Public, key);
        lab.Repo.Delegate(role, [keyFile], 1, names.Select(n => $"packages/{n}/*").ToList(), null, terminating: true);
        var built = Path.Combine(lab.Directory, "built-" + role);
        foreach (var package in packages)
        {
            var name = package["name"]!.GetValue<string>();
            var source = Path.Combine(lab.Directory, "src", name);
            Directory.CreateDirectory(Path.Combine(source, "usr", "share", name));
            File.WriteAllText(Path.Combine(source, "usr", "share", name, "README"), $"{name} from {role}\n");
            File.WriteAllText(Path.Combine(source, BuildManifest.FileName), package.ToJsonString());
            var blob = PackageBuilder.Build(source, built);
            var info = blob.Manifest.Info.ToJsonNode().AsObject();
            lab.Repo.AddPackage(blob.Path, blob.Manifest.Name, blob.Manifest.Version, forgedInfo?.Invoke(info) ?? info, role);
        }
        lab.Repo.Publish([key]);
        lab.Sync();
    }

    private static JsonObject Package(string name, JsonArray? depends = null, JsonArray? provides = null)
        => new() { ["name"] = name, ["version"] = "1.0.0", ["summary"] = name, ["depends"] = depends ?? [], ["provides"] = provides ?? [] };

    [Fact]
    public async Task Extraneous_dependency_on_a_package_from_an_untrusted_role_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        // team's tool gained a dependency on mallory's package.
        PublishInRole(lab, "mallory", ["evil-helper"], Package("evil-helper"));
        PublishInRole(lab, "team", ["tool"], Package("tool", new JsonArray(new JsonArray("evil-helper"))));

        // Trusting every role, the dependency would be pulled in.
        var plan = await lab.PlanAsync("tool");
        Assert.Contains(plan.Desired, p => p.Name == "evil-helper");

        // This host trusts only the top-level role and team.
        lab.TrustRoles("targets", "team");
        var error = await AttackAssert.Refused<RequestException>(lab, () => lab.InstallAsync("tool"));
        Assert.Contains("evil-helper", error.Message);
        Assert.DoesNotContain(lab.Installed(), p => p.Name is "tool" or "evil-helper");
    }

    [Fact]
    public async Task A_package_that_depends_on_everything_is_refused()
    {
        using var lab = new AttackLab();
        await lab.InstallAsync("hello");
        PublishInRole(lab, "mallory", ["greedy"], info =>
        {
            var everything = new JsonArray();
            for (int i = 0; i < 1100; i++) everything.Add(new JsonArray("busybox", "libdemo", "greet-data", "hello"));
            info["depends"] = everything;
            return info;
        }, Package("greedy"));
        await lab.RefreshAsync();   // the metadata itself is validly signed; the policy acts on the package index

        var error = await AttackAssert.Refused<RequestException>(lab, () => lab.InstallAsync("greedy"));
        Assert.Contains("package trust policy", error.Message);
        Assert.Contains("1100 dependency clauses", error.Message);
    }

    [Fact]
    public async Task A_package_that_provides_names_it_does_not_own_is_not_chosen()
    {
        using var lab = new AttackLab();
        PublishInRole(lab, "mallory", ["evil"], Package("evil", provides: new JsonArray("busybox 99.0.0", "greet-data 1.5.0", "libdemo 9.0.0", "virtual-shell")));

        using (var session = HostSession.Open(lab.Paths, time: lab.Clock))
        {
            var (index, _, _) = await session.RefreshAsync(CancellationToken.None);
            Assert.DoesNotContain(index.ProvidersOf("busybox"), c => c.Name == "evil");
            Assert.DoesNotContain(index.ProvidersOf("greet-data"), c => c.Name == "evil");
            Assert.Contains(index.ProvidersOf("virtual-shell"), c => c.Name == "evil");   // a name nobody owns stays usable
            Assert.Contains(index.Problems, p => p.Contains("ignoring 'provides busybox 99.0.0'") && p.Contains("mallory"));
        }
        await lab.InstallAsync("hello");
        Assert.DoesNotContain(lab.Installed(), p => p.Name == "evil");
        Assert.Contains(lab.Installed(), p => p.Name == "busybox" && p.Version == "1.35.0");
    }
}
