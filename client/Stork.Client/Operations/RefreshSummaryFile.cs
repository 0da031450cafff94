using System.Text;
using System.Text.Json;
using Stork.Client.Packages;
using Stork.Client.State;
using Stork.Client.Tuf;
using Stork.Format.Errors;

namespace Stork.Client.Operations;

/// <summary>
/// What the refresh command reports (number of names, unreadable entries) kept beside the index cache with the
/// <see cref="VerifiedChain"/> it was computed from, the trust policy and the earliest expiry of the roles the index
/// was built from. A refresh with nothing new whose chain still holds (<see cref="Updater.RefreshTopLevelAsync"/>)
/// reports it without parsing the snapshot or targets or opening the index database. The report is a function of
/// the snapshot (which pins every role), the root and the policy, so it stays right as long as the chain does.
/// A file that is missing, damaged (its first line is the SHA-256 of its second), for another policy or past that
/// expiry is ignored: the refresh then runs in full and writes it again. It guards against damage, not against
/// someone who may write the host's state directory (as the index cache).
/// </summary>
internal static class RefreshSummaryFile
{
    private const string Format = "stork-refresh-summary 1";

    internal sealed record Stored(VerifiedChain Chain, PackageIndexCache.Summary Summary);

    public static Stored? TryRead(string file, PackageTrustPolicy policy, DateTimeOffset now)
    {
        try
        {
            if (!File.Exists(file)) return null;
            var text = File.ReadAllText(file);
            var newline = text.IndexOf('\n');
            if (newline < 0) return null;
            var body = text[(newline + 1)..];
            if (text[..newline] != VerifiedChain.Sha256Of(Encoding.UTF8.GetBytes(body))) return null;
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.GetProperty("format").GetString() != Format || root.GetProperty("policy").GetString() != PackageIndexCache.PolicyText(policy)) return null;
            var expires = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("expires").GetInt64());
            if (expires <= now) return null;
            var problems = root.GetProperty("problems").EnumerateArray().Select(p => p.GetString() ?? throw new JsonException("problem")).ToList();
            return new Stored(VerifiedChain.Read(root.GetProperty("chain")), new PackageIndexCache.Summary(root.GetProperty("names").GetInt32(), problems, expires));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException
                                    or KeyNotFoundException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Best effort, as the index cache: a summary that cannot be written costs time on the next refresh.</summary>
    public static void TryWrite(string file, VerifiedChain chain, PackageTrustPolicy policy, PackageIndexCache.Summary summary)
    {
        if (summary.Expires is not { } expires) return;
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteString("policy", PackageIndexCache.PolicyText(policy));
            writer.WriteNumber("expires", expires.ToUnixTimeSeconds());
            writer.WriteNumber("names", summary.Names);
            writer.WriteStartArray("problems");
            foreach (var problem in summary.Problems) writer.WriteStringValue(problem);
            writer.WriteEndArray();
            writer.WritePropertyName("chain");
            chain.WriteTo(writer);
            writer.WriteEndObject();
        }
        var body = stream.ToArray();
        try { AtomicFile.Write(file, [.. Encoding.UTF8.GetBytes(VerifiedChain.Sha256Of(body) + "\n"), .. body]); }
        catch (LocalException) { TryDelete(file); }
    }

    public static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
