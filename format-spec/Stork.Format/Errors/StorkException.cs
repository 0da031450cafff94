namespace Stork.Format.Errors;

/// <summary>Root of Stork's error hierarchy; every subclass has one class (the CLIs map it to a documented exit code).</summary>
public abstract class StorkException(string message, Exception? inner = null) : Exception(message, inner)
{
    public abstract ErrorClass Class { get; }

    /// <summary>The explanation as steps, when the message is one (an unsolvable request); empty otherwise.</summary>
    public virtual IReadOnlyList<ErrorStep> Steps => [];
}

/// <summary>
/// The repository (or the mirror serving it) gave us something we must not trust.
/// These can be retried against another mirror; nothing local is wrong.
/// </summary>
public class RepositoryException(string message, Exception? inner = null) : StorkException(message, inner)
{
    public override ErrorClass Class => ErrorClass.UntrustedRepository;
}

public sealed class UnsignedMetadataException(string message) : RepositoryException(message);
public sealed class ExpiredMetadataException(string message) : RepositoryException(message);
public sealed class RollbackException(string message) : RepositoryException(message);
public sealed class BadVersionException(string message) : RepositoryException(message);
/// <summary>Downloaded bytes do not match the signed length or hash.</summary>
public sealed class ContentMismatchException(string message) : RepositoryException(message);

/// <summary>The repository could not be reached or answered with an HTTP error. Retryable elsewhere.</summary>
public sealed class FetchException(string message, Exception? inner = null) : RepositoryException(message, inner)
{
    public override ErrorClass Class => ErrorClass.Network;
}

/// <summary>Something on this host is wrong: configuration, state, guests. Another mirror would not help.</summary>
public class LocalException(string message, Exception? inner = null) : StorkException(message, inner)
{
    public override ErrorClass Class => ErrorClass.LocalState;
}
