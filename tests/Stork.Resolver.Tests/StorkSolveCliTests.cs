using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace Stork.Resolver.Tests;

/// <summary>Runs the stork-solve executable (built alongside the tests) on small files.</summary>
public sealed class StorkSolveCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("stork-solve-tests").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        // The test assembly lives in tests/Stork.Resolver.Tests/bin/<Configuration>/net10.0/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = testOutput.Parent!.Name;
        string repository = Path.GetFullPath(Path.Combine(testOutput.FullName, "..", "..", "..", "..", ".."));
        string dll = Path.Combine(repository, "resolver", "Stork.Solve", "bin", configuration, "net10.0", "stork-solve.dll");
        Assert.True(File.Exists(dll), $"stork-solve was not built at {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Solves_jobs_and_prints_one_json_line_each()
    {
        var universe = WriteFile("u.jsonl",
            """
            {"name":"app","version":"1.0.0","depends":[["lib [2.0.0,)"]]}
            {"name":"app","version":"2.0.0","depends":[["lib [3.0.0,)"]]}
            {"name":"lib","version":"1.0.0"}
            {"name":"lib","version":"2.0.0"}
            """);
        var jobs = WriteFile("j.jsonl",
            """
            {"id": "ok", "install": ["app"]}
            {"id": "ranged", "install": ["app (,2.0.0)", "lib"], "expect": {"solvable": true}}
            {"id": "missing", "install": ["nosuch"]}
            """);
        var (code, stdout, stderr) = Run("--universe", universe, "--jobs", jobs);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal(4, lines[0].GetProperty("packages").GetInt32());
        Assert.True(lines[0].GetProperty("universe_load_ms").GetDouble() >= 0);
        Assert.Equal("ok", lines[1].GetProperty("id").GetString());
        Assert.True(lines[1].GetProperty("solvable").GetBoolean());
        Assert.Equal(["app 1.0.0", "lib 2.0.0"], lines[1].GetProperty("solution").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("explanation").ValueKind);
        Assert.Equal(["app 1.0.0", "lib 2.0.0"], lines[2].GetProperty("solution").EnumerateArray().Select(e => e.GetString()));
        Assert.False(lines[3].GetProperty("solvable").GetBoolean());
        Assert.Contains("no package named nosuch exists", lines[3].GetProperty("explanation").GetString());
        Assert.True(lines[3].GetProperty("solve_ms").GetDouble() >= 0);
    }

    [Fact]
    public void Usage_errors_exit_with_2()
    {
        Assert.Equal(2, Run().ExitCode);
        Assert.Equal(2, Run("--universe", "x.jsonl").ExitCode);
        Assert.Equal(2, Run("--universe", "x.jsonl", "--jobs", "y.jsonl", "--bogus").ExitCode);
    }

    [Fact]
    public void Unreadable_or_invalid_files_exit_with_3_naming_file_and_line()
    {
        var jobs = WriteFile("j.jsonl", "{\"id\": \"a\", \"install\": [\"a\"]}\n");
        var missing = Path.Combine(_directory, "missing.jsonl");
        var (code, _, stderr) = Run("--universe", missing, "--jobs", jobs);
        Assert.Equal(3, code);
        Assert.Contains("missing.jsonl", stderr);

        var broken = WriteFile("broken.jsonl", "{\"name\":\"a\",\"version\":\"1.0.0\"}\n{\"name\":\"b\",\"version\":\"x\"}\n");
        (code, _, stderr) = Run("--universe", broken, "--jobs", jobs);
        Assert.Equal(3, code);
        Assert.Contains("broken.jsonl:2:", stderr);

        var universe = WriteFile("u.jsonl", "{\"name\":\"a\",\"version\":\"1.0.0\"}\n");
        var badJobs = WriteFile("bad-jobs.jsonl", "{\"id\": \"a\", \"install\": [\"a\"]}\n{\"id\": \"b\"}\n");
        (code, _, stderr) = Run("--universe", universe, "--jobs", badJobs);
        Assert.Equal(3, code);
        Assert.Contains("bad-jobs.jsonl:2:", stderr);

        var notZstd = WriteFile("fake.jsonl.zst", "not compressed");
        (code, _, stderr) = Run("--universe", notZstd, "--jobs", jobs);
        Assert.Equal(3, code);
        Assert.Contains("fake.jsonl.zst", stderr);
    }
}
