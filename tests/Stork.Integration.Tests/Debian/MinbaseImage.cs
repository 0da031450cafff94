using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Debian;

/// <summary>
/// A Debian 12 minbase root made once with <c>mmdebstrap --variant=minbase bookworm</c> and kept as a tarball in
/// fixtures/cache/minbase (git-ignored), so reruns and every test reuse it; guests are extracted from it.
/// </summary>
public static class MinbaseImage
{
    public static string Tarball => RepoRoot.File("fixtures", "cache", "minbase", "bookworm-minbase.tar");
    private static readonly object Gate = new();

    public static void ExtractTo(string root)
    {
        lock (Gate)
            if (!File.Exists(Tarball))
            {
                var mmdebstrap = new[] { "/usr/bin/mmdebstrap" }.FirstOrDefault(File.Exists)
                    ?? throw new InvalidOperationException("mmdebstrap is not installed: run 'apt-get install -y mmdebstrap' (./test.sh does this)");
                Directory.CreateDirectory(Path.GetDirectoryName(Tarball)!);
                // mmdebstrap picks its output format from the name: "x.tar.partial" would become a directory, so the
                // partial file ends in .tar too, and the format is given as well. A leftover of a killed run goes first.
                var partial = Path.Combine(Path.GetDirectoryName(Tarball)!, "bookworm-minbase.partial.tar");
                if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
                File.Delete(partial);
                var made = ProcessRunner.Run(mmdebstrap, ["--variant=minbase", "--mode=root", "--format=tar", "--quiet", "bookworm", partial], timeout: TimeSpan.FromMinutes(20));
                PublishedRepository.Expect(made, "mmdebstrap --variant=minbase bookworm");
                File.Move(partial, Tarball);
            }
        Directory.CreateDirectory(root);
        PublishedRepository.Expect(ProcessRunner.Run("tar", ["-C", root, "-xf", Tarball]), "extract the minbase tarball");
    }
}
