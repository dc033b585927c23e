using System.Net;
using System.Net.Sockets;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>The bench only ever talks to this machine: a remote URL is refused.</summary>
public static class Loopback
{
    public static Uri Require(string url, string option)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{option} '{url}' is not an http(s) URL.");
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        return loopback ? uri : throw new ArgumentException($"{option} '{url}' is not a loopback address; the bench only targets this machine (127.0.0.1, ::1, localhost).");
    }

    /// <summary>A loopback TCP port that is free now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
