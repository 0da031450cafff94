namespace Stork.Integration.Tests.Support;

/// <summary>Runs the independent TUF implementations in tests/interop (installed by test.sh with npm ci).</summary>
public static class Node
{
    public static string InteropDir => RepoRoot.File("tests", "interop");

    public static ProcessResult Run(string script, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(InteropDir, "node_modules", "tuf-js")))
            throw new InvalidOperationException("tests/interop/node_modules is missing: run 'npm ci --prefix tests/interop' (./test.sh does)");
        return ProcessRunner.Run("node", [Path.Combine(InteropDir, script), .. args], workingDirectory: InteropDir);
    }
}
