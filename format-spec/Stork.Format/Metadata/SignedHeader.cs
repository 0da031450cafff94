using System.Text.Json.Nodes;
using Stork.Format.Json;

namespace Stork.Format.Metadata;

/// <summary>The fields every role's signed part carries.</summary>
public sealed record SignedHeader(string Type, string SpecVersion, long Version, DateTimeOffset Expires)
{
    public static SignedHeader Read(JsonObject signed, string expectedType, string what)
    {
        try
        {
            var type = StrictJson.RequireString(signed, "_type", what);
            if (type != expectedType) throw new MetadataFormatException($"{what}: expected _type '{expectedType}', found '{type}'");
            var spec = StrictJson.RequireString(signed, "spec_version", what);
            if (!spec.StartsWith("1.", StringComparison.Ordinal))
                throw new MetadataFormatException($"{what}: unsupported spec_version '{spec}' (1.x is supported)");
            var version = StrictJson.RequireInteger(signed, "version", what);
            if (version < 1) throw new MetadataFormatException($"{what}: version must be at least 1");
            var expires = ExpiryFormat.Parse(StrictJson.RequireString(signed, "expires", what), what);
            return new SignedHeader(type, spec, version, expires);
        }
        catch (MetadataFormatException) { throw; }
        catch (FormatException e) { throw new MetadataFormatException(e.Message, e); }
    }

    public void WriteTo(JsonObject signed)
    {
        signed["_type"] = Type;
        signed["spec_version"] = SpecVersion;
        signed["version"] = Version;
        signed["expires"] = ExpiryFormat.Format(Expires);
    }
}
