using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Stork.Format.Packages;
using Stork.Publishing.Building;
using Xunit;

namespace Stork.Publishing.Tests.Building;

/// <summary>
/// Rebuilds format-spec/vectors/package/input and compares with the recorded expectations.
/// Set STORK_UPDATE_VECTORS=1 to rewrite them after an intentional format change.
/// </summary>
public class PackageVectorTests
{
    [Fact]
    public void RebuiltVectorMatchesRecordedHashes()
    {
        var vectorDir = Path.Combine(RepoRoot.Path, "format-spec", "vectors", "package");
        var input = Path.Combine(vectorDir, "input");
        using var temp = new TempDir();

        var built = PackageBuilder.Build(input, temp.Path);
        var build = BuildManifest.Load(Path.Combine(input, BuildManifest.FileName));
        var tar = new MemoryStream();
        PackageWriter.WriteTar(build.ToPackageInfo(), PackageBuilder.CollectPayload(input, build), tar);
        var tarSha256 = Convert.ToHexStringLower(SHA256.HashData(tar.ToArray()));
        var manifestBytes = PackageJson.Serialize(built.Manifest);

        var expectedPath = Path.Combine(vectorDir, "expected.json");
        var manifestPath = Path.Combine(vectorDir, "manifest.json");
        if (Environment.GetEnvironmentVariable("STORK_UPDATE_VECTORS") == "1")
        {
            var record = new JsonObject
            {
                ["blob_sha256"] = built.Sha256,
                ["blob_length"] = built.Length,
                ["tar_sha256"] = tarSha256,
                ["tar_length"] = tar.Length,
                ["zstd_level"] = PackageWriter.CompressionLevel,
                ["compressor"] = "ZstdSharp.Port 0.8.8",
            };
            File.WriteAllText(expectedPath, record.ToJsonString(new() { WriteIndented = true }) + "\n");
            File.WriteAllBytes(manifestPath, manifestBytes);
        }

        var expected = JsonNode.Parse(File.ReadAllText(expectedPath))!;
        Assert.Equal(File.ReadAllBytes(manifestPath), manifestBytes);
        Assert.Equal(expected["tar_sha256"]!.GetValue<string>(), tarSha256);
        Assert.Equal(expected["tar_length"]!.GetValue<long>(), tar.Length);
        Assert.Equal(expected["blob_sha256"]!.GetValue<string>(), built.Sha256);
        Assert.Equal(expected["blob_length"]!.GetValue<long>(), built.Length);
    }
}
