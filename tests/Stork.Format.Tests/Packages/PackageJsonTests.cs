using System.Text;
using System.Text.Json.Nodes;
using Stork.Format.Packages;
using Xunit;

namespace Stork.Format.Tests.Packages;

public class PackageJsonTests
{
    [Fact]
    public void PackageInfoRoundTripsThroughJsonNode()
    {
        var info = TestPackages.Info();
        JsonNode node = info.ToJsonNode();
        Assert.Equal("hello", node["name"]!.GetValue<string>());
        Assert.Equal("busybox [1.30.0,)", node["depends"]![0]![0]!.GetValue<string>());
        var back = PackageInfo.FromJsonNode(JsonNode.Parse(node.ToJsonString())!);
        Assert.Equal(Encoding.UTF8.GetString(info.ToJsonBytes()), Encoding.UTF8.GetString(back.ToJsonBytes()));
        Assert.Equal(info.ToJsonBytes(), PackageInfo.FromJsonBytes(info.ToJsonBytes()).ToJsonBytes());
    }

    [Fact]
    public void ManifestUsesAgreedJsonNames()
    {
        var blob = TestPackages.Build();
        using var reader = PackageReader.Open(new MemoryStream(blob));
        var json = Encoding.UTF8.GetString(PackageJson.Serialize(reader.Manifest));
        Assert.StartsWith("{\"format\":1,\"name\":\"hello\",\"version\":\"1.0.0\",\"summary\":", json);
        Assert.Contains("{\"path\":\"etc/greet.conf\",\"type\":\"file\",\"mode\":\"0644\",\"size\":12,\"sha256\":\"", json);
        Assert.Contains("\"config\":true", json);
        Assert.Contains("{\"path\":\"usr/bin/hi\",\"type\":\"symlink\",\"target\":\"hello\"}", json);
        Assert.Contains("{\"path\":\"usr/bin\",\"type\":\"dir\",\"mode\":\"0755\"}", json);
        Assert.Equal(TestPackages.Hello.Length + TestPackages.Conf.Length, reader.Manifest.InstalledSize);
        Assert.Equal("hello", reader.Manifest.Info.Name);
    }

    [Theory]
    [InlineData("\"type\":\"fifo\"", "unknown entry type 'fifo'")]
    [InlineData("\"type\":\"File\"", "unknown entry type 'File'")]
    [InlineData("\"type\":1", "entry type must be a string")]
    [InlineData("\"type\":null", "entry type must be a string")]
    public void AnUnknownFileKindIsAFormatErrorNamingIt(string type, string expected)
    {
        var blob = TestPackages.Build();
        using var reader = PackageReader.Open(new MemoryStream(blob));
        var json = Encoding.UTF8.GetString(PackageJson.Serialize(reader.Manifest)).Replace("\"type\":\"symlink\"", type, StringComparison.Ordinal);
        Assert.Contains(type, json);
        var error = Assert.Throws<PackageFormatException>(() => PackageJson.DeserializeManifest(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AnEntryWithoutAKindIsRefused()
    {
        var blob = TestPackages.Build();
        using var reader = PackageReader.Open(new MemoryStream(blob));
        var json = Encoding.UTF8.GetString(PackageJson.Serialize(reader.Manifest)).Replace(",\"type\":\"symlink\"", "", StringComparison.Ordinal);
        var error = Assert.Throws<PackageFormatException>(() => PackageJson.DeserializeManifest(Encoding.UTF8.GetBytes(json)));
        Assert.Contains("type", error.Message);
    }

    [Fact]
    public void FileKindsHaveOneNameEach()
    {
        Assert.Equal(["file", "dir", "symlink"], Enum.GetValues<PackageFileKind>().Select(k => k.Name()));
        foreach (var kind in Enum.GetValues<PackageFileKind>()) Assert.Equal(kind, PackageFileKinds.TryParse(kind.Name()));
        Assert.Null(PackageFileKinds.TryParse("hardlink"));
        Assert.Equal("0", default(PackageFileKind).Display());
    }

    [Theory]
    [InlineData("Hello", "1.0.0")]
    [InlineData("-x", "1.0.0")]
    [InlineData("hello", "1.0")]
    [InlineData("hello", "01.0.0")]
    [InlineData("hello", "1.0.0.0")]
    public void InvalidNamesAndVersionsAreRejected(string name, string version)
    {
        var info = TestPackages.Info() with { Name = name, Version = version };
        Assert.Throws<PackageFormatException>(info.Validate);
    }

    [Theory]
    [InlineData("busybox 1.30.0")]
    [InlineData("busybox  [1.0.0,)")]
    [InlineData("busybox [x,)")]
    [InlineData("Busybox")]
    public void InvalidReferencesAreRejected(string reference)
    {
        var info = TestPackages.Info() with { Depends = [[reference]] };
        Assert.Throws<PackageFormatException>(info.Validate);
    }

    [Fact]
    public void PrereleaseAndRangesAreAccepted()
    {
        var info = TestPackages.Info() with { Version = "2.0.0-beta.1", Depends = [["a (1.0.0,2.0.0]"], ["b"]], Provides = ["c 1.2.3-rc.1"] };
        info.Validate();
    }

    [Fact]
    public void DuplicateJsonPropertiesAreRejected()
    {
        var json = "{\"name\":\"a\",\"name\":\"b\",\"version\":\"1.0.0\",\"summary\":\"\",\"depends\":[],\"provides\":[],\"conflicts\":[]}"u8.ToArray();
        Assert.Throws<PackageFormatException>(() => PackageInfo.FromJsonBytes(json));
    }

    [Fact]
    public void NullListsAreRejected()
    {
        var json = "{\"name\":\"a\",\"version\":\"1.0.0\",\"summary\":\"\",\"depends\":null,\"provides\":[],\"conflicts\":[]}"u8.ToArray();
        Assert.Throws<PackageFormatException>(() => PackageInfo.FromJsonBytes(json));
    }
}
