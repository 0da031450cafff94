using Stork.Format.Packages;
using Xunit;

namespace Stork.Format.Tests.Packages;

/// <summary>
/// Random corruption of a valid package, in the tar stream and in the compressed bytes: the reader must either
/// accept it (when the change does not matter) or reject it with <see cref="PackageFormatException"/>, never
/// anything else.
/// </summary>
public class MutationTests
{
    [Fact]
    public void CorruptedTarStreamsFailOnlyWithPackageFormatException()
    {
        var tar = new MemoryStream();
        PackageWriter.WriteTar(TestPackages.Info(), TestPackages.Payload(), tar);
        var original = tar.ToArray();
        var random = new Random(20261125);
        for (int i = 0; i < 400; i++)
        {
            var mutated = (byte[])original.Clone();
            for (int n = random.Next(1, 4); n > 0; n--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            AssertOnlyFormatErrors(RawTar.Zstd(mutated));
        }
    }

    [Fact]
    public void CorruptedBlobsFailOnlyWithPackageFormatException()
    {
        var original = TestPackages.Build();
        var random = new Random(7);
        for (int i = 0; i < 400; i++)
        {
            var mutated = (byte[])original.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)random.Next(1, 256);
            AssertOnlyFormatErrors(mutated);
        }
        for (int cut = 0; cut < original.Length; cut += 7)
            AssertOnlyFormatErrors(original[..cut]);
    }

    private static void AssertOnlyFormatErrors(byte[] blob)
    {
        try { TestPackages.ReadAll(blob); }
        catch (PackageFormatException) { }
    }
}
