using System.Globalization;

namespace Stork.Format.Metadata;

/// <summary>TUF's "expires" form: YYYY-MM-DDTHH:MM:SSZ, always UTC, no fractions.</summary>
public static class ExpiryFormat
{
    private const string Pattern = "yyyy-MM-ddTHH:mm:ssZ";

    public static string Format(DateTimeOffset when)
        => when.ToUniversalTime().ToString(Pattern, CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text, string what)
    {
        if (DateTimeOffset.TryParseExact(text, Pattern, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var when))
            return when;
        throw new MetadataFormatException($"{what}: 'expires' must look like 2030-01-01T00:00:00Z, found '{text}'");
    }

    /// <summary>Rounds down to whole seconds so that written and re-read values compare equal.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset when)
        => new(when.UtcTicks - when.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
