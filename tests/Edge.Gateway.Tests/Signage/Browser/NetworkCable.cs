using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Edge.Gateway.Tests.Signage.Browser;

/// <summary>
/// A TCP relay between the browser and the gateway that can be pulled out: open connections are reset and new ones
/// refused. Chromium's offline emulation (<c>SetOfflineAsync</c>) fails new requests only; a live event stream carries on.
/// </summary>
public sealed class NetworkCable : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly ConcurrentBag<TcpClient> _sockets = [];
    private readonly CancellationTokenSource _pulled = new();

    public NetworkCable(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    /// <summary>The port the browser talks to.</summary>
    public int Port { get; }

    /// <summary>Resets every connection through the cable and refuses new ones.</summary>
    public void Pull()
    {
        if (_pulled.IsCancellationRequested)
        {
            return;
        }

        _pulled.Cancel();
        _listener.Stop();
        foreach (TcpClient socket in _sockets)
        {
            try
            {
                if (socket.Client is { } open)
                {
                    open.LingerState = new LingerOption(true, 0); // close with RST, as a cut cable looks after the timeout
                }

                socket.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        Pull();
        _pulled.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_pulled.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_pulled.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // pulled
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        _sockets.Add(client);
        _sockets.Add(upstream);
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _target, _pulled.Token);
            NetworkStream down = client.GetStream(), up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, _pulled.Token), up.CopyToAsync(down, _pulled.Token));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // one side closed, or the cable was pulled
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
