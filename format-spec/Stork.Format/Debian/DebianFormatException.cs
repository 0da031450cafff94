using Stork.Format.Errors;

namespace Stork.Format.Debian;

/// <summary>
/// A Debian version, relationship field or .deb file given to the publisher is malformed or cannot be carried.
/// Local input (exit 7); CLIs that take the value as an argument report it as a usage error instead.
/// </summary>
public sealed class DebianFormatException(string message, Exception? inner = null) : LocalException(message, inner);
