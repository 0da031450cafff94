using System.Globalization;
using System.Text;
using Stork.Format.Errors;
using Stork.Format.Packages;

namespace Stork.Client.Guests;

/// <summary>
/// Account names of one guest, from its own /etc/passwd and /etc/group (PACKAGE-FORMAT.md §3.1: ids differ between
/// guests, so a manifest owner "NAME:ID" is resolved by NAME here, falling back to ID). Both files are guest-controlled:
/// read through <see cref="GuestRoot"/>, at most 4 MiB each, and parsed strictly (a malformed line is a guest error
/// naming file and line, never a guess).
/// </summary>
public sealed class GuestAccounts
{
    public const int MaxFileBytes = 4 * 1024 * 1024;

    private readonly IReadOnlyDictionary<string, uint> _users;
    private readonly IReadOnlyDictionary<string, uint> _groups;

    private GuestAccounts(IReadOnlyDictionary<string, uint> users, IReadOnlyDictionary<string, uint> groups)
    {
        _users = users;
        _groups = groups;
    }

    public static GuestAccounts Read(GuestRoot root) => new(
        Parse(root.ReadSmallFile("etc/passwd", MaxFileBytes), root.Name, "/etc/passwd", idField: 2, minFields: 7),
        Parse(root.ReadSmallFile("etc/group", MaxFileBytes), root.Name, "/etc/group", idField: 2, minFields: 4));

    /// <summary>For tests and callers that already hold the bytes.</summary>
    public static GuestAccounts Parse(byte[]? passwd, byte[]? group, string guest) => new(
        Parse(passwd, guest, "/etc/passwd", 2, 7), Parse(group, guest, "/etc/group", 2, 4));

    /// <summary>The owner an entry gets in this guest: root unless the manifest names another account.</summary>
    public GuestOwner? OwnerOf(PackageFileEntry entry) =>
        entry.IsRootOwned ? null : new GuestOwner(Resolve(entry.Owner, _users), Resolve(entry.Group, _groups));

    private static uint Resolve(string? nameAndId, IReadOnlyDictionary<string, uint> known)
    {
        if (nameAndId is null) return 0;
        var colon = nameAndId.IndexOf(':');
        return known.TryGetValue(nameAndId[..colon], out var id) ? id : uint.Parse(nameAndId[(colon + 1)..], CultureInfo.InvariantCulture);
    }

    // Looser than manifests (Debian has "Debian-exim", Samba "host$"), but never empty, long or with controls or blanks.
    private static bool IsAccountName(string name) =>
        name.Length is > 0 and <= 256 && name.All(c => c > ' ' && c != 0x7f);

    private static Dictionary<string, uint> Parse(byte[]? bytes, string guest, string file, int idField, int minFields)
    {
        var map = new Dictionary<string, uint>(StringComparer.Ordinal);
        if (bytes is null) return map;
        string text;
        try { text = new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw new GuestException($"guest '{guest}': {file} is not valid UTF-8"); }
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] is '#' or '+' or '-') continue; // comments and NIS compat entries name no account
            var fields = line.Split(':');
            if (fields.Length != minFields || !IsAccountName(fields[0])
                || !uint.TryParse(fields[idField], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == uint.MaxValue)
                throw new GuestException($"guest '{guest}': {file} line {i + 1} is not a valid entry (NAME:PASSWORD:ID:...); fix or remove it");
            map.TryAdd(fields[0], id); // the first entry wins, as getpwnam does
        }
        return map;
    }
}
