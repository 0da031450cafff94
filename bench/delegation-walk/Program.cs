// Cost of walk-correct target look-ups (TUF §5.6.7, SPEC.md §5.3) on a hash-binned repository:
// builds signed metadata for N packages in B hash bins in memory, verifies it like a client, then times
//   union   - every target of every loaded role, no walk (what the package index cost before issue 12; unsafe)
//   walk    - TargetSearch.AllTrusted: one pre-order walk per listed path, (role, delegator)-keyed look-ups
//   find    - one TargetSearch.Find per path (what 'install' of a single package costs)
// Usage: dotnet run -c Release -- [packages=60000] [bins=1024] [rounds=5]
using System.Diagnostics;
using Stork.Format.Crypto;
using Stork.Format.Metadata;
using Stork.Format.Trust;

int packages = args.Length > 0 ? int.Parse(args[0]) : 60000;
int bins = args.Length > 1 ? int.Parse(args[1]) : 1024;
int rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
int prefixLength = 1;
while ((1L << (4 * prefixLength)) < bins) prefixLength++;
long slots = 1L << (4 * prefixLength);

var now = DateTimeOffset.Parse("2030-01-01T00:00:00Z");
var expires = now.AddYears(1);
using var top = SigningKey.Generate();
using var binKey = SigningKey.Generate();
var sw = Stopwatch.StartNew();

// Hash bins as the publisher lays them out: bin i holds prefixes [i*slots/bins, (i+1)*slots/bins).
string Name(int i) => $"bin-{i:x4}";
var prefixesOf = Enumerable.Range(0, bins).Select(i => Enumerable.Range((int)(i * slots / bins), (int)((i + 1) * slots / bins - i * slots / bins))
    .Select(p => p.ToString($"x{prefixLength}")).ToList()).ToList();
var binOfPrefix = new Dictionary<string, int>();
for (int i = 0; i < bins; i++) foreach (var p in prefixesOf[i]) binOfPrefix[p] = i;
var binTargets = Enumerable.Range(0, bins).Select(_ => new Dictionary<string, TargetFile>(StringComparer.Ordinal)).ToList();
for (int i = 0; i < packages; i++)
{
    var path = RepositoryLayout.PackageTarget($"pkg{i}", "1.0.0");
    var hash = DelegationPaths.PathHash(path);
    binTargets[binOfPrefix[hash[..prefixLength]]][path] = new TargetFile(1000 + i, new Dictionary<string, string> { ["sha256"] = hash });
}
var delegations = new Delegations(new Dictionary<string, PublicKey> { [binKey.KeyId] = binKey.Public },
    Enumerable.Range(0, bins).Select(i => new DelegatedRole(Name(i), new RoleKeys([binKey.KeyId], 1), false, null, prefixesOf[i])).ToList());

byte[] Sign(System.Text.Json.Nodes.JsonObject signed, SigningKey key)
{
    var envelope = new SignedEnvelope(signed);
    envelope.Sign(key);
    return envelope.ToBytes();
}
var targetsBytes = Sign(new TargetsMetadata(new SignedHeader("targets", RoleNames.SpecVersion, 1, expires), new Dictionary<string, TargetFile>(), delegations).ToSigned(), top);
var binBytes = Enumerable.Range(0, bins).Select(i => Sign(new TargetsMetadata(new SignedHeader("targets", RoleNames.SpecVersion, 1, expires), binTargets[i], null).ToSigned(), binKey)).ToList();
var meta = new Dictionary<string, MetaFile> { ["targets.json"] = new MetaFile(1) };
for (int i = 0; i < bins; i++) meta[$"{Name(i)}.json"] = new MetaFile(1);
var snapshotBytes = Sign(new SnapshotMetadata(new SignedHeader("snapshot", RoleNames.SpecVersion, 1, expires), meta).ToSigned(), top);
var timestampBytes = Sign(new TimestampMetadata(new SignedHeader("timestamp", RoleNames.SpecVersion, 1, expires), new MetaFile(1)).ToSigned(), top);
var root = new RootMetadata(new SignedHeader("root", RoleNames.SpecVersion, 1, expires), true, new Dictionary<string, PublicKey> { [top.KeyId] = top.Public },
    RoleNames.TopLevel.ToDictionary(r => r, _ => new RoleKeys([top.KeyId], 1)));
var rootBytes = Sign(root.ToSigned(), top);
Console.WriteLine($"{packages} packages in {bins} bins (prefix length {prefixLength}); metadata built in {sw.ElapsedMilliseconds} ms, {binBytes.Sum(b => (long)b.Length) / 1024} KiB of bin metadata");

TrustedMetadata Load()
{
    var t = new TrustedMetadata(rootBytes, now);
    t.FinishRootUpdate();
    t.UpdateTimestamp(timestampBytes);
    t.UpdateSnapshot(snapshotBytes);
    t.UpdateTargets(targetsBytes);
    for (int i = 0; i < bins; i++) t.UpdateDelegatedTargets(binBytes[i], Name(i), RoleNames.Targets);
    return t;
}

double Best(Func<int> run, out int result)
{
    double best = double.MaxValue;
    result = 0;
    for (int r = 0; r < rounds; r++)
    {
        var s = Stopwatch.StartNew();
        result = run();
        best = Math.Min(best, s.Elapsed.TotalMilliseconds);
    }
    return best;
}

var loadMs = Best(() => { Load(); return 0; }, out _);
var trusted = Load();
var unionMs = Best(() => trusted.LoadedTargetsListings.Sum(l => l.Targets.Count), out var unionCount);
var walkMs = Best(() => TargetSearch.AllTrusted(trusted).Count, out var walkCount);
var paths = trusted.LoadedTargetsListings.SelectMany(l => l.Targets.Keys).Take(5000).ToList();
var findMs = Best(() => paths.Count(p => TargetSearch.Find(trusted.TargetsOf, p) is not null), out var found);
if (walkCount != packages || unionCount != packages || found != paths.Count) throw new InvalidOperationException($"counts differ: walk {walkCount}, union {unionCount}, found {found}");
Console.WriteLine($"verify and load all metadata: {loadMs,8:0.0} ms (best of {rounds})");
Console.WriteLine($"union of listings (no walk):  {unionMs,8:0.0} ms");
Console.WriteLine($"walk-correct index:           {walkMs,8:0.0} ms  ({walkMs * 1000 / packages:0.00} µs per package)");
Console.WriteLine($"single Find:                  {findMs * 1000 / paths.Count,8:0.00} µs per look-up");
