using System.Net;
using System.Net.Sockets;

namespace Orleans.SpecRag.Tests.Support;

public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A loopback TCP port that is free now and was not handed out before in this test run, so parallel test hosts
    /// never collide on Orleans' default ports or on each other's (the kernel readily offers a released port again).
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
