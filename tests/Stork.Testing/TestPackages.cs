using System.Security.Cryptography;
using System.Text;
using Stork.Format.Packages;

namespace Stork.Testing;

public static class TestPackages
{
    public static readonly byte[] Hello = Encoding.UTF8.GetBytes("#!/bin/sh\necho hello\n");
    public static readonly byte[] Conf = Encoding.UTF8.GetBytes("greeting=hi\n");

    public static PackageInfo Info(string name = "hello", string version = "1.0.0") => new()
    {
        Name = name,
        Version = version,
        Summary = "test package",
        Depends = [["busybox [1.30.0,)"], ["greet-data [1.0.0,2.0.0)", "greet-data-alt"]],
        Provides = ["hello-world 1.0.0", "greeter"],
        Conflicts = ["oldhello (,1.0.0)"],
    };

    public static List<PayloadEntry> Payload() =>
    [
        PayloadEntry.Directory("etc"),
        PayloadEntry.FromBytes("etc/greet.conf", Conf, config: true),
        PayloadEntry.Directory("usr"),
        PayloadEntry.Directory("usr/bin"),
        PayloadEntry.FromBytes("usr/bin/hello", Hello, FileModes.Executable),
        PayloadEntry.Symlink("usr/bin/hi", "hello"),
        PayloadEntry.FromBytes("usr/bin/empty", []),
    ];

    public static byte[] Build(PackageInfo? info = null, IEnumerable<PayloadEntry>? payload = null)
    {
        var output = new MemoryStream();
        PackageWriter.Write(info ?? Info(), payload ?? Payload(), output);
        return output.ToArray();
    }

    public static PackageManifest Manifest(params PackageFileEntry[] files) =>
        PackageManifest.Create(Info(), files);

    public static PackageFileEntry FileEntry(string path, byte[] content, string mode = "0644") =>
        PackageFileEntry.File(path, mode, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)));

    public static void ReadAll(byte[] blob)
    {
        using var reader = PackageReader.Open(new MemoryStream(blob));
        reader.VerifyAll();
    }
}
