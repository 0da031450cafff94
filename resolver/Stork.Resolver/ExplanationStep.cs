namespace Stork.Resolver;

/// <summary>What one step of an explanation rests on (the metadata fact it cites, or its place in the derivation).</summary>
public enum ExplanationFact
{
    /// <summary>An install item of the request ("you asked for jq").</summary>
    Request,
    /// <summary>An installed package that must stay.</summary>
    Installed,
    /// <summary>A package's dependency.</summary>
    Depends,
    /// <summary>A package's conflict.</summary>
    Conflict,
    /// <summary>Only one version of a name can be installed.</summary>
    SameName,
    /// <summary>A removal the request asked for.</summary>
    Removed,
    /// <summary>A lock to one version.</summary>
    Locked,
    /// <summary>A prerelease no request names.</summary>
    Prerelease,
    /// <summary>A dependency no available package matches.</summary>
    Unmatched,
    /// <summary>Facts the solver combined (a learnt clause), listed in the text.</summary>
    Derived,
    /// <summary>The last step: the conflict that leaves no solution.</summary>
    Conclusion,
    /// <summary>Steps left out to keep the explanation short.</summary>
    Omitted,
    /// <summary>Anything else (an internal rule).</summary>
    Other,
}

/// <summary>One step of an unsolvable request's explanation: the sentence and what it rests on, so JSON can carry both.</summary>
public sealed record ExplanationStep(ExplanationFact Fact, string Text)
{
    /// <summary>The fact's name in JSON output: snake case, stable.</summary>
    public string FactName => Fact switch
    {
        ExplanationFact.Request => "request",
        ExplanationFact.Installed => "installed",
        ExplanationFact.Depends => "depends",
        ExplanationFact.Conflict => "conflict",
        ExplanationFact.SameName => "same_name",
        ExplanationFact.Removed => "removed",
        ExplanationFact.Locked => "locked",
        ExplanationFact.Prerelease => "prerelease",
        ExplanationFact.Unmatched => "unmatched",
        ExplanationFact.Derived => "derived",
        ExplanationFact.Conclusion => "conclusion",
        ExplanationFact.Omitted => "omitted",
        _ => "other",
    };
}
