using System.Net;
using System.Net.Sockets;

namespace Orleans.SpecRag.Tests.Support;

public static class FreePort
{
    /// <summary>A loopback TCP port that is free now, so parallel test hosts never collide on Orleans' default ports.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
