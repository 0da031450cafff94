namespace Stork.Solve;

/// <summary>Hand-rolled parsing of the few options stork-solve takes.</summary>
internal sealed record CommandLine(string UniversePath, string JobsPath, TimeSpan? TimeLimit)
{
    public const string Usage =
        "usage: stork-solve --universe FILE.jsonl[.zst] --jobs JOBS.jsonl [--time-limit SECONDS]";

    public static CommandLine? Parse(string[] args)
    {
        string? universe = null, jobs = null;
        TimeSpan? limit = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--universe" when value is not null: universe = value; i++; break;
                case "--jobs" when value is not null: jobs = value; i++; break;
                case "--time-limit" when value is not null && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    limit = TimeSpan.FromSeconds(seconds); i++; break;
                default: return null;
            }
        }
        return universe is null || jobs is null ? null : new CommandLine(universe, jobs, limit);
    }
}
