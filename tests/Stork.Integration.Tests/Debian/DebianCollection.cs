namespace Stork.Integration.Tests.Debian;

/// <summary>One imported repository for every Debian test class: the import runs once per test run.</summary>
[CollectionDefinition("debian")]
public sealed class DebianCollection : ICollectionFixture<ImportedDebianRepository>;
