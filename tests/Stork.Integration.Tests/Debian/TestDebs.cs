using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>Small Debian packages built by a test (dpkg-deb -b), imported with import-deb and published into the shared repository.</summary>
internal static class TestDebs
{
    /// <summary>
    /// Builds NAME_VERSION.deb from (path → content) files, an optional postinst and Depends, other maintainer scripts
    /// (name → text) and conffiles (paths of files given); returns its path.
    /// </summary>
    public static string Build(TestHost host, string name, string version, Dictionary<string, string> files, string? postinst, string? depends = null,
        Dictionary<string, string>? scripts = null, string[]? conffiles = null)
    {
        var tree = Path.Combine(host.Directory, $"{name}-{version}-tree");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        File.WriteAllText(Path.Combine(tree, "DEBIAN", "control"),
            $"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: Stork Tests <tests@example.org>\n" +
            (depends is null ? "" : $"Depends: {depends}\n") + "Description: test package\n");
        var all = new Dictionary<string, string>(scripts ?? []);
        if (postinst is not null) all["postinst"] = postinst;
        foreach (var (member, text) in all)
        {
            var script = Path.Combine(tree, "DEBIAN", member);
            File.WriteAllText(script, text.ReplaceLineEndings("\n") + "\n");
            File.SetUnixFileMode(script, (UnixFileMode)0x1ED); // 0755
        }
        if (conffiles is not null) File.WriteAllText(Path.Combine(tree, "DEBIAN", "conffiles"), string.Concat(conffiles.Select(c => "/" + c + "\n")));
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(tree, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        var deb = Path.Combine(host.Directory, $"{name}_{version}.deb");
        PublishedRepository.Expect(ProcessRunner.Run("dpkg-deb", ["--root-owner-group", "-b", tree, deb]), "dpkg-deb -b");
        return deb;
    }

    /// <summary>Builds NAME_VERSION, imports it and publishes it into the shared repository.</summary>
    public static (string Name, string Version) Publish(ImportedDebianRepository repo, TestHost host, string name, string version,
        Dictionary<string, string> files, string? postinst, Dictionary<string, string>? scripts = null, string[]? conffiles = null)
    {
        var deb = Build(host, name, version, files, postinst, scripts: scripts, conffiles: conffiles);
        var output = Path.Combine(host.Directory, $"{name}-{version}-stork");
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["import-deb", deb, "--output", output, "--level", "3"]), "import-deb");
        var stork = Directory.GetFiles(output, "*.stork").Single();
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["add", repo.RepoDir, stork, "--publish"]), "add --publish");
        return (name, version);
    }

    /// <summary>Takes a version out of the shared repository again, leaving it as it was for the other tests.</summary>
    public static void Withdraw(ImportedDebianRepository repo, (string Name, string Version) package) =>
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["remove", repo.RepoDir, package.Name, package.Version]), "remove " + package.Name);
}
