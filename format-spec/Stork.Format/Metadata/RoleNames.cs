namespace Stork.Format.Metadata;

public static class RoleNames
{
    public const string Root = "root";
    public const string Targets = "targets";
    public const string Snapshot = "snapshot";
    public const string Timestamp = "timestamp";

    public static readonly string[] TopLevel = [Root, Targets, Snapshot, Timestamp];

    /// <summary>The spec version this implementation writes; readers accept any 1.x.</summary>
    public const string SpecVersion = "1.0.31";
}
