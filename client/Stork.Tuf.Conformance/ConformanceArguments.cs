namespace Stork.Tuf.Conformance;

/// <summary>The CLIENT-CLI.md options, accepted in any order; --target-name may repeat.</summary>
internal sealed record ConformanceArguments(
    string Command,
    string? MetadataDir,
    string? MetadataUrl,
    IReadOnlyList<string> TargetNames,
    string? TargetBaseUrl,
    string? TargetDir,
    string? TrustedRoot,
    int DaysInFuture)
{
    public static ConformanceArguments Parse(string[] args)
    {
        string? command = null, metadataDir = null, metadataUrl = null, targetBaseUrl = null, targetDir = null, trustedRoot = null;
        var targetNames = new List<string>();
        int days = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--metadata-dir": metadataDir = Value(); break;
                case "--metadata-url": metadataUrl = Value(); break;
                case "--target-name": targetNames.Add(Value()); break;
                case "--target-base-url": targetBaseUrl = Value(); break;
                case "--target-dir": targetDir = Value(); break;
                case "--trusted-root": trustedRoot = Value(); break;
                case "--days-in-future":
                    if (!int.TryParse(Value(), out days)) throw new ArgumentException("--days-in-future takes a whole number");
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unknown option {args[i]}");
                    if (command is null) command = args[i];
                    else if (command == "init" && trustedRoot is null) trustedRoot = args[i];
                    else throw new ArgumentException($"unexpected argument {args[i]}");
                    break;
            }
        }
        if (command is not ("init" or "refresh" or "download")) throw new ArgumentException("the command must be init, refresh or download");
        if (metadataDir is null) throw new ArgumentException("--metadata-dir is required");
        return new ConformanceArguments(command, metadataDir, metadataUrl, targetNames, targetBaseUrl, targetDir, trustedRoot, days);
    }
}
