using Stork.Format.Crypto;
using Stork.Format.Errors;
using Stork.Format.Metadata;

namespace Stork.Client.Packages;

/// <summary>
/// A blob's name on this host: the lowercase hex sha256 the repository signed for it, or its sha512 when the
/// target is signed with sha512 only (TUF allows either). The two differ in length (64 or 128 digits) and live in
/// their own cache folders (blobs/sha256, blobs/sha512), so a name never means two things. Host state keeps the
/// name in its blob_sha256 columns.
/// </summary>
public static class BlobId
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    /// <summary>The folders a cache can hold blobs in, one per algorithm.</summary>
    public static readonly string[] Algorithms = [Sha256, Sha512];

    /// <exception cref="MetadataFormatException">The target lists neither a well-formed sha256 nor sha512.</exception>
    public static string Of(TargetFile target, string what)
    {
        foreach (var algorithm in Algorithms)
            if (target.Hashes.TryGetValue(algorithm, out var hex))
            {
                var id = hex.ToLowerInvariant();
                if (!IsWellFormed(id) || AlgorithmOf(id) != algorithm)
                    throw new MetadataFormatException($"{what}: its {algorithm} is not {DigitsOf(algorithm)} hex digits");
                return id;
            }
        throw new MetadataFormatException($"{what}: the target lists no sha256 or sha512 hash ({string.Join(", ", target.Hashes.Keys)})");
    }

    public static string AlgorithmOf(string id) => id.Length == 128 ? Sha512 : Sha256;

    public static bool IsWellFormed(string id)
        => id.Length is 64 or 128 && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static string PathIn(string blobsDir, string id) => Path.Combine(blobsDir, AlgorithmOf(id), id);

    /// <summary>The per-algorithm folders of a blob cache that exist (the files in them are named by their digest).</summary>
    public static IEnumerable<string> ExistingDirsIn(string blobsDir) => Algorithms.Select(a => Path.Combine(blobsDir, a)).Where(Directory.Exists);

    /// <summary>The digest of a file under the algorithm its name says (re-hashing a cached blob before use).</summary>
    public static string HashOfFile(string path, string id)
    {
        using var stream = File.OpenRead(path);
        return AlgorithmOf(id) == Sha512 ? Hashing.Sha512Hex(stream) : Hashing.Sha256Hex(stream);
    }

    private static int DigitsOf(string algorithm) => algorithm == Sha512 ? 128 : 64;
}
