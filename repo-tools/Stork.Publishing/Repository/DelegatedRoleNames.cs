using System.Text.RegularExpressions;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// Names a publisher accepts for delegated roles. The name becomes a file name (NAME.json, N.NAME.json),
/// so it is restricted to a safe alphabet and must not shadow a top-level role.
/// </summary>
public static partial class DelegatedRoleNames
{
    public const string BinPrefix = "bins-";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex Safe();

    public static void Check(string name)
    {
        if (!Safe().IsMatch(name))
            throw new PublisherException($"'{name}' is not a usable role name: use 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        if (RoleNames.TopLevel.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new PublisherException($"'{name}' is a top-level role name; pick another name for a delegated role");
    }
}
