using Stork.Resolver.Model;

namespace Stork.Resolver;

/// <summary>The simplest provider: every candidate is in memory, indexed once by name and by provided name.</summary>
public sealed class InMemoryPackageProvider : IPackageProvider
{
    private readonly Dictionary<string, List<Candidate>> _byName;
    private readonly Dictionary<string, List<Candidate>> _byProvidedName;

    public InMemoryPackageProvider(IEnumerable<Candidate> candidates)
    {
        int expected = candidates.TryGetNonEnumeratedCount(out var count) ? count : 0;
        _byName = new(expected, StringComparer.Ordinal);
        _byProvidedName = new(expected, StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            AddTo(_byName, candidate.Name, candidate);
            foreach (var provide in candidate.Provides)
            {
                var list = AddTo(_byProvidedName, provide.Name, candidate);
                // A package providing the same name twice (e.g. two versions of it) is still one provider.
                if (list.Count > 1 && ReferenceEquals(list[^2], candidate)) list.RemoveAt(list.Count - 1);
            }
        }
    }

    public int PackageCount => _byName.Values.Sum(list => list.Count);

    public IReadOnlyList<Candidate> CandidatesNamed(string name) =>
        _byName.TryGetValue(name, out var list) ? list : [];

    public IReadOnlyList<Candidate> ProvidersOf(string name) =>
        _byProvidedName.TryGetValue(name, out var list) ? list : [];

    /// <summary>Every name that has at least one candidate, in ordinal order.</summary>
    public IReadOnlyList<string> PackageNames() => _byName.Keys.Order(StringComparer.Ordinal).ToList();

    private static List<Candidate> AddTo(Dictionary<string, List<Candidate>> index, string key, Candidate candidate)
    {
        ref var list = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(index, key, out _);
        list ??= new List<Candidate>(1);
        list.Add(candidate);
        return list;
    }
}
