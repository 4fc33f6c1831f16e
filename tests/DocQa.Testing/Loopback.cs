using System.Net;
using System.Net.Sockets;

namespace DocQa.Testing;

public static class Loopback
{
    /// <summary>A loopback port that nothing listens on now, found by letting the system pick one and closing it.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
