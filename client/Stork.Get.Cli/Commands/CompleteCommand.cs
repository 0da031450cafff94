using System.CommandLine;
using Stork.Client.Operations;
using Stork.Client.State;

namespace Stork.Get.Cli.Commands;

/// <summary>
/// <c>stork-get __complete guests|packages|installed [GUEST]</c> (hidden): names for the shell completion scripts,
/// one per line, from local state only (host database, stored signed metadata): no network, no lock waits, nothing
/// created. A host without state completes nothing; a completion must never print an error into the shell.
/// </summary>
internal static class CompleteCommand
{
    public const string Name = "__complete";

    /// <summary>What the generated scripts complete dynamically: arguments of these commands, and values of -g.</summary>
    public static IReadOnlyDictionary<string, string> Arguments { get; } = new Dictionary<string, string>
    {
        ["install"] = "packages",
        ["show"] = "packages",
        ["adopt"] = "packages",
        ["remove"] = "installed",
        ["upgrade"] = "installed",
        ["hold"] = "installed",
        ["unhold"] = "installed",
        ["guest remove"] = "guests",
        ["guest set-link-mode"] = "guests",
    };

    public static IReadOnlyDictionary<string, string> OptionValues { get; } = new Dictionary<string, string> { ["--guest"] = "guests", ["-g"] = "guests" };

    /// <summary>Options whose values the scripts pass on to __complete, so that it reads the same host.</summary>
    public static IReadOnlyList<string> PassedOn { get; } = ["--home", "--state-dir", "--cache-dir", "--config-dir"];

    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = "guests, packages or installed" };
        kind.AcceptOnlyFromAmong("guests", "packages", "installed");
        var guest = new Argument<string?>("guest") { Description = "For installed: only this guest", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(Name, "Names for shell completion, from local state only") { kind, guest };
        command.Hidden = true;
        command.SetAction(result =>
        {
            try
            {
                foreach (var name in Names(GlobalOptions.PathsOf(result), result.GetValue(kind)!, result.GetValue(guest)).Distinct().Order(StringComparer.Ordinal))
                    Console.WriteLine(name);
            }
            catch (Exception e) when (e is not OutOfMemoryException) { /* no state, damaged state, no metadata yet: nothing to offer */ }
            return 0;
        });
        return command;
    }

    private static IEnumerable<string> Names(HostPaths paths, string kind, string? guest)
    {
        if (kind == "packages")
        {
            using var session = HostSession.Open(paths);
            return session.LoadIndexOffline().Names.ToList();
        }
        if (!File.Exists(paths.Database)) return [];
        using var database = HostDatabase.Open(paths);
        var guests = database.Guests.List().Select(g => g.Name).ToList();
        if (kind == "guests") return guests;
        return guests.Where(g => guest is null || g == guest).SelectMany(g => database.Ownership.ListInstalled(g).Select(p => p.Name)).ToList();
    }
}
