using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Stork.Format.Debian;
using Stork.Format.Packages;
using Stork.Publishing.Debian;
using ZstdSharp;

namespace Stork.Publishing.Tests.Debian;

/// <summary>
/// import-deb on a .deb built by fixtures/debian/make-test-deb.sh with dpkg-deb (root: owners are kept).
/// The imported manifest is also the Debian test vector, format-spec/vectors/package-debian/
/// (STORK_UPDATE_VECTORS=1 rewrites it).
/// </summary>
public class DebImporterTests
{
    static string BuildSampleDeb(TempDir dir, string revision = "3+deb12u1")
    {
        Assert.True(Environment.UserName == "root", "the importer tests build a .deb with non-root owners and must run as root");
        using var p = Process.Start(new ProcessStartInfo("sh", [RepoRoot.File("fixtures", "debian", "make-test-deb.sh"), dir.Path, revision])
        { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "make-test-deb.sh failed: " + err);
        return Directory.GetFiles(dir.Path, $"*{revision}*.deb").Single();
    }

    static (DebImportResult Result, PackageManifest Manifest) ImportSample(TempDir dir, string revision = "3+deb12u1")
    {
        var deb = BuildSampleDeb(dir, revision);
        var result = DebImporter.Import(deb, new DebImporter.Options { OutputDirectory = dir.Combine("out"), Architecture = "amd64" });
        Assert.True(result.Error is null, result.Error);
        using var reader = PackageReader.Open(result.Output!);
        reader.VerifyAll();
        return (result, reader.Manifest);
    }

    [Fact]
    public void Versions_relationships_scripts_and_report()
    {
        using var dir = new TempDir();
        var (result, m) = ImportSample(dir);
        Assert.Equal("stork-sample", m.Name);
        Assert.Equal("1:1.2~rc1-3+deb12u1", m.DebianVersion);
        Assert.Equal(DebianVersionMapping.ToSemVer("1:1.2~rc1-3+deb12u1"), m.Version);
        Assert.Equal("sample package for import tests", m.Summary);
        var ge = DebianVersionMapping.ToSemVer("2.34");
        Assert.Equal(
            [[$"libc6 [{ge},)"], [$"zlib1g [{DebianVersionMapping.ToSemVer("1:1.2.0")},)", "libz-alt"],
             [$"stork-base (,{DebianVersionMapping.ToSemVer("2.0~")})", "stork-base-alt"]],
            m.Depends.Select(c => c.ToArray()).ToArray());
        Assert.Equal([$"stork-virtual {DebianVersionMapping.ToSemVer("1.2")}", "stork-plain"], m.Provides);
        Assert.Equal([$"stork-evil", $"stork-old (,{DebianVersionMapping.ToSemVer("1.0")})"], m.Conflicts.Order(StringComparer.Ordinal));
        Assert.Equal([$"stork-old (,{DebianVersionMapping.ToSemVer("1.0")})"], m.Replaces);
        Assert.Equal("#!/bin/sh\nset -e\necho \"postinst $*\"\n", m.Scripts!.Postinst);
        Assert.NotNull(m.Scripts.Prerm);
        Assert.Null(m.Scripts.Preinst);
        Assert.Contains("interest-noawait /usr/share/stork-sample", m.Triggers);
        // perl:i386 cannot be met on amd64; debconf and Recommends are reported.
        Assert.Contains(result.NotCarried, n => n.Contains("perl") && n.Contains("cannot be met"));
        Assert.Contains(result.NotCarried, n => n.StartsWith("templates:", StringComparison.Ordinal));
        Assert.Contains(result.NotCarried, n => n.StartsWith("Recommends:", StringComparison.Ordinal));
    }

    [Fact]
    public void Files_keep_modes_owners_hard_links_and_move_under_usr()
    {
        using var dir = new TempDir();
        var (_, m) = ImportSample(dir);
        var files = m.Files.ToDictionary(f => f.Path);
        Assert.DoesNotContain("bin", files.Keys);
        Assert.Equal("4755", files["usr/bin/tool"].Mode);
        Assert.Null(files["usr/bin/tool"].Hardlink);
        // The second path of the hard-link pair names the first (path order) and carries the same content.
        Assert.Equal("usr/bin/tool", files["usr/bin/tool-again"].Hardlink);
        Assert.Equal(files["usr/bin/tool"].Sha256, files["usr/bin/tool-again"].Sha256);
        Assert.Equal("0700", files["etc/stork-sample/private"].Mode);
        Assert.Equal("0440", files["etc/stork-sample/private/key"].Mode);
        Assert.True(files["etc/stork-sample/sample.conf"].IsConfig);
        Assert.Equal("www-data:33", files["var/lib/stork-sample/state"].Owner);
        Assert.Equal("www-data:33", files["var/lib/stork-sample/state"].Group);
        Assert.Equal("www-data:33", files["var/lib/stork-sample"].Owner);
        Assert.Null(files["usr/share/doc/stork-sample/README"].Owner);
        // Absolute and relative symlinks into /bin both end up relative, pointing at usr/bin/tool.
        Assert.Equal("../../../bin/tool", files["usr/share/doc/stork-sample/abs-link"].Target);
        Assert.Equal("../../../bin/tool", files["usr/share/doc/stork-sample/rel-link"].Target);
    }

    [Fact]
    public void Without_merged_usr_paths_stay()
    {
        using var dir = new TempDir();
        var deb = BuildSampleDeb(dir);
        var r = DebImporter.Import(deb, new DebImporter.Options { OutputDirectory = dir.Combine("out"), MergedUsr = false });
        Assert.Null(r.Error);
        using var reader = PackageReader.Open(r.Output!);
        Assert.Contains(reader.Manifest.Files, f => f.Path == "bin/tool" && f.Mode == "4755");
        Assert.Contains(reader.Manifest.Files, f => f.Path == "usr/share/doc/stork-sample/abs-link" && f.Target == "../../../../bin/tool");
    }

    [Fact]
    public void A_revision_only_security_update_is_newer()
    {
        using var dir = new TempDir();
        var (_, u1) = ImportSample(dir, "3+deb12u1");
        var (_, u2) = ImportSample(dir, "3+deb12u2");
        Assert.True(NuGet.Versioning.VersionComparer.Default.Compare(
            NuGet.Versioning.NuGetVersion.Parse(u2.Version), NuGet.Versioning.NuGetVersion.Parse(u1.Version)) > 0);
    }

    [Fact]
    public void Not_a_deb_is_one_clear_error()
    {
        using var dir = new TempDir();
        var bogus = dir.Combine("bogus.deb");
        File.WriteAllText(bogus, "not an ar archive");
        var r = DebImporter.Import(bogus, new DebImporter.Options { OutputDirectory = dir.Combine("out") });
        Assert.NotNull(r.Error);
        Assert.Contains("bogus.deb", r.Error);
        Assert.Contains("not a Debian package", r.Error);
        Assert.False(Directory.Exists(dir.Combine("out")) && Directory.EnumerateFiles(dir.Combine("out")).Any());
    }

    [Fact]
    public void Debian_vector_matches()
    {
        using var dir = new TempDir();
        var (result, manifest) = ImportSample(dir);
        var manifestBytes = PackageJson.Serialize(manifest);
        byte[] tar;
        using (var blob = File.OpenRead(result.Output!))
        using (var zstd = new DecompressionStream(blob))
        using (var ms = new MemoryStream()) { zstd.CopyTo(ms); tar = ms.ToArray(); }
        var tarSha = Convert.ToHexStringLower(SHA256.HashData(tar));
        var vectorDir = RepoRoot.File("format-spec", "vectors", "package-debian");
        if (Environment.GetEnvironmentVariable("STORK_UPDATE_VECTORS") == "1")
        {
            Directory.CreateDirectory(vectorDir);
            File.WriteAllBytes(Path.Combine(vectorDir, "manifest.json"), manifestBytes);
            File.WriteAllText(Path.Combine(vectorDir, "expected.json"),
                new JsonObject { ["tar_sha256"] = tarSha, ["tar_length"] = tar.Length }.ToJsonString(new() { WriteIndented = true }) + "\n");
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(vectorDir, "manifest.json")), manifestBytes);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(vectorDir, "expected.json")))!;
        Assert.Equal(expected["tar_sha256"]!.GetValue<string>(), tarSha);
        Assert.Equal(expected["tar_length"]!.GetValue<long>(), tar.Length);
    }
}
