using Stork.Resolver.Model;

namespace Stork.Resolver.Search;

/// <summary>
/// Turns the final level-0 conflict into a short derivation: every step cites one metadata fact (or, for a
/// learnt clause, the metadata facts it was derived from) and what it forces, in the order the solver found them.
/// </summary>
internal sealed class ExplanationWriter(CdclEngine engine, SolveRequest request, RequestPolicy policy)
{
    private const int MaxLines = 12;
    private const int MaxFactsPerStep = 4;
    private PackagePool Pool => engine.Pool;

    /// <summary>The explanation as text: one line per step.</summary>
    public static string Text(IReadOnlyList<ExplanationStep> steps) => string.Join("\n", steps.Select(s => s.Text));

    public IReadOnlyList<ExplanationStep> Steps()
    {
        int conflict = engine.ConflictClause;
        if (engine.LiteralsOf(conflict).Length == 0)
            return [new ExplanationStep(engine.OriginOf(conflict).Kind == ClauseKind.Keep ? ExplanationFact.Installed : ExplanationFact.Request, EmptyClause(conflict) + ".")];

        var steps = new List<(ExplanationFact Fact, string Text)>();
        foreach (var v in Cone(conflict))
        {
            int reason = engine.ReasonOf(v);
            var origin = engine.OriginOf(reason);
            steps.Add((FactOf(origin.Kind), origin.Kind switch
            {
                ClauseKind.Removed or ClauseKind.NotLocked or ClauseKind.Prerelease or ClauseKind.Unmatched => Describe(reason),
                _ => $"{Describe(reason)}, so {Forced(v)}",
            }));
        }
        steps.Add((ExplanationFact.Conclusion, $"but {Describe(conflict, withConsequence: false)}, so there is no solution"));
        if (steps.Count > MaxLines)
        {
            int head = 3, tail = MaxLines - head - 1;
            int skipped = steps.Count - head - tail;
            steps = [.. steps.Take(head), (ExplanationFact.Omitted, $"… and {skipped} more steps"), .. steps.Skip(steps.Count - tail)];
        }
        return steps.Select(s => new ExplanationStep(s.Fact, s.Text.EndsWith('.') ? s.Text : s.Text + ".")).ToList();
    }

    private static ExplanationFact FactOf(ClauseKind kind) => kind switch
    {
        ClauseKind.Install => ExplanationFact.Request,
        ClauseKind.Keep => ExplanationFact.Installed,
        ClauseKind.Depends => ExplanationFact.Depends,
        ClauseKind.Conflict => ExplanationFact.Conflict,
        ClauseKind.SameName => ExplanationFact.SameName,
        ClauseKind.Learned => ExplanationFact.Derived,
        ClauseKind.Removed => ExplanationFact.Removed,
        ClauseKind.NotLocked => ExplanationFact.Locked,
        ClauseKind.Prerelease => ExplanationFact.Prerelease,
        ClauseKind.Unmatched => ExplanationFact.Unmatched,
        _ => ExplanationFact.Other,
    };

    /// <summary>The level-0 assignments the conflict depends on, facts first, then in the order they were made.</summary>
    private List<int> Cone(int conflict)
    {
        var inCone = new HashSet<int>();
        var stack = new Stack<int>();
        foreach (var literal in engine.LiteralsOf(conflict))
            if (inCone.Add(literal >> 1)) stack.Push(literal >> 1);
        while (stack.Count > 0)
        {
            int v = stack.Pop();
            foreach (var literal in engine.LiteralsOf(engine.ReasonOf(v)))
                if (inCone.Add(literal >> 1)) stack.Push(literal >> 1);
        }
        return inCone
            .Select(v => (Var: v, Position: engine.TrailPosition(v), Reason: engine.ReasonOf(v)))
            .OrderBy(x => x.Position).ThenBy(x => x.Reason)
            .Select(x => x.Var)
            .ToList();
    }

    private string Forced(int v) => engine.IsTrue(v) ? $"{Package(v)} must be installed" : $"{Package(v)} cannot be installed";

    private string Package(int v) => Pool.CandidateOf(v).ToString();

    private string Describe(int clause) => Describe(clause, withConsequence: true);

    /// <summary>A clause as a metadata fact; facts about one package say what follows unless told not to.</summary>
    private string Describe(int clause, bool withConsequence)
    {
        var origin = engine.OriginOf(clause);
        string so = withConsequence ? $", so {Package(origin.Var)} cannot be installed" : "";
        switch (origin.Kind)
        {
            case ClauseKind.Install:
                return $"you asked for {request.Install[origin.Index]}";
            case ClauseKind.Keep:
                return $"{policy.KeptNames[origin.Index]} is installed and must stay";
            case ClauseKind.Depends:
                return $"{Package(origin.Var)} needs {Alternatives(origin.Var, origin.Index)}";
            case ClauseKind.Conflict:
                {
                    var reference = Pool.CandidateOf(origin.Var).Conflicts[origin.Index];
                    var other = Pool.CandidateOf(origin.Other);
                    string via = other.Name == reference.Name ? "" : $" (provided by {other})";
                    return $"{Package(origin.Var)} conflicts with {reference}{via}";
                }
            case ClauseKind.SameName:
                return $"only one version of {Pool.CandidateOf(origin.Var).Name} can be installed";
            case ClauseKind.Removed:
                return $"you asked to remove {Pool.CandidateOf(origin.Var).Name}{so}";
            case ClauseKind.NotLocked:
                {
                    var locked = request.Locks[origin.Index];
                    return $"{locked.Name} is locked to {locked.Version.ToFullString()}{so}";
                }
            case ClauseKind.Prerelease:
                return $"{Package(origin.Var)} is a prerelease and no request names a prerelease of {Pool.CandidateOf(origin.Var).Name}{(withConsequence ? ", so it cannot be installed" : "")}";
            case ClauseKind.Unmatched:
                return $"{Package(origin.Var)} needs {Alternatives(origin.Var, origin.Index)}, which no available package matches{so}";
            case ClauseKind.Learned:
                {
                    var facts = Core(clause).Select(Describe).Distinct().ToList();
                    string listed = string.Join("; ", facts.Take(MaxFactsPerStep));
                    return facts.Count > MaxFactsPerStep ? $"{listed}; and {facts.Count - MaxFactsPerStep} more facts" : listed;
                }
            default:
                return "an internal rule";
        }
    }

    private string Alternatives(int v, int dependIndex) =>
        string.Join(" or ", Pool.CandidateOf(v).Depends[dependIndex].Select(r => r.ToString()));

    /// <summary>The metadata clauses a learnt clause was derived from, in the order they were added.</summary>
    private List<int> Core(int learnt)
    {
        var core = new SortedSet<int>();
        var visited = new HashSet<int>();
        var stack = new Stack<int>();
        stack.Push(learnt);
        while (stack.Count > 0)
        {
            int clause = stack.Pop();
            if (!visited.Add(clause)) continue;
            var origin = engine.OriginOf(clause);
            if (origin.Kind != ClauseKind.Learned) { core.Add(clause); continue; }
            foreach (var antecedent in origin.Antecedents!) stack.Push(antecedent);
            foreach (var v in origin.Level0Vars ?? []) stack.Push(engine.ReasonOf(v));
        }
        return core.ToList();
    }

    private string EmptyClause(int clause)
    {
        var origin = engine.OriginOf(clause);
        if (origin.Kind == ClauseKind.Keep)
        {
            string kept = policy.KeptNames[origin.Index];
            return $"{kept} is installed and must stay, but no version of {kept} is available";
        }
        var item = request.Install[origin.Index];
        var versions = Pool.Name(item.Name).Vars;
        if (versions.Length == 0)
        {
            var providers = Pool.ProviderNames(item.Name).ToList();
            if (providers.Count == 0) return $"you asked for {item}, but no package named {item.Name} exists";
            string listed = string.Join(", ", providers.Take(5)) + (providers.Count > 5 ? $" and {providers.Count - 5} more" : "");
            return $"you asked for {item}, but no package is named {item.Name}; it is only provided by {listed}, " +
                   "and an install item needs a package's own name";
        }
        string available = string.Join(", ", versions.Reverse().Select(v => Pool.CandidateOf(v).Version.ToFullString()));
        return $"you asked for {item}, but no version of {item.Name} is in that range (available: {available})";
    }
}
