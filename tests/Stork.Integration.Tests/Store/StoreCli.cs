using System.Diagnostics;
using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Store;

/// <summary>Runs stork-get with extra environment (crash injection) or in the background (parallel runs).</summary>
internal static class StoreCli
{
    public static string Dll => RepoRoot.File("client/Stork.Get.Cli", "bin", RepoRoot.Configuration, "net10.0", "stork-get.dll");

    public static ProcessResult Run(TestHost host, IDictionary<string, string>? environment, params string[] args) =>
        ProcessRunner.Run("dotnet", [Dll, "--home", host.Home, .. args], environment: environment, timeout: TimeSpan.FromMinutes(3));

    public static Process Start(TestHost host, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Dll, "--home", host.Home }.Concat(args)) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static ProcessResult Finish(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(true); throw new TimeoutException("stork-get did not finish"); }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
