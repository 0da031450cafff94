using Stork.Format.Trust;
using Stork.Publishing.Repository;

namespace Stork.Publishing.Tests.Metadata;

/// <summary>A publisher's repository, a hand-moved clock and a client pinned to its version 1 root.</summary>
public abstract class ClientWorkflowTest : IDisposable
{
    protected readonly TempDir _dir = new();
    protected readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    protected readonly RepositoryProject _repo;

    protected ClientWorkflowTest() => _repo = RepositoryProject.Init(_dir.Combine("repo"), _clock);

    protected byte[] Meta(string file) => File.ReadAllBytes(Path.Combine(_repo.MetadataDir, file));

    protected TrustedMetadata Fresh() => new(Meta("1.root.json"), _clock.GetUtcNow());

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
