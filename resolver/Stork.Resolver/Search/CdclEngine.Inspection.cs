namespace Stork.Resolver.Search;

/// <summary>Read-only views of the final state, for writing explanations.</summary>
internal sealed partial class CdclEngine
{
    internal ref readonly ClauseOrigin OriginOf(int clause) => ref _origins[clause];

    internal ReadOnlySpan<int> LiteralsOf(int clause) => _literals.Items.AsSpan(_start[clause], _length[clause]);

    internal int ReasonOf(int v) => _reason[v];

    internal int LevelOf(int v) => _level[v];

    internal bool IsFixedFact(int v) => (_flags[v] & Fixed) != 0;

    internal bool IsTrue(int v) => _value[v] > 0;

    /// <summary>Position of a variable's assignment on the trail, or -1 for facts kept off the trail.</summary>
    internal int TrailPosition(int v)
    {
        if (IsFixedFact(v)) return -1;
        for (int i = 0; i < _trail.Count; i++)
            if (_trail[i] >> 1 == v) return i;
        return int.MaxValue;
    }
}
