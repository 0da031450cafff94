using System.Text;
using Stork.Format.Trust;
using NameGroup = Stork.Client.Packages.CompactPackageIndex.NameGroup;

namespace Stork.Client.Packages;

/// <summary>
/// A new index from a cached one and the changed part: the entries of the affected target paths are dropped and the
/// delegation search's answers for those paths added. Every other entry is kept as bytes, except that an entry that
/// provides a name whose owners (the roles signing packages of that name) changed has its kept provides worked out
/// again. The result equals an index built from all roles (<see cref="PackageIndex"/>'s constructor), which the tests
/// check over random change sequences.
/// </summary>
internal static class PackageIndexMerge
{
    /// <param name="affected">Every target path listed by a changed role, before or after the change.</param>
    /// <param name="found">The delegation search's answer for each affected path that has one.</param>
    public static (byte[] Body, List<(string Path, string Text)> Problems) Merge(
        CompactPackageIndex old, IReadOnlyList<(string Path, string Text)> oldProblems, IReadOnlySet<string> affected,
        IEnumerable<FoundTarget> found, PackageTrustPolicy policy)
    {
        var groups = new Dictionary<string, NameState>(StringComparer.Ordinal);
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in old.ReadGroups())
        {
            var name = Encoding.UTF8.GetString(group.Name);
            var kept = group.Entries.Where(s => !affected.Contains(s.Path)).ToList();
            if (kept.Count != group.Entries.Count) touched.Add(name);
            groups[name] = new NameState(group with { Entries = kept });
        }
        var problems = oldProblems.Where(p => !affected.Contains(p.Path)).ToList();
        var added = new List<PackageEntry>();
        foreach (var target in found)
            if (PackageIndex.TryReadEntry(target, policy, problems) is { } entry)
            {
                added.Add(entry);
                touched.Add(entry.Name);
            }
        foreach (var entry in added)
        {
            if (!groups.TryGetValue(entry.Name, out var state)) groups[entry.Name] = state = new NameState(new NameGroup(Encoding.UTF8.GetBytes(entry.Name), [], []));
            state.Added.Add(entry);
        }

        // Owners of a name: the roles of its entries (a kept entry's role is the second string of its bytes).
        var owners = new Dictionary<string, IReadOnlySet<string>?>(StringComparer.Ordinal);
        IReadOnlySet<string>? OwnersOf(string name)
        {
            if (owners.TryGetValue(name, out var known)) return known;
            HashSet<string>? roles = null;
            if (groups.TryGetValue(name, out var state))
            {
                foreach (var slot in state.Group.Entries) (roles ??= new(StringComparer.Ordinal)).Add(CompactPackageIndex.RoleOf(slot));
                foreach (var entry in state.Added) (roles ??= new(StringComparer.Ordinal)).Add(entry.Role);
            }
            return owners[name] = roles;
        }

        // Kept entries that provide a name whose owners may have changed: their kept provides (and the problems
        // saying which were refused) are worked out again.
        var recheck = new List<(NameState State, int At)>();
        foreach (var state in groups.Values)
            for (int i = 0; i < state.Group.Entries.Count; i++)
                if (state.Group.Entries[i].Declared.Any(touched.Contains)) recheck.Add((state, i));
        var rechecked = recheck.Select(r => r.State.Group.Entries[r.At].Path).ToHashSet(StringComparer.Ordinal);
        problems.RemoveAll(p => rechecked.Contains(p.Path));
        foreach (var (state, i) in recheck)
        {
            var stored = CompactPackageIndex.DecodeSlot(state.Group.Entries[i]);
            var original = stored with { Candidate = stored.Candidate with { Provides = CompactPackageIndex.ReadProvides(stored) } };
            state.Group.Entries[i] = CompactPackageIndex.SlotOf(PackageIndex.KeepOwnedProvides(original, OwnersOf, problems));
        }

        var result = new List<NameGroup>(groups.Count);
        foreach (var (name, state) in groups)
        {
            if (state.Added.Count == 0 && !touched.Contains(name)) { result.Add(state.Group); continue; }
            // A name whose entries changed: decoded and ordered again (few).
            var entries = state.Group.Entries.Select(s => (Entry: CompactPackageIndex.DecodeSlot(s), Slot: (CompactPackageIndex.Slot?)s))
                .Concat(state.Added.Select(e => (Entry: PackageIndex.KeepOwnedProvides(e, OwnersOf, problems), Slot: (CompactPackageIndex.Slot?)null)))
                .ToList();
            if (entries.Count == 0) continue;
            entries.Sort((a, b) => PackageIndex.NewestFirst(a.Entry, b.Entry));
            result.Add(new NameGroup(state.Group.Name, Encoding.UTF8.GetBytes(entries[0].Entry.Summary),
                entries.Select(e => e.Slot ?? CompactPackageIndex.SlotOf(e.Entry)).ToList()));
        }
        result.Sort((a, b) => CompactPackageIndex.Utf8Order.Compare(a.Name, b.Name));
        return (CompactPackageIndex.Write(result), PackageIndex.SortedProblems(problems));
    }

    private sealed class NameState(NameGroup group)
    {
        public NameGroup Group { get; } = group;
        public List<PackageEntry> Added { get; } = [];
    }
}
