using System.Text.Json.Nodes;
using Stork.Format.Crypto;
using Stork.Format.Metadata;

namespace Stork.Publishing.Repository;

/// <summary>
/// The private keys one publishing step may use: the key store plus keys given on the command line.
/// Signs a role's metadata with every authorised key at hand and refuses to write it below threshold.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    private readonly KeyStore _store;
    private readonly Dictionary<string, SigningKey?> _cache = new(StringComparer.Ordinal);
    private readonly List<SigningKey> _owned = [];
    // Key files are loaded one at a time, most likely first, until the wanted key turns up: a timestamp refresh
    // loads the timestamp key, not every key of the store (each load derives a key pair and hashes its key ID).
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private List<string>? _files;

    public SigningKeys(KeyStore store, IEnumerable<SigningKey>? extra = null)
    {
        _store = store;
        foreach (var key in extra ?? []) _cache[key.KeyId] = key;
    }

    /// <summary>The private key with this ID from the command line or the store, or null when neither has it.</summary>
    /// <param name="label">The role the key is wanted for: its <c>ROLE.key.json</c> and <c>ROLE.*.key.json</c> files are tried early.</param>
    public SigningKey? Find(string keyId, string? label = null)
    {
        if (_cache.TryGetValue(keyId, out var cached)) return cached;
        _files ??= _store.CandidateFiles();
        foreach (var file in InLikelyOrder(keyId, label))
        {
            if (!_loaded.Add(file)) continue;
            var key = KeyStore.LoadFile(file);
            if (_cache.TryGetValue(key.KeyId, out var known) && known is not null) { key.Dispose(); continue; }
            _owned.Add(key);
            _cache[key.KeyId] = key;
            if (key.KeyId == keyId) return key;
        }
        _cache[keyId] = null;
        return null;
    }

    /// <summary>Files named after the key ID first, then after the role, then all the others (in name order).</summary>
    private IEnumerable<string> InLikelyOrder(string keyId, string? label)
    {
        var files = _files!;
        if (keyId.Length >= 16)
        {
            var byId = $".{keyId[..16]}{KeyStore.Suffix}";
            foreach (var file in files) if (Path.GetFileName(file).EndsWith(byId, StringComparison.Ordinal)) yield return file;
        }
        if (label is not null)
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                if (name == label + KeyStore.Suffix || name.StartsWith(label + ".", StringComparison.Ordinal)) yield return file;
            }
        foreach (var file in files) yield return file;
    }

    /// <summary>Forgets the store's file list (after keys were added or retired).</summary>
    public void Reload()
    {
        _files = null;
        foreach (var id in _cache.Where(c => c.Value is null).Select(c => c.Key).ToList()) _cache.Remove(id);
    }

    public int Available(RoleKeys role, string? roleName = null) => role.KeyIds.Count(id => Find(id, roleName) is not null);

    /// <summary>Fails unless enough of the role's keys are at hand to meet its threshold (checked before anything is written).</summary>
    public void Require(string roleName, RoleKeys role)
    {
        int available = Available(role, roleName);
        if (available < role.Threshold) throw TooFew(roleName, role, available);
    }

    private static PublisherException TooFew(string roleName, RoleKeys role, int valid) => new(
        $"role '{roleName}' needs {role.Threshold} signature(s) but only {valid} of its keys ({string.Join(", ", role.KeyIds.Select(k => k[..16]))}) are available here; " +
        "put the missing private keys in the key store or pass them with --key");

    /// <summary>Adds a signature by every key of <paramref name="role"/> that is at hand.</summary>
    public int SignWithAvailable(SignedEnvelope envelope, RoleKeys role)
    {
        int n = 0;
        foreach (var id in role.KeyIds)
            if (Find(id) is { } key) { envelope.Sign(key); n++; }
        return n;
    }

    /// <summary>Signs <paramref name="signed"/> for a role; fails unless the signatures meet its threshold.</summary>
    public SignedEnvelope Sign(string roleName, JsonObject signed, IReadOnlyDictionary<string, PublicKey> keys, RoleKeys role)
    {
        var envelope = new SignedEnvelope(signed);
        SignWithAvailable(envelope, role);
        int valid = envelope.CountValidSignatures(keys, role.KeyIds);
        if (valid < role.Threshold)
            throw new PublisherException(
                $"role '{roleName}' needs {role.Threshold} signature(s) but only {valid} of its keys ({string.Join(", ", role.KeyIds.Select(k => k[..16]))}) are available here; " +
                "put the missing private keys in the key store or pass them with --key");
        return envelope;
    }

    /// <summary>
    /// Like <see cref="Sign"/>, returning the file's bytes; the signed part is serialized to canonical JSON once and
    /// those exact bytes are signed, checked and written (not re-serialized per key and again for the file).
    /// </summary>
    public byte[] SignToBytes(string roleName, JsonObject signed, IReadOnlyDictionary<string, PublicKey> keys, RoleKeys role)
    {
        var message = Stork.Format.Json.CanonicalJson.Serialize(signed);
        var signatures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in role.KeyIds)
            if (Find(id, roleName) is { } key) signatures[key.KeyId] = Convert.ToHexStringLower(key.Sign(message));
        int valid = 0;
        foreach (var (id, hex) in signatures)
            if (role.KeyIds.Contains(id) && keys.TryGetValue(id, out var publicKey) && publicKey.Verify(message, Convert.FromHexString(hex))) valid++;
        if (valid < role.Threshold) throw TooFew(roleName, role, valid);
        // {"signatures":[{"keyid":K,"sig":S},...],"signed":MESSAGE}: canonical, as SignedEnvelope.ToBytes writes it.
        var output = new MemoryStream(message.Length + 64 + 160 * signatures.Count);
        output.Write("{\"signatures\":["u8);
        bool first = true;
        foreach (var (id, hex) in signatures)
        {
            if (!first) output.WriteByte((byte)',');
            first = false;
            Stork.Format.Json.CanonicalJson.Serialize(new JsonObject { ["keyid"] = id, ["sig"] = hex }, output);
        }
        output.Write("],\"signed\":"u8);
        output.Write(message);
        output.WriteByte((byte)'}');
        return output.ToArray();
    }

    public void Dispose()
    {
        foreach (var key in _owned) key.Dispose();
    }
}
