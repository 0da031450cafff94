using Stork.Integration.Tests.Support;

namespace Stork.Integration.Tests.Everyday;

/// <summary>Man pages and completion scripts come from the command definitions, and the shipped copies in dist/ are current.</summary>
public sealed class DocsTests
{
    [Theory]
    [InlineData("stork-get", "man", "dist/man/stork-get.1")]
    [InlineData("stork-get", "completion bash", "dist/completions/stork-get.bash")]
    [InlineData("stork-get", "completion zsh", "dist/completions/_stork-get")]
    [InlineData("stork-get", "completion fish", "dist/completions/stork-get.fish")]
    [InlineData("stork-publish", "man", "dist/man/stork-publish.1")]
    [InlineData("stork-publish", "completion bash", "dist/completions/stork-publish.bash")]
    [InlineData("stork-publish", "completion zsh", "dist/completions/_stork-publish")]
    [InlineData("stork-publish", "completion fish", "dist/completions/stork-publish.fish")]
    public void Shipped_docs_match_the_command_definitions(string cli, string args, string shipped)
    {
        var result = cli == "stork-get" ? ProcessRunner.StorkGet(args.Split(' ')) : ProcessRunner.StorkPublish(args.Split(' '));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(RepoRoot.File(shipped.Split('/'))), $"{shipped} is missing: regenerate with '{cli} {args} > {shipped}'");
        Assert.Equal(result.Stdout, File.ReadAllText(RepoRoot.File(shipped.Split('/'))));
        if (cli == "stork-get" && args == "man")
        {
            Assert.Contains(".SS stork\\-get upgrade", result.Stdout);
            Assert.Contains("\\-\\-all\\-guests", result.Stdout);
        }
    }

    [Fact]
    public void Bash_completion_offers_commands_and_options_of_the_typed_command()
    {
        var script = ProcessRunner.StorkGet("completion", "bash").Stdout;
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, script);
            var run = ProcessRunner.Run("bash", ["-c", $"source {file}; COMP_WORDS=(stork-get upg); COMP_CWORD=1; _stork_get; echo \"${{COMPREPLY[*]}}\"; " +
                "COMP_WORDS=(stork-get upgrade --all); COMP_CWORD=2; _stork_get; echo \"${COMPREPLY[*]}\""]);
            Assert.True(run.ExitCode == 0, run.ToString());
            var lines = run.Stdout.Split('\n');
            Assert.Equal("upgrade", lines[0]);
            Assert.Equal("--all-guests", lines[1]);
        }
        finally { File.Delete(file); }
    }
}
