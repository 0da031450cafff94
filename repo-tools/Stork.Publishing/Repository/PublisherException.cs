using Stork.Format.Errors;

namespace Stork.Publishing.Repository;

/// <summary>A publishing step cannot go on: missing keys, a bad package, a repository that is not initialised.</summary>
public sealed class PublisherException(string message, Exception? inner = null) : LocalException(message, inner);
