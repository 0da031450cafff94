using Stork.Client.Guests;
using Stork.Resolver;
using Stork.Resolver.Model;

namespace Stork.Client.Operations;

/// <summary>
/// The repository as one guest with a dpkg base image sees it: a name the guest's dpkg has installed has exactly one
/// candidate, the image's own version (installed and locked: Stork never replaces or removes it), whose dependencies
/// the image is trusted to have met. Its provides count too. Every other name is the repository's.
/// </summary>
public sealed class BaseImageProvider(IPackageProvider repository, IReadOnlyList<DpkgPackage> image) : IPackageProvider
{
    private readonly Dictionary<string, Candidate> _image = image.ToDictionary(
        p => p.Name, p => new Candidate(p.Name, p.Version, [], [], p.Provides.Select(x => new Provide(x.Name, x.Version)).ToList()), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _image.Keys;

    public bool Has(string name) => _image.ContainsKey(name);

    public IReadOnlyList<PackageId> Locked => _image.Values.Select(c => new PackageId(c.Name, c.Version)).ToList();

    public IReadOnlyList<Candidate> CandidatesNamed(string name) =>
        _image.TryGetValue(name, out var own) ? [own] : repository.CandidatesNamed(name);

    public IReadOnlyList<Candidate> ProvidersOf(string name)
    {
        var fromRepository = repository.ProvidersOf(name).Where(c => !_image.ContainsKey(c.Name));
        var fromImage = _image.Values.Where(c => c.Provides.Any(p => p.Name == name));
        return [.. fromImage, .. fromRepository];
    }
}
