using System.Net;
using System.Net.Sockets;

namespace Edge.Cloud.Probe;

/// <summary>The DNS and TCP stages: resolve the host, then open a socket to the first address that answers.</summary>
internal static class NetworkStages
{
    /// <summary>The host's addresses, or null with the failure recorded.</summary>
    public static async Task<IPAddress[]?> ResolveAsync(ProbeRun run, ProbeEndpoint ep)
    {
        long started = ProbeRun.Start();
        try
        {
            // WaitAsync as well: whether getaddrinfo can be cancelled depends on the platform.
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(ep.Host, run.Token).WaitAsync(run.Token);
            if (addresses.Length == 0)
            {
                run.Fail(ProbeStage.Dns, ep.Target, started, ProbeCodes.DnsNoAddress, $"DNS: '{ep.Host}' has no address (check {ep.HostKey})");
                return null;
            }

            run.Ok(ProbeStage.Dns, ep.Target, started, $"DNS: '{ep.Host}' is {string.Join(", ", addresses.Take(4))}");
            return addresses;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.HostNotFound)
        {
            run.Fail(ProbeStage.Dns, ep.Target, started, ProbeCodes.DnsNotFound, $"DNS: no such host '{ep.Host}' (check {ep.HostKey})");
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.NoData)
        {
            run.Fail(ProbeStage.Dns, ep.Target, started, ProbeCodes.DnsNoAddress, $"DNS: '{ep.Host}' exists but has no address record (check {ep.HostKey})");
        }
        catch (SocketException ex)
        {
            run.Fail(ProbeStage.Dns, ep.Target, started, ProbeCodes.DnsFailed, $"DNS: resolving '{ep.Host}' failed ({ex.SocketErrorCode}; check the network's DNS servers)");
        }
        catch (OperationCanceledException) when (run.TimedOut)
        {
            run.Fail(ProbeStage.Dns, ep.Target, started, ProbeCodes.DnsTimeout, $"DNS: no answer for '{ep.Host}' within {run.Seconds} s (check the network's DNS servers)");
        }

        return null;
    }

    /// <summary>A connected socket, or null with the failure recorded. Tries the addresses in order, as the link's socket does.</summary>
    public static async Task<Socket?> ConnectAsync(ProbeRun run, ProbeEndpoint ep, IPAddress[] addresses)
    {
        long started = ProbeRun.Start();
        SocketError? last = null;
        foreach (IPAddress address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, ep.Port), run.Token);
                run.Ok(ProbeStage.Tcp, ep.Target, started, $"TCP: connected to {Format(address, ep.Port)}");
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                // Refused is the most telling answer: keep it over "unreachable" from another address family.
                last = last == SocketError.ConnectionRefused ? last : ex.SocketErrorCode;
            }
            catch (OperationCanceledException) when (run.TimedOut)
            {
                socket.Dispose();
                run.Fail(ProbeStage.Tcp, ep.Target, started, ProbeCodes.TcpTimeout,
                    $"TCP: {Format(address, ep.Port)} did not answer within {run.Seconds} s (a firewall drops the packets, or the address is wrong; check {ep.HostKey} and {ep.PortKey})");
                return null;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        string tried = string.Join(", ", addresses.Select(a => Format(a, ep.Port)));
        (string code, string detail) = last switch
        {
            SocketError.ConnectionRefused => (ProbeCodes.TcpRefused, $"TCP: nothing listens on {tried} (connection refused; check {ep.PortKey} and that the broker runs)"),
            SocketError.TimedOut => (ProbeCodes.TcpTimeout, $"TCP: {tried} did not answer (timed out; a firewall drops the packets, or the address is wrong)"),
            SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown => (ProbeCodes.TcpUnreachable, $"TCP: no route to {tried} ({last}; check the gateway's network and {ep.HostKey})"),
            _ => (ProbeCodes.TcpFailed, $"TCP: connecting to {tried} failed ({last})"),
        };
        run.Fail(ProbeStage.Tcp, ep.Target, started, code, detail);
        return null;
    }

    private static string Format(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
