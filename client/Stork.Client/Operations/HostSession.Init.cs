using System.Text.Json.Nodes;
using Stork.Client.Config;
using Stork.Client.State;
using Stork.Client.Tuf;
using Stork.Format.Errors;
using Stork.Format.Json;
using Stork.Format.Metadata;
using Stork.Format.Trust;

namespace Stork.Client.Operations;

/// <summary>What <c>init</c> did: the settings it changed ("repository: A -> B") and the ones it kept.</summary>
public sealed record InitResult(IReadOnlyList<string> Changed, IReadOnlyList<string> Kept);

public sealed partial class HostSession
{
    /// <summary>
    /// Pins trust explicitly: the given root.json must be well-formed and signed by its own threshold.
    /// Nothing is fetched here, so there is no trust on first use. An existing trusted root or config is replaced
    /// only with <paramref name="force"/> (running init again with the same root and repository changes nothing);
    /// stork.json keeps every other setting (mirrors, trusted_roles, parallel_downloads, ...).
    /// </summary>
    public static InitResult Init(HostPaths paths, string repositoryUrl, string rootFile, TimeProvider time, string? host = null, bool force = false)
    {
        Uri url;
        try { url = ClientConfig.ParseRepositoryUrl(repositoryUrl); }
        catch (FormatException e) { throw new LocalException($"--repo: {e.Message}"); }
        if (!File.Exists(rootFile)) throw new LocalException($"--root: {rootFile} does not exist");
        var bytes = File.ReadAllBytes(rootFile);
        TrustedMetadata pinned;
        try { pinned = new TrustedMetadata(bytes, time.GetUtcNow()); }
        catch (RepositoryException e) { throw new LocalException($"--root: {rootFile} cannot be trusted: {e.Message}"); }

        var store = new LocalMetadataStore(MetadataDirOf(paths));
        var configPath = ClientConfig.PathIn(paths.ConfigDir);
        JsonObject config = new();
        if (File.Exists(configPath))
        {
            try { config = StrictJson.ParseObject(File.ReadAllBytes(configPath), configPath); }
            catch (FormatException e) when (force) { _ = e; config = new JsonObject(); } // --force replaces a damaged file
            catch (FormatException e) { throw new LocalException($"{configPath} is damaged: {e.Message}; 'init --force' replaces it"); }
        }
        var oldRoot = store.Read(RoleNames.Root);
        var oldRepository = config["repository"] is JsonValue r && r.TryGetValue<string>(out var text) ? text : null;
        var oldHost = config["host"] is JsonValue h && h.TryGetValue<string>(out var hostText) ? hostText : null;

        var changed = new List<string>();
        if (oldRepository != url.AbsoluteUri) changed.Add(oldRepository is null ? $"repository: {url.AbsoluteUri}" : $"repository: {oldRepository} -> {url.AbsoluteUri}");
        bool rootChanged = oldRoot is null || !oldRoot.AsSpan().SequenceEqual(bytes);
        if (rootChanged) changed.Add(oldRoot is null ? $"trusted root: version {pinned.Root.Header.Version}" : $"trusted root: version {RootVersion(oldRoot)} -> {pinned.Root.Header.Version} (other keys or content)");
        if (host is not null && host != oldHost) changed.Add(oldHost is null ? $"host: {host}" : $"host: {oldHost} -> {host}");
        bool existed = oldRoot is not null || File.Exists(configPath);
        if (existed && changed.Count > 0 && !force)
            throw new LocalException($"this host is already initialised ({configPath}); init would change {string.Join("; ", changed)}. Run 'stork-get init --force ...' to replace it");

        var kept = config.Select(p => p.Key).Where(k => k is not ("repository" or "host")).ToList();
        if (changed.Count > 0)
        {
            if (rootChanged || oldRepository != url.AbsoluteUri)
            {
                // Metadata verified under another root or from another repository is not carried over.
                foreach (var role in new[] { RoleNames.Timestamp, RoleNames.Snapshot, RoleNames.Targets }) store.Delete(role);
                store.Write(RoleNames.Root, bytes);
                store.ForgetRootCheck();
            }
            config["repository"] = url.AbsoluteUri;
            if (host is not null) config["host"] = host;
            Directory.CreateDirectory(paths.ConfigDir);
            var temp = $"{configPath}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temp, config.ToJsonString(new() { WriteIndented = true }));
            File.Move(temp, configPath, overwrite: true);
        }
        Directory.CreateDirectory(paths.StateDir);
        Directory.CreateDirectory(paths.CacheDir);
        return new InitResult(changed, kept);
    }

    private static string RootVersion(byte[] root)
    {
        try { return JsonNode.Parse(root)?["signed"]?["version"]?.ToString() ?? "?"; }
        catch (System.Text.Json.JsonException) { return "?"; }
    }
}
