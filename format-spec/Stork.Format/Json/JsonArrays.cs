using System.Text.Json.Nodes;

namespace Stork.Format.Json;

/// <summary>Builds JSON arrays without the generic JsonArray.Add&lt;T&gt;, which NativeAOT cannot compile ahead of time.</summary>
public static class JsonArrays
{
    public static JsonArray OfStrings(IEnumerable<string> values)
        => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Of(IEnumerable<JsonNode> values)
        => new(values.Select(v => (JsonNode?)v).ToArray());
}
