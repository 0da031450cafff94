using System.Text.RegularExpressions;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// A repository made from the minbase image itself: the image's own versions of a few libraries (read from its
/// /var/lib/dpkg/status), fetched with <c>apt-get download NAME=VERSION</c> into fixtures/cache/adopt (git-ignored,
/// reused), imported with <c>import-deb</c>, published with <c>add --publish</c> and served by a real nginx.
/// </summary>
public sealed partial class AdoptionRepository : IDisposable
{
    // passwd brings set-id files owned by a group other than root (chage, 2755 root:shadow): they become store variants.
    public static readonly string[] Libraries = ["libc6", "zlib1g", "libpcre2-8-0", "libcrypt1", "libgcc-s1", "passwd"];
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-adoptrepo-").FullName;
    public string RepoDir => Path.Combine(Directory, "repo");
    public string RootFile => Path.Combine(RepoDir, "public", "metadata", "1.root.json");
    public static string DebCache => RepoRoot.File("fixtures", "cache", "adopt");
    public IReadOnlyDictionary<string, string> ImageVersions { get; }
    public NginxServer Nginx { get; }

    public AdoptionRepository()
    {
        var image = Path.Combine(Directory, "image");
        System.IO.Directory.CreateDirectory(image);
        // Only the status file is needed (the tarball is made once, by the first extraction).
        if (File.Exists(MinbaseImage.Tarball))
            PublishedRepository.Expect(ProcessRunner.Run("tar", ["-C", image, "-xf", MinbaseImage.Tarball, "./var/lib/dpkg/status"]), "extract the image's dpkg status");
        else MinbaseImage.ExtractTo(image);
        ImageVersions = VersionsIn(File.ReadAllText(Path.Combine(image, "var/lib/dpkg/status")));
        System.IO.Directory.CreateDirectory(DebCache);
        var debs = new List<string>();
        foreach (var name in Libraries)
        {
            var version = ImageVersions.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"the minbase image has no {name}");
            var deb = Path.Combine(DebCache, $"{name}_{version.Replace(":", "%3a")}_amd64.deb");
            if (!File.Exists(deb))
            {
                if (!System.IO.Directory.EnumerateFiles("/var/lib/apt/lists", "*Packages*").Any())
                    PublishedRepository.Expect(ProcessRunner.Run("apt-get", ["update", "-qq"], timeout: TimeSpan.FromMinutes(5)), "apt-get update");
                PublishedRepository.Expect(ProcessRunner.Run("apt-get", ["download", $"{name}={version}"], workingDirectory: DebCache, timeout: TimeSpan.FromMinutes(5)),
                    $"apt-get download {name}={version} (the image's version; the host's apt lists must still offer it)");
            }
            Assert.True(File.Exists(deb), $"apt-get download did not leave {deb}");
            debs.Add(deb);
        }
        System.IO.Directory.Delete(image, recursive: true);
        var output = Path.Combine(Directory, "imported");
        PublishedRepository.Expect(ProcessRunner.StorkPublish("init", RepoDir), "init");
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["import-deb", .. debs, "--output", output, "--level", "3"]), "import-deb");
        PublishedRepository.Expect(ImportedDebianRepository.Publish(["add", RepoDir, .. System.IO.Directory.GetFiles(output, "*.stork"), "--publish"]), "add --publish");
        Nginx = new NginxServer(Path.Combine(RepoDir, "public"));
    }

    // "Package: x" ... "Version: v" per paragraph of dpkg's status file.
    static Dictionary<string, string> VersionsIn(string status)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var paragraph in status.Split("\n\n"))
        {
            var name = PackageLine().Match(paragraph);
            var version = VersionLine().Match(paragraph);
            if (name.Success && version.Success) versions[name.Groups[1].Value] = version.Groups[1].Value;
        }
        return versions;
    }

    [GeneratedRegex(@"^Package: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex PackageLine();

    [GeneratedRegex(@"^Version: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex VersionLine();

    public void Dispose()
    {
        Nginx.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
