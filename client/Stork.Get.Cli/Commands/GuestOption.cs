using System.CommandLine;

namespace Stork.Get.Cli.Commands;

internal static class GuestOption
{
    public static Option<string[]> Create() => new("--guest", "-g")
    {
        Description = "Guest to change (repeat for several guests; blobs are still fetched once)",
        Required = true,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
}
