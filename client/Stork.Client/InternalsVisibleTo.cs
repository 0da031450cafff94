using System.Runtime.CompilerServices;

// The compact index format is tested against the index it was written from.
[assembly: InternalsVisibleTo("Stork.Client.Tests")]
