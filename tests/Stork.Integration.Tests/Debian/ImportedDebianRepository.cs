using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// The closure of <c>nginx-light curl ca-certificates python3 jq sudo</c> imported from the host's apt lists with
/// <c>stork-publish import-deb --from-apt</c> (downloaded .debs are cached in fixtures/cache/debs between runs),
/// published with <c>add --publish</c>, verified, and served by a real nginx.
/// </summary>
public sealed class ImportedDebianRepository : IDisposable
{
    public static readonly string[] Roots = ["nginx-light", "curl", "ca-certificates", "python3", "jq", "sudo"];
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("stork-debrepo-").FullName;
    public string RepoDir => Path.Combine(Directory, "repo");
    public string PublicDir => Path.Combine(RepoDir, "public");
    public string RootFile => Path.Combine(PublicDir, "metadata", "1.root.json");
    public string ImportDir => Path.Combine(Directory, "imported");
    public static string DebCache => RepoRoot.File("fixtures", "cache", "debs");
    public NginxServer Nginx { get; }
    public ProcessResult Import { get; }

    public ImportedDebianRepository()
    {
        if (!System.IO.Directory.EnumerateFiles("/var/lib/apt/lists", "*Packages*").Any())
            PublishedRepository.Expect(ProcessRunner.Run("apt-get", ["update", "-qq"], timeout: TimeSpan.FromMinutes(5)), "apt-get update");
        PublishedRepository.Expect(ProcessRunner.StorkPublish("init", RepoDir), "init");
        // Level 3 keeps CI time down; the default level is measured in bench/debian.
        Import = Publish(["import-deb", "--from-apt", .. Roots, "--cache", DebCache, "--output", ImportDir, "--level", "3"]);
        PublishedRepository.Expect(Import, "import-deb --from-apt");
        var packages = System.IO.Directory.GetFiles(ImportDir, "*.stork").Order(StringComparer.Ordinal).ToArray();
        PublishedRepository.Expect(Publish(["add", RepoDir, .. packages, "--publish"]), "add");
        PublishedRepository.Expect(ProcessRunner.StorkPublish("verify", RepoDir), "verify");
        Nginx = new NginxServer(PublicDir);
    }

    public static ProcessResult Publish(string[] args)
    {
        var dll = RepoRoot.File("repo-tools/Stork.Publish.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-publish.dll");
        return ProcessRunner.Run("dotnet", [dll, .. args], timeout: TimeSpan.FromMinutes(20));
    }

    /// <summary>An empty guest root with Debian 12's merged-/usr links (bin, sbin, lib, lib64 → usr/…).</summary>
    public static void MakeEmptyMergedUsrRoot(string root)
    {
        foreach (var d in new[] { "bin", "sbin", "lib", "lib64" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(root, "usr", d));
            File.CreateSymbolicLink(Path.Combine(root, d), "usr/" + d);
        }
    }

    public void Dispose()
    {
        Nginx.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
