namespace Stork.Client.Guests;

/// <summary>Guest names: [a-z0-9][a-z0-9._-]*, at most 64 characters, so they are safe in file names and messages.</summary>
public static class GuestNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength) return false;
        if (name[0] is not (>= 'a' and <= 'z' or >= '0' and <= '9')) return false;
        foreach (var c in name)
            if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-')) return false;
        return true;
    }
}
