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
    private Dictionary<string, string>? _files;

    public SigningKeys(KeyStore store, IEnumerable<SigningKey>? extra = null)
    {
        _store = store;
        foreach (var key in extra ?? []) _cache[key.KeyId] = key;
    }

    public SigningKey? Find(string keyId)
    {
        if (_cache.TryGetValue(keyId, out var cached)) return cached;
        _files ??= _store.FilesByKeyId();
        SigningKey? key = _files.TryGetValue(keyId, out var file) ? KeyStore.LoadFile(file) : null;
        if (key is not null) _owned.Add(key);
        _cache[keyId] = key;
        return key;
    }

    /// <summary>Forgets the store's file list (after keys were added or retired).</summary>
    public void Reload()
    {
        _files = null;
        foreach (var id in _cache.Where(c => c.Value is null).Select(c => c.Key).ToList()) _cache.Remove(id);
    }

    public int Available(RoleKeys role) => role.KeyIds.Count(id => Find(id) is not null);

    /// <summary>Fails unless enough of the role's keys are at hand to meet its threshold (checked before anything is written).</summary>
    public void Require(string roleName, RoleKeys role)
    {
        int available = Available(role);
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
            if (Find(id) is { } key) signatures[key.KeyId] = Convert.ToHexStringLower(key.Sign(message));
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
