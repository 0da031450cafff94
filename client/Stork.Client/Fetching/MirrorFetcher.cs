using System.Text;
using System.Text.RegularExpressions;
using Stork.Format.Errors;

namespace Stork.Client.Fetching;

/// <summary>One place serving the repository tree; lower <see cref="Priority"/> is tried first.</summary>
public sealed record Mirror(Uri Url, int Priority);

/// <summary>
/// Failover over several mirrors of one repository. Callers ask for URLs under the default repository URL;
/// each request is re-rooted on the mirrors in order (the one that last worked first) until one answers well.
/// <list type="bullet">
/// <item>connection errors, HTTP errors, stalls, slow transfers, truncation: next mirror (the mirror stays usable);</item>
/// <item>hash or length mismatch, endless data, a redirect off the mirror: next mirror, and the mirror is set aside for the rest of the run
/// (reported once through <c>onSetAside</c>);</item>
/// <item>404 for a root probe (N.root.json) is an answer and is returned at once; any other 404 is a failure.</item>
/// </list>
/// The fetcher verifies nothing but lengths and blob hashes: TUF metadata verification stays in the updater, and
/// <see cref="Operations.HostSession"/> re-runs a refresh on the next mirror (after <see cref="SetAsideLastServer"/>)
/// when the metadata a mirror served does not verify.
/// When every mirror fails, the last error is raised (same type) with a message saying what each mirror did.
/// </summary>
public sealed partial class MirrorFetcher : IFetcher, IDisposable
{
    private readonly Uri _canonical;
    private readonly IReadOnlyList<Uri> _mirrors;
    private readonly IFetcher _inner;
    private readonly Action<string>? _onSetAside;
    private readonly bool[] _setAside;
    private readonly object _gate = new();
    private int _preferred;
    private int _lastServer = -1;

    /// <param name="canonical">The repository URL callers build URLs from (the default mirror).</param>
    /// <param name="mirrors">Every mirror, in the order to try (the default one included).</param>
    public MirrorFetcher(Uri canonical, IReadOnlyList<Uri> mirrors, IFetcher inner, Action<string>? onSetAside = null)
    {
        if (mirrors.Count == 0) throw new ArgumentException("at least one mirror", nameof(mirrors));
        _canonical = WithSlash(canonical);
        _mirrors = mirrors.Select(WithSlash).ToList();
        _inner = inner;
        _onSetAside = onSetAside;
        _setAside = new bool[_mirrors.Count];
    }

    /// <summary>Orders the configured mirrors: by priority, the default repository URL at priority 0 unless listed.</summary>
    public static IReadOnlyList<Uri> Order(Uri repository, IEnumerable<Mirror> mirrors)
    {
        var all = mirrors.ToList();
        if (!all.Any(m => SameUrl(m.Url, repository))) all.Add(new Mirror(repository, 0));
        return all.Select((m, i) => (m, i)).OrderBy(x => x.m.Priority).ThenBy(x => x.i).Select(x => WithSlash(x.m.Url)).ToList();
    }

    public IReadOnlyList<Uri> Mirrors => _mirrors;

    /// <summary>Mirrors not set aside.</summary>
    public int UsableCount { get { lock (_gate) return _setAside.Count(s => !s); } }

    /// <summary>The mirror that served the last successful request, if any.</summary>
    public Uri? LastServer { get { lock (_gate) return _lastServer < 0 ? null : _mirrors[_lastServer]; } }

    /// <summary>Sets aside the mirror that served the last answer (its metadata did not verify). False if none is left.</summary>
    public bool SetAsideLastServer(string reason)
    {
        lock (_gate)
        {
            if (_lastServer < 0) return false;
            SetAside(_lastServer, reason);
            _lastServer = -1;
            return _setAside.Any(s => !s);
        }
    }

    public Task<byte[]> FetchAsync(Uri url, long maxLength, CancellationToken cancellation)
        => RunAsync(url, (u, ct) => _inner.FetchAsync(u, maxLength, ct), IsRootProbe(url), cancellation);

    public Task FetchToFileAsync(Uri url, long length, IReadOnlyDictionary<string, string> hashes, string destination, CancellationToken cancellation)
        => RunAsync(url, async (u, ct) => { await _inner.FetchToFileAsync(u, length, hashes, destination, ct); return true; }, false, cancellation);

    private async Task<T> RunAsync<T>(Uri url, Func<Uri, CancellationToken, Task<T>> fetch, bool notFoundIsAnswer, CancellationToken cancellation)
    {
        var relative = Relative(url);
        if (relative is null) return await fetch(url, cancellation);   // not under the repository: no failover
        var log = new StringBuilder();
        Exception? last = null;
        int tried = 0;
        foreach (var index in Candidates())
        {
            var mirrorUrl = new Uri(_mirrors[index], relative);
            tried++;
            try
            {
                var result = await fetch(mirrorUrl, cancellation);
                lock (_gate) { _preferred = index; _lastServer = index; }
                return result;
            }
            catch (NotFoundException) when (notFoundIsAnswer)
            {
                lock (_gate) { _preferred = index; _lastServer = index; }
                throw;
            }
            catch (RepositoryException e) when (!cancellation.IsCancellationRequested)
            {
                last = e;
                log.Append($"\n  {_mirrors[index]}: {Describe(e)}");
                if (e is ContentMismatchException or RedirectRefusedException) lock (_gate) SetAside(index, e.Message);
            }
        }
        if (last is null) throw new FetchException($"{relative}: every mirror has been set aside for serving bad data");
        if (tried == 1 && _mirrors.Count == 1) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(last); }
        var summary = $"{relative}: no mirror served it ({tried} tried):{log}";
        throw last switch
        {
            ContentMismatchException => new ContentMismatchException(summary),
            RedirectRefusedException => new RedirectRefusedException(summary),
            FetchException or NotFoundException => new FetchException(summary, last),
            _ => new RepositoryException(summary, last),
        };
    }

    private static string Describe(RepositoryException e) => e switch
    {
        NotFoundException => "not found (HTTP 404)",
        ContentMismatchException or RedirectRefusedException => $"bad data, set aside ({e.Message})",
        _ => e.Message,
    };

    /// <summary>The preferred mirror first, then the others in priority order, skipping those set aside.</summary>
    private List<int> Candidates()
    {
        lock (_gate)
        {
            var order = new List<int>();
            if (!_setAside[_preferred]) order.Add(_preferred);
            for (int i = 0; i < _mirrors.Count; i++)
                if (i != _preferred && !_setAside[i]) order.Add(i);
            return order;
        }
    }

    private void SetAside(int index, string reason)
    {
        if (_setAside[index]) return;
        _setAside[index] = true;
        _onSetAside?.Invoke($"mirror {_mirrors[index]} is set aside for this run: {reason}");
    }

    private string? Relative(Uri url)
    {
        var text = url.AbsoluteUri;
        return text.StartsWith(_canonical.AbsoluteUri, StringComparison.Ordinal) ? text[_canonical.AbsoluteUri.Length..] : null;
    }

    private static bool IsRootProbe(Uri url) => RootProbe().IsMatch(url.AbsolutePath);

    [GeneratedRegex(@"/[0-9]+\.root\.json$")]
    private static partial Regex RootProbe();

    private static bool SameUrl(Uri a, Uri b) => WithSlash(a).AbsoluteUri == WithSlash(b).AbsoluteUri;

    private static Uri WithSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    public void Dispose()
    {
        if (_inner is IDisposable d) d.Dispose();
    }
}
