using Stork.Format.Errors;

namespace Stork.Client.Fetching;

/// <summary>The mirror answered 404. For N+1.root.json this simply means there is no newer root.</summary>
public sealed class NotFoundException(Uri url) : RepositoryException($"{url} was not found on the mirror (HTTP 404)")
{
    public Uri Url { get; } = url;
    public override ErrorClass Class => ErrorClass.Network;
}
