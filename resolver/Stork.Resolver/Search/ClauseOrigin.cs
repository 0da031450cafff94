namespace Stork.Resolver.Search;

/// <summary>Why a clause exists; the explanation is written from these, so every kind maps to one metadata fact.</summary>
internal enum ClauseKind : byte
{
    /// <summary>Install item number Index needs one of the clause's packages.</summary>
    Install,
    /// <summary>Installed name number Index (manual or locked) must stay installed.</summary>
    Keep,
    /// <summary>Package Var's depends clause number Index.</summary>
    Depends,
    /// <summary>Package Var's conflicts entry number Index matches package Other.</summary>
    Conflict,
    /// <summary>Var and Other are two versions of one name.</summary>
    SameName,
    /// <summary>Derived by conflict analysis from Antecedents (and the level-0 facts of Level0Vars).</summary>
    Learned,
    /// <summary>Fact: Var's name is to be removed.</summary>
    Removed,
    /// <summary>Fact: Var's name is locked to another version (lock number Index).</summary>
    NotLocked,
    /// <summary>Fact: Var is a prerelease no request names.</summary>
    Prerelease,
    /// <summary>Fact: nothing matches Var's depends clause number Index.</summary>
    Unmatched,
}

internal struct ClauseOrigin
{
    public ClauseKind Kind;
    public int Var;
    public int Other;
    public int Index;
    public int[]? Antecedents;
    public int[]? Level0Vars;
}
