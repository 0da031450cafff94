using System.Runtime.CompilerServices;

// The tests exercise the bounded decompression stream and tar reader directly.
[assembly: InternalsVisibleTo("Stork.Format.Tests")]
