using System.Globalization;

namespace Stork.Publishing.Repository;

/// <summary>
/// TUF hash bins: with 2^k bins, prefixes have L = max(1, ceil(k/4)) hex digits, there are 16^L of them, and
/// each bin takes 16^L / 2^k consecutive prefixes. A bin is named <c>bins-</c> plus its first prefix.
/// </summary>
public sealed class HashBinLayout
{
    public sealed record Bin(string Name, IReadOnlyList<string> Prefixes);

    public int PrefixLength { get; }
    public IReadOnlyList<Bin> Bins { get; }
    private readonly int _perBin;

    private HashBinLayout(int prefixLength, int perBin, List<Bin> bins)
    {
        PrefixLength = prefixLength;
        _perBin = perBin;
        Bins = bins;
    }

    public static HashBinLayout Create(int count)
    {
        if (count < 2 || count > 65536 || (count & (count - 1)) != 0)
            throw new PublisherException($"the number of bins must be a power of two between 2 and 65536, not {count}");
        int k = System.Numerics.BitOperations.Log2((uint)count);
        int length = Math.Max(1, (k + 3) / 4);
        int total = 1 << (4 * length);
        int perBin = total / count;
        var bins = new List<Bin>(count);
        for (int i = 0; i < count; i++)
        {
            var prefixes = Enumerable.Range(i * perBin, perBin).Select(p => Hex(p, length)).ToList();
            bins.Add(new Bin(DelegatedRoleNames.BinPrefix + prefixes[0], prefixes));
        }
        return new HashBinLayout(length, perBin, bins);
    }

    public Bin BinOf(string targetPath)
    {
        var prefix = int.Parse(TargetPathRules.PathHash(targetPath)[..PrefixLength], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return Bins[prefix / _perBin];
    }

    private static string Hex(int value, int length) => value.ToString("x" + length.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
