namespace Stork.Solve;

/// <summary>Hand-rolled parsing of the few options stork-solve takes.</summary>
internal sealed record CommandLine(string UniversePath, string? JobsPath, TimeSpan? TimeLimit, int Repeat, bool Prepare, bool AllInstallable, bool Verbose)
{
    public const string Usage =
        """
        usage: stork-solve --universe FILE.jsonl[.zst] --jobs JOBS.jsonl [options]
               stork-solve --universe FILE.jsonl[.zst] --all-installable [options]
        options:
          --time-limit SECONDS  give up on a job after this long
          --repeat N            solve each job N times and report the median time (default 1)
          --prepare             index the whole universe while loading instead of lazily during solves
          --all-installable     solve every package of the universe alone, print one summary line
          --verbose             print load phase timings to stderr
        """;

    public static CommandLine? Parse(string[] args)
    {
        string? universe = null, jobs = null;
        TimeSpan? limit = null;
        int repeat = 1;
        bool prepare = false, all = false, verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--universe" when value is not null: universe = value; i++; break;
                case "--jobs" when value is not null: jobs = value; i++; break;
                case "--time-limit" when value is not null && double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0:
                    limit = TimeSpan.FromSeconds(seconds); i++; break;
                case "--repeat" when value is not null && int.TryParse(value, out var times) && times > 0:
                    repeat = times; i++; break;
                case "--prepare": prepare = true; break;
                case "--all-installable": all = true; break;
                case "--verbose": verbose = true; break;
                default: return null;
            }
        }
        if (universe is null || (jobs is null && !all)) return null;
        return new CommandLine(universe, jobs, limit, repeat, prepare, all, verbose);
    }
}
