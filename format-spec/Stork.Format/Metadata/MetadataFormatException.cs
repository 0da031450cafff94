using Stork.Format.Errors;

namespace Stork.Format.Metadata;

/// <summary>Metadata that does not follow the format: unparsable, missing fields, wrong types.</summary>
public class MetadataFormatException(string message, Exception? inner = null) : RepositoryException(message, inner);
