using System.Diagnostics;
using Stork.Format.Debian;

namespace Stork.Publishing.Debian;

/// <summary>
/// <c>import-deb --from-apt</c>: the dependency closure of named packages as apt would install it on an empty system
/// (a simulated <c>apt-get install</c> against an empty dpkg status, from the host's apt lists), then
/// <c>apt-get download</c> of each .deb into a cache folder (files already there are reused).
/// </summary>
public static class AptClosure
{
    /// <summary>"name=version" of every package of the closure, in apt's order.</summary>
    public static List<(string Name, string Version)> Resolve(IReadOnlyList<string> names, bool recommends = false)
    {
        var status = Path.Combine(Path.GetTempPath(), $"stork-apt-status-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllText(status, "");
        try
        {
            var args = new List<string> { "-s", "-q", "-o", "Dir::State::status=" + status, "-o", "Debug::NoLocking=1",
                "-o", "APT::Get::Show-Versions=0", recommends ? "--install-recommends" : "--no-install-recommends", "install" };
            args.AddRange(names);
            var (code, stdout, stderr) = Run("apt-get", args, Environment.CurrentDirectory);
            if (code != 0) throw new DebianFormatException($"apt-get could not resolve {string.Join(' ', names)}: {LastLines(stderr + stdout)}");
            var result = new List<(string, string)>();
            foreach (var line in stdout.Split('\n'))
            {
                // Inst libc6 (2.36-9+deb12u13 Debian:12.13/stable [amd64])
                if (!line.StartsWith("Inst ", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', 4);
                if (parts.Length < 3 || !parts[2].StartsWith('(')) continue;
                result.Add((parts[1].Split(':')[0], parts[2][1..]));
            }
            if (result.Count == 0) throw new DebianFormatException($"apt-get resolved nothing for {string.Join(' ', names)}");
            return result;
        }
        finally { File.Delete(status); }
    }

    /// <summary>Downloads each package (reusing a .deb already in <paramref name="cacheDir"/>) and returns the files.</summary>
    public static List<string> Download(IReadOnlyList<(string Name, string Version)> packages, string cacheDir)
    {
        Directory.CreateDirectory(cacheDir);
        var missing = packages.Where(p => Find(cacheDir, p) is null).ToList();
        if (missing.Count > 0)
        {
            var (code, stdout, stderr) = Run("apt-get", ["download", "-q", .. missing.Select(p => $"{p.Name}={p.Version}")], cacheDir);
            if (code != 0) throw new Stork.Format.Errors.FetchException($"apt-get download failed: {LastLines(stderr + stdout)}");
        }
        return packages.Select(p => Find(cacheDir, p) ?? throw new DebianFormatException($"apt-get download did not produce {p.Name} {p.Version}")).ToList();
    }

    /// <summary>apt names downloads NAME_VERSION_ARCH.deb with ':' in the version written as %3a.</summary>
    static string? Find(string dir, (string Name, string Version) p)
    {
        var prefix = $"{p.Name}_{p.Version.Replace(":", "%3a")}_";
        return Directory.EnumerateFiles(dir, prefix + "*.deb").FirstOrDefault();
    }

    static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string cwd)
    {
        try
        {
            var psi = new ProcessStartInfo(file, args)
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd };
            psi.Environment["LC_ALL"] = "C";
            using var p = Process.Start(psi)!;
            var err = StandardErrorText.Collect(p);
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output, err.ToString());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DebianFormatException("--from-apt needs apt-get on the publishing host", e);
        }
    }

    static string LastLines(string text) => string.Join(" / ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
}
