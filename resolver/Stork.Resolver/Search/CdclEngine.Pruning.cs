namespace Stork.Resolver.Search;

/// <summary>
/// Shrinks a found solution to what its roots need. Any subset of a valid solution that still meets every
/// install item and kept name and is closed under "each depends clause has a member" is valid too (removing
/// packages cannot create conflicts), so this pass only ever drops packages and costs one walk.
/// </summary>
internal sealed partial class CdclEngine
{
    private readonly List<int> _needed = [];
    private int[] _neededMark = [];
    private int _neededStamp;

    /// <summary>The packages reachable from the roots, preferring, for every clause, a package already needed.</summary>
    internal List<int> NeededVars()
    {
        if (_neededMark.Length < _stamp.Length) _neededMark = new int[_stamp.Length];
        int mark = ++_neededStamp;
        _needed.Clear();
        var deferred = new List<int[]>();
        int deferredDone = 0;

        // Clauses with a single true package are settled first; clauses with a choice wait until nothing is
        // forced any more, so that by then they can often reuse a package something else needed anyway.
        foreach (var clause in _rootClauses) Require(clause);
        int next = 0;
        while (true)
        {
            while (next < _needed.Count)
                foreach (var clause in Pool.Rules(_needed[next++]).DependClauses) Require(clause);
            while (deferredDone < deferred.Count && IsNeededSatisfied(deferred[deferredDone])) deferredDone++;
            if (deferredDone == deferred.Count) break;
            Need(PickForDeferred(deferred[deferredDone++]));
        }
        return _needed;

        void Require(int[] clause)
        {
            int only = -1, trueCount = 0;
            foreach (var v in clause)
            {
                if (_value[v] <= 0) continue;
                if (_neededMark[v] == mark) return;
                only = v;
                trueCount++;
            }
            if (trueCount == 1) Need(only);
            else deferred.Add(clause);
        }

        void Need(int v)
        {
            if (_neededMark[v] == mark) return;
            _neededMark[v] = mark;
            _needed.Add(v);
        }

        bool IsNeededSatisfied(int[] clause)
        {
            foreach (var v in clause) if (_neededMark[v] == mark) return true;
            return false;
        }
    }

    /// <summary>
    /// For a clause with several true packages: one that another of them needs anyway (cdebconf needs debconf,
    /// so "debconf | debconf-2.0" takes debconf), else the one the decision heuristic prefers.
    /// </summary>
    private int PickForDeferred(int[] clause)
    {
        int best = -1;
        foreach (var y in clause)
        {
            if (_value[y] <= 0) continue;
            foreach (var need in Pool.Rules(y).DependClauses)
            {
                int only = SingleTrue(need);
                if (only < 0 || only == y || Array.IndexOf(clause, only) < 0) continue;
                if (best < 0 || AlternativeOrder.Precedes(Pool, only, best)) best = only;
            }
        }
        return best >= 0 ? best : PickTrue(clause);
    }

    private int SingleTrue(int[] clause)
    {
        int only = -1;
        foreach (var v in clause)
        {
            if (_value[v] <= 0) continue;
            if (only >= 0) return -1;
            only = v;
        }
        return only;
    }

    /// <summary>The clause's true package the decision heuristic would have picked: kept version first, then lowest name.</summary>
    private int PickTrue(int[] clause)
    {
        int best = -1;
        foreach (var v in clause)
        {
            if (_value[v] <= 0) continue;
            if ((_flags[v] & Preferred) != 0) return v;
            if (best < 0) best = v; // clauses are kept in AlternativeOrder
        }
        return best;
    }
}
