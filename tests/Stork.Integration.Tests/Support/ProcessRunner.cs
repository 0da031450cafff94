using System.Diagnostics;

namespace Stork.Integration.Tests.Support;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs real programs (the CLIs, nginx, chroot, the fixture script) and captures their output.</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string fileName, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs one of our CLIs from its build output with the same configuration as the tests.</summary>
    public static ProcessResult Cli(string project, string assembly, params string[] args)
    {
        var dll = RepoRoot.File(project, "bin", RepoRoot.Configuration, "net10.0", assembly + ".dll");
        if (!System.IO.File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing; build the solution first", dll);
        return Run("dotnet", [dll, .. args]);
    }

    public static ProcessResult StorkGet(params string[] args) => Cli("client/Stork.Get.Cli", "stork-get", args);
    public static ProcessResult TufClient(params string[] args) => Cli("client/Stork.Tuf.Conformance", "stork-tuf-client", args);
    public static ProcessResult StorkPublish(params string[] args) => Cli("repo-tools/Stork.Publish.Cli", "stork-publish", args);
}
