using System.Text;
using Stork.Format.Packages;
using ZstdSharp;

// Generates N small valid packages for the scale benchmark, quickly: the normative tar is written by
// Stork.Format's PackageWriter.WriteTar (what `stork-publish build` writes), compressed at zstd level 1
// instead of 19 (compression level is not part of the format). `check DIR BUILT.stork` compares the tar
// inside a `stork-publish build` output with the generator's tar for the same package.
//
//   stork-bench-scale gen OUT_DIR N [--first K] [--version V]   packages scale-K .. scale-(K+N-1)
//   stork-bench-scale source OUT_DIR K                             a stork-build.json source tree for package K
//   stork-bench-scale check BUILT.stork K                          exit 0 when the tars are identical
return args switch
{
    ["gen", var dir, var n, .. var rest] => Gen(dir, int.Parse(n), Opt(rest, "--first", 0), OptS(rest, "--version", "1.0.0")),
    ["source", var dir, var k] => Source(dir, int.Parse(k)),
    ["check", var built, var k] => Check(built, int.Parse(k)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: stork-bench-scale gen OUT_DIR N [--first K] [--version V] | source OUT_DIR K | check BUILT.stork K");
    return 2;
}

static int Opt(string[] a, string name, int d) { int i = Array.IndexOf(a, name); return i >= 0 ? int.Parse(a[i + 1]) : d; }
static string OptS(string[] a, string name, string d) { int i = Array.IndexOf(a, name); return i >= 0 ? a[i + 1] : d; }

static string Name(int k) => $"scale-{k:D6}";

// Every 10th package depends on the one before it, every 50th provides a virtual name: the index holds real clauses.
static PackageInfo Info(int k, string version = "1.0.0") => new()
{
    Name = Name(k),
    Version = version,
    Summary = $"scale benchmark package number {k}",
    Depends = k % 10 == 9 ? [[$"{Name(k - 1)} [1.0.0,)"]] : [],
    Provides = k % 50 == 0 ? [$"scale-virtual-{k / 50}"] : [],
};

static byte[] Content(int k) => Encoding.UTF8.GetBytes($"package {k}\n");
static string FilePath(int k) => $"usr/share/scale/{Name(k)}.txt";

static byte[] Tar(int k, string version)
{
    var tar = new MemoryStream();
    PackageWriter.WriteTar(Info(k, version),
        [PayloadEntry.Directory("usr"), PayloadEntry.Directory("usr/share"), PayloadEntry.Directory("usr/share/scale"), PayloadEntry.FromBytes(FilePath(k), Content(k))], tar);
    return tar.ToArray();
}

static int Gen(string dir, int n, int first, string version)
{
    Directory.CreateDirectory(dir);
    Parallel.For(first, first + n, new ParallelOptions { MaxDegreeOfParallelism = 2 }, k =>
    {
        byte[] blob;
        using (var c = new Compressor(1)) blob = c.Wrap(Tar(k, version)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, $"{Name(k)}_{version}.stork"), blob);
    });
    Console.WriteLine($"{n} packages in {dir}");
    return 0;
}

static int Source(string dir, int k)
{
    var info = Info(k);
    Directory.CreateDirectory(Path.Combine(dir, "usr/share/scale"));
    File.WriteAllBytes(Path.Combine(dir, FilePath(k)), Content(k));
    string Quote(string s) => "\"" + s + "\"";
    var depends = string.Join(",", info.Depends.Select(c => "[" + string.Join(",", c.Select(Quote)) + "]"));
    var provides = string.Join(",", info.Provides.Select(Quote));
    File.WriteAllText(Path.Combine(dir, "stork-build.json"),
        $"{{\"name\":{Quote(info.Name)},\"version\":{Quote(info.Version)},\"summary\":{Quote(info.Summary)},\"depends\":[{depends}],\"provides\":[{provides}]}}\n");
    return 0;
}

static int Check(string built, int k)
{
    using var d = new Decompressor();
    var theirs = d.Unwrap(File.ReadAllBytes(built)).ToArray();
    var ours = Tar(k, "1.0.0");
    if (theirs.AsSpan().SequenceEqual(ours)) { Console.WriteLine($"{built}: same tar as the generator's"); return 0; }
    Console.Error.WriteLine($"{built}: the tar differs from the generator's ({theirs.Length} vs {ours.Length} bytes)");
    return 1;
}
