using System.Diagnostics;
using Stork.Resolver.Model;

namespace Stork.Resolver.Search;

internal enum SearchStatus { Solved, Unsolvable, TimedOut, Cancelled }

/// <summary>
/// Conflict-driven clause learning over package variables (literal = var*2, negated = var*2+1).
/// Clauses are added lazily: a package's depends and conflicts enter the clause store the first time the
/// package is set true, and a name's one-version rule the first time a clause may select it. Only pending
/// clauses (install items, kept names, depends of true packages) drive decisions, and a decision always sets
/// a package true, so nothing is installed that no clause asked for. Unassigned variables end false.
/// The engine is reused across solves of a session; per-variable state is reset lazily by a generation stamp.
/// </summary>
internal sealed partial class CdclEngine(PackagePool pool)
{
    private const byte Expanded = 1, Preferred = 2, Fixed = 4;

    internal readonly PackagePool Pool = pool;
    private int _generation;
    private RequestPolicy _policy = null!;

    // Per variable, valid only when _stamp[v] == _generation.
    private int[] _stamp = [];
    private sbyte[] _value = [];
    private int[] _level = [];
    private int[] _reason = [];
    private byte[] _flags = [];
    private int[] _seen = [];
    private int _seenMark;
    private IntList?[] _watches = [];
    private int[] _nameStamp = [];
    private readonly IntList _touched = new(1024);

    // Clause store: literals of clause c are _literals[_start[c] .. _start[c] + _length[c]).
    private readonly IntList _literals = new(1 << 14);
    private readonly IntList _start = new(4096);
    private readonly IntList _length = new(4096);
    private ClauseOrigin[] _origins = new ClauseOrigin[4096];

    // Trail and decision levels.
    private readonly IntList _trail = new(4096);
    private int _queueHead;
    private readonly IntList _levelStarts = new(256);
    private readonly IntList _pendingAtLevel = new(256);
    private readonly List<int[]> _rootClauses = []; // install items and kept names, in request order

    // Clauses waiting for a decision, as their variables in preference order; a prefix is known satisfied.
    private PendingClause[] _pending = new PendingClause[1024];
    private int _pendingCount;
    private int _pendingCursor;

    private readonly IntList _buffer = new(64);
    private readonly IntList _factBuffer = new(4); // Activate runs while _buffer holds a clause under construction
    private readonly IntList _learnt = new(64);
    private int[] _scratch = new int[64];

    internal int ConflictClause { get; private set; } = -1;
    internal int Conflicts { get; private set; }
    internal int Decisions { get; private set; }
    internal int DecisionLevel => _levelStarts.Count;

    internal SearchStatus Run(SolveRequest request, RequestPolicy policy, CancellationToken cancellation)
    {
        Reset(policy);
        int unsatisfiable = SetUpRequest(request);
        if (unsatisfiable >= 0) { ConflictClause = unsatisfiable; return SearchStatus.Unsolvable; }
        while (true)
        {
            int conflict = Propagate();
            if (conflict >= 0)
            {
                Conflicts++;
                if (DecisionLevel == 0) { ConflictClause = conflict; return SearchStatus.Unsolvable; }
                LearnAndBackjump(conflict);
                if ((Conflicts & 63) == 0 && OutOfBudget(cancellation) is { } stop) return stop;
                continue;
            }
            int decision = Decide();
            if (decision < 0) return SearchStatus.Solved;
            Decisions++;
            if ((Decisions & 255) == 0 && OutOfBudget(cancellation) is { } stop2) return stop2;
            NewDecision(decision);
        }
    }

    private void NewDecision(int literal)
    {
        _levelStarts.Add(_trail.Count);
        _pendingAtLevel.Add(_pendingCount);
        Assign(literal, -1);
    }

    // A time limit arrives as a cancellation too; the session tells the two apart.
    private static SearchStatus? OutOfBudget(CancellationToken cancellation) =>
        cancellation.IsCancellationRequested ? SearchStatus.Cancelled : null;

    private void Reset(RequestPolicy policy)
    {
        _policy = policy;
        _generation++;
        _touched.Clear();
        _literals.Clear();
        _start.Clear();
        _length.Clear();
        _trail.Clear();
        _queueHead = 0;
        _levelStarts.Clear();
        _pendingAtLevel.Clear();
        _rootClauses.Clear();
        Array.Clear(_pending, 0, _pendingCount);
        _pendingCount = 0;
        _pendingCursor = 0;
        ConflictClause = -1;
        Conflicts = 0;
        Decisions = 0;
    }

    /// <summary>Adds install items and kept names at level 0; returns an empty clause's id when one is unsatisfiable outright.</summary>
    private int SetUpRequest(SolveRequest request)
    {
        foreach (var name in request.Remove) Activate(Pool.Name(name));
        foreach (var id in request.Locks) Activate(Pool.Name(id.Name));
        for (int i = 0; i < request.Install.Count; i++)
        {
            var item = request.Install[i];
            int[] vars = Pool.NamedVars(item.Name, item.Range);
            int c = AddRootClause(vars, new ClauseOrigin { Kind = ClauseKind.Install, Index = i });
            if (c >= 0) return c;
        }
        for (int i = 0; i < _policy.KeptNames.Count; i++)
        {
            int c = AddRootClause(Pool.Name(_policy.KeptNames[i]).Vars, new ClauseOrigin { Kind = ClauseKind.Keep, Index = i });
            if (c >= 0) return c;
        }
        return -1;
    }

    /// <summary>A clause of positive literals added at level 0; returns its id if it is already false.</summary>
    private int AddRootClause(int[] vars, ClauseOrigin origin)
    {
        foreach (var v in vars) Activate(Pool.NameOf(v));
        _buffer.Clear();
        foreach (var v in vars) _buffer.Add(v * 2);
        int c = AddClause(_buffer, origin, out bool conflict);
        PushPending(vars);
        _rootClauses.Add(vars);
        return conflict ? c : -1;
    }

    private void PushPending(int[] vars)
    {
        if (_pendingCount == _pending.Length) Array.Resize(ref _pending, _pendingCount * 2);
        _pending[_pendingCount++] = new PendingClause(vars);
    }

    private void EnsureCapacity()
    {
        int need = Pool.VarCount;
        if (_stamp.Length < need)
        {
            int size = Math.Max(need, _stamp.Length * 2);
            Array.Resize(ref _stamp, size);
            Array.Resize(ref _value, size);
            Array.Resize(ref _level, size);
            Array.Resize(ref _reason, size);
            Array.Resize(ref _flags, size);
            Array.Resize(ref _seen, size);
            Array.Resize(ref _watches, size * 2);
        }
        if (_nameStamp.Length < Pool.NameCount) Array.Resize(ref _nameStamp, Math.Max(Pool.NameCount, _nameStamp.Length * 2));
    }

    /// <summary>Makes a variable's state valid for this solve (unassigned, no watches).</summary>
    private void Touch(int v)
    {
        if (v >= _stamp.Length) EnsureCapacity();
        if (_stamp[v] == _generation) return;
        _stamp[v] = _generation;
        _value[v] = 0;
        _level[v] = -1;
        _reason[v] = -1;
        _flags[v] = 0;
        _seen[v] = 0;
        _watches[2 * v]?.Clear();
        _watches[2 * v + 1]?.Clear();
        _touched.Add(v);
    }

    /// <summary>
    /// First time a name may be selected in this solve: record the per-request facts of its versions
    /// (removed, locked away, unwanted prerelease, unsatisfiable depends) and add its one-version clauses.
    /// </summary>
    private void Activate(NameEntry name)
    {
        if (name.Id >= _nameStamp.Length) EnsureCapacity();
        if (_nameStamp[name.Id] == _generation) return;
        _nameStamp[name.Id] = _generation;
        bool restricts = _policy.RestrictsNames;
        foreach (var v in name.Vars)
        {
            Touch(v);
            var candidate = Pool.CandidateOf(v);
            if (_policy.IsPreferred(candidate)) _flags[v] |= Preferred;
            if (restricts && _policy.IsRemoved(candidate.Name)) FixFalse(v, new ClauseOrigin { Kind = ClauseKind.Removed, Var = v });
            else if (restricts && _policy.LockExcluding(candidate) is var lockIndex && lockIndex >= 0)
                FixFalse(v, new ClauseOrigin { Kind = ClauseKind.NotLocked, Var = v, Index = lockIndex });
            else if (Pool.IsPrerelease(v) && !_policy.PrereleaseAllowed(candidate)) FixFalse(v, new ClauseOrigin { Kind = ClauseKind.Prerelease, Var = v });
        }
        var vars = name.Vars;
        for (int i = 0; i < vars.Length; i++)
        {
            if ((_flags[vars[i]] & Fixed) != 0) continue;
            for (int j = i + 1; j < vars.Length; j++)
            {
                if ((_flags[vars[j]] & Fixed) != 0) continue;
                _factBuffer.Clear();
                _factBuffer.Add(vars[i] * 2 + 1);
                _factBuffer.Add(vars[j] * 2 + 1);
                AddClause(_factBuffer, new ClauseOrigin { Kind = ClauseKind.SameName, Var = vars[i], Other = vars[j] }, out _);
            }
        }
    }

    /// <summary>A permanent level-0 fact "v is false", kept off the trail so backjumps never undo it.</summary>
    private void FixFalse(int v, ClauseOrigin origin)
    {
        Debug.Assert(_value[v] <= 0, "a variable becomes selectable only after its name is activated");
        _factBuffer.Clear();
        _factBuffer.Add(v * 2 + 1);
        int c = NewClause(_factBuffer, origin);
        _value[v] = -1;
        _level[v] = 0;
        _reason[v] = c;
        _flags[v] |= Fixed;
    }

    private int NewClause(IntList literals, ClauseOrigin origin)
    {
        int c = _start.Count;
        _start.Add(_literals.Count);
        _length.Add(literals.Count);
        _literals.AddRange(literals.AsSpan());
        if (c == _origins.Length) Array.Resize(ref _origins, c * 2);
        _origins[c] = origin;
        return c;
    }

    /// <summary>
    /// Adds a clause under the current assignment: watches its two best literals, assigns it if unit,
    /// and reports a conflict if every literal is already false.
    /// </summary>
    private int AddClause(IntList literals, ClauseOrigin origin, out bool conflict)
    {
        int c = NewClause(literals, origin);
        conflict = false;
        if (_scratch.Length < literals.Count) _scratch = new int[literals.Count * 2];
        int start = _start[c], length = literals.Count;
        var lits = _literals.Items;
        if (length == 0) { conflict = true; return c; }
        if (length == 1)
        {
            int value = LiteralValue(lits[start]);
            if (value < 0) conflict = true;
            else if (value == 0) Assign(lits[start], c); // only install items and kept names are unit, at level 0
            return c;
        }
        // Move the two best literals to the front: true, then unassigned, then false at the highest level.
        int first = 0, second = 1, firstScore = WatchScore(lits[start]), secondScore = WatchScore(lits[start + 1]);
        if (secondScore > firstScore) { (first, second) = (second, first); (firstScore, secondScore) = (secondScore, firstScore); }
        for (int k = 2; k < length && secondScore < int.MaxValue - 1; k++)
        {
            int score = WatchScore(lits[start + k]);
            if (score > firstScore) { second = first; secondScore = firstScore; first = k; firstScore = score; }
            else if (score > secondScore) { second = k; secondScore = score; }
        }
        if (first != 0 || second != 1)
        {
            int a = lits[start + first], b = lits[start + second];
            int slot = 2;
            // Keep the other literals in their order after the two watched ones.
            for (int k = 0; k < length; k++)
                if (k != first && k != second) _scratch[slot++ - 2] = lits[start + k];
            lits[start] = a;
            lits[start + 1] = b;
            for (int k = 2; k < length; k++) lits[start + k] = _scratch[k - 2];
        }
        Watch(lits[start], c);
        Watch(lits[start + 1], c);
        int firstValue = LiteralValue(lits[start]);
        if (firstValue < 0) conflict = true;
        else if (firstValue == 0 && LiteralValue(lits[start + 1]) < 0) Assign(lits[start], c);
        return c;
    }

    private int WatchScore(int literal)
    {
        int value = LiteralValue(literal);
        return value > 0 ? int.MaxValue : value == 0 ? int.MaxValue - 1 : _level[literal >> 1];
    }

    private void Watch(int literal, int clause)
    {
        ref var list = ref _watches[literal];
        list ??= new IntList();
        list.Add(clause);
    }

    private int LiteralValue(int literal)
    {
        int value = _value[literal >> 1];
        return (literal & 1) == 0 ? value : -value;
    }

    private void Assign(int literal, int reason)
    {
        int v = literal >> 1;
        _value[v] = (sbyte)((literal & 1) == 0 ? 1 : -1);
        _level[v] = DecisionLevel;
        _reason[v] = reason;
        _trail.Add(literal);
    }

    /// <summary>Unit propagation with two watched literals; returns a falsified clause or -1.</summary>
    private int Propagate()
    {
        var values = _value;
        while (_queueHead < _trail.Count)
        {
            int literal = _trail[_queueHead++];
            if ((literal & 1) == 0)
            {
                int conflict = OnSetTrue(literal >> 1);
                if (conflict >= 0) return conflict;
                values = _value; // activation may have grown the arrays
            }
            int falseLiteral = literal ^ 1;
            var watchers = _watches[falseLiteral];
            if (watchers is null) continue;
            var items = watchers.Items;
            int count = watchers.Count, keep = 0;
            for (int i = 0; i < count; i++)
            {
                int c = items[i];
                var lits = _literals.Items;
                int start = _start.Items[c];
                if (lits[start] == falseLiteral) { lits[start] = lits[start + 1]; lits[start + 1] = falseLiteral; }
                int first = lits[start];
                int firstValue = (first & 1) == 0 ? values[first >> 1] : -values[first >> 1];
                if (firstValue > 0) { items[keep++] = c; continue; }
                int end = start + _length.Items[c];
                bool moved = false;
                for (int k = start + 2; k < end; k++)
                {
                    int other = lits[k];
                    int otherValue = (other & 1) == 0 ? values[other >> 1] : -values[other >> 1];
                    if (otherValue >= 0)
                    {
                        lits[start + 1] = other;
                        lits[k] = falseLiteral;
                        Watch(other, c);
                        moved = true;
                        break;
                    }
                }
                if (moved) continue;
                items[keep++] = c;
                if (firstValue < 0)
                {
                    for (int j = i + 1; j < count; j++) items[keep++] = items[j];
                    watchers.Count = keep;
                    return c;
                }
                Assign(first, c);
            }
            watchers.Count = keep;
        }
        return -1;
    }

    /// <summary>A package became true: add its clauses the first time, and queue its depends for decisions.</summary>
    private int OnSetTrue(int v)
    {
        var rules = Pool.Rules(v);
        int conflict = -1;
        if ((_flags[v] & Expanded) == 0)
        {
            _flags[v] |= Expanded;
            conflict = Expand(v, rules);
        }
        foreach (var clause in rules.DependClauses) PushPending(clause);
        return conflict;
    }

    private int Expand(int v, CompiledRules rules)
    {
        if (rules.UnmatchedDepend >= 0)
        {
            // Nothing can satisfy one of v's depends: the unit fact "not v" conflicts with v being true.
            // Conflict analysis turns it into a level-0 assignment (see LearnAndBackjump).
            _buffer.Clear();
            _buffer.Add(v * 2 + 1);
            return NewClause(_buffer, new ClauseOrigin { Kind = ClauseKind.Unmatched, Var = v, Index = rules.UnmatchedDepend });
        }
        int conflict = -1;
        var clauses = rules.DependClauses;
        for (int i = 0; i < clauses.Length; i++)
        {
            foreach (var alternative in clauses[i]) Activate(Pool.NameOf(alternative));
            _buffer.Clear();
            _buffer.Add(v * 2 + 1);
            foreach (var alternative in clauses[i]) _buffer.Add(alternative * 2);
            int c = AddClause(_buffer, new ClauseOrigin { Kind = ClauseKind.Depends, Var = v, Index = rules.DependSources[i] }, out bool failed);
            if (failed && conflict < 0) conflict = c;
        }
        for (int i = 0; i < rules.ConflictVars.Length; i++)
        {
            int other = rules.ConflictVars[i];
            Touch(other);
            _buffer.Clear();
            _buffer.Add(v * 2 + 1);
            _buffer.Add(other * 2 + 1);
            int c = AddClause(_buffer, new ClauseOrigin { Kind = ClauseKind.Conflict, Var = v, Other = other, Index = rules.ConflictSources[i] }, out bool failed);
            if (failed && conflict < 0) conflict = c;
        }
        return conflict;
    }

    /// <summary>
    /// Sweeps the pending clauses round-robin from where the last decision was made (as libsolv walks its rules),
    /// and lets the first clause without a true package pick a free package, preferring kept versions.
    /// </summary>
    private int Decide()
    {
        var values = _value;
        for (int scanned = 0; scanned < _pendingCount; scanned++, _pendingCursor++)
        {
            if (_pendingCursor >= _pendingCount) _pendingCursor = 0;
            var vars = _pending[_pendingCursor].Vars;
            int free = -1, preferred = -1;
            bool satisfied = false;
            foreach (var v in vars)
            {
                int value = values[v];
                if (value > 0) { satisfied = true; break; }
                if (value == 0)
                {
                    if (free < 0) free = v; // clauses are kept in AlternativeOrder, so the first free one is best
                    if (preferred < 0 && (_flags[v] & Preferred) != 0) preferred = v;
                }
            }
            if (satisfied || free < 0) continue;
            _pendingCursor++;
            return 2 * (preferred >= 0 ? preferred : free);
        }
        return -1;
    }

    /// <summary>First-UIP conflict analysis, then a non-chronological backjump and the learnt clause's assertion.</summary>
    private void LearnAndBackjump(int conflict)
    {
        if (_length[conflict] == 1)
        {
            // A unit fact is its own learnt clause: assert it at level 0, where it stays.
            Backjump(0);
            Assign(_literals[_start[conflict]], conflict);
            return;
        }
        int mark = ++_seenMark;
        var antecedents = new List<int> { conflict };
        List<int>? level0 = null;
        _learnt.Clear();
        _learnt.Add(0);
        int pathCount = 0, index = _trail.Count - 1, clause = conflict, implied = -1;
        int currentLevel = DecisionLevel;
        while (true)
        {
            int start = _start[clause], length = _length[clause];
            for (int k = implied < 0 ? 0 : 1; k < length; k++)
            {
                int literal = _literals[start + k];
                int v = literal >> 1;
                if (_seen[v] == mark) continue;
                _seen[v] = mark;
                if (_level[v] == 0) { (level0 ??= []).Add(v); continue; }
                if (_level[v] == currentLevel) pathCount++;
                else _learnt.Add(literal);
            }
            while (true)
            {
                int v = _trail[index] >> 1;
                if (_seen[v] == mark && _level[v] == currentLevel) break;
                index--;
            }
            implied = _trail[index--];
            pathCount--;
            if (pathCount == 0) break;
            clause = _reason[implied >> 1];
            antecedents.Add(clause);
        }
        _learnt[0] = implied ^ 1;

        int backjumpLevel = 0;
        for (int k = 1; k < _learnt.Count; k++)
        {
            int level = _level[_learnt[k] >> 1];
            if (level > backjumpLevel)
            {
                backjumpLevel = level;
                (_learnt[1], _learnt[k]) = (_learnt[k], _learnt[1]);
            }
        }
        Backjump(backjumpLevel);
        var origin = new ClauseOrigin { Kind = ClauseKind.Learned, Antecedents = antecedents.ToArray(), Level0Vars = level0?.ToArray() };
        int learnt = NewClause(_learnt, origin);
        if (_learnt.Count >= 2)
        {
            Watch(_learnt[0], learnt);
            Watch(_learnt[1], learnt);
        }
        Assign(_learnt[0], learnt);
    }

    private void Backjump(int level)
    {
        if (DecisionLevel <= level) return;
        int from = _levelStarts[level];
        for (int i = _trail.Count - 1; i >= from; i--)
        {
            int v = _trail[i] >> 1;
            if ((_flags[v] & Fixed) != 0) continue;
            _value[v] = 0;
            _level[v] = -1;
            _reason[v] = -1;
        }
        _trail.Count = from;
        _queueHead = from;
        _levelStarts.Count = level;
        int pending = _pendingAtLevel[level];
        Array.Clear(_pending, pending, _pendingCount - pending);
        _pendingCount = pending;
        _pendingAtLevel.Count = level;
        _pendingCursor = 0;
    }
}

/// <summary>A pending clause's packages; a struct so storing it skips the covariant array-store check of int[][].</summary>
internal readonly record struct PendingClause(int[] Vars);
