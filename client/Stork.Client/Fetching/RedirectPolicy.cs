using System.Net;

namespace Stork.Client.Fetching;

/// <summary>
/// Which redirects <see cref="HttpFetcher"/> follows (SERVING.md): at most <see cref="MaxHops"/>, each to http or https
/// on the same host and port as the URL first asked for, never from https to http. Anything else is a
/// <see cref="RedirectRefusedException"/> naming the mirror and the target.
/// </summary>
public static class RedirectPolicy
{
    public const int MaxHops = 3;

    public static bool IsRedirect(HttpStatusCode status)
        => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>The absolute URL to follow, or a <see cref="RedirectRefusedException"/>.</summary>
    public static Uri Next(Uri original, Uri current, Uri? location, int hop)
    {
        if (location is null)
            throw new RedirectRefusedException($"{current}: the mirror answered with a redirect without a Location");
        var target = location.IsAbsoluteUri ? location : new Uri(current, location);
        if (hop >= MaxHops)
            throw new RedirectRefusedException($"{original}: more than {MaxHops} redirects (last to {target})");
        if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            throw new RedirectRefusedException($"{current}: the mirror redirects to {Shorten(target)}, which is not http(s)");
        if (!string.Equals(target.Host, original.Host, StringComparison.OrdinalIgnoreCase) || target.Port != original.Port && !(target.Scheme != original.Scheme && target.IsDefaultPort))
            throw new RedirectRefusedException($"{current}: the mirror redirects to another host ({Shorten(target)}); mirrors must serve their own files");
        if (original.Scheme == Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttps)
            throw new RedirectRefusedException($"{current}: the mirror redirects from https to {Shorten(target)}");
        return target;
    }

    private static string Shorten(Uri url)
    {
        var text = url.OriginalString;
        return text.Length <= 120 ? text : text[..120] + "...";
    }
}
