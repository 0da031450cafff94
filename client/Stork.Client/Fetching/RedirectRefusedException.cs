using Stork.Format.Errors;

namespace Stork.Client.Fetching;

/// <summary>
/// A mirror redirected away from itself: to another host or port, to a scheme other than http(s), from https down to
/// http, or in too long a chain. The mirror is set aside like one serving bad bytes (exit 3: untrusted repository).
/// </summary>
public sealed class RedirectRefusedException(string message) : RepositoryException(message);
