using MQTTnet.Server;

namespace Edge.Cloud.Tests.Brokers;

/// <summary>MQTTnet's own broker, in process, on a free loopback port.</summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private InProcessBroker(MqttServer server, int port)
    {
        Server = server;
        Port = port;
    }

    public MqttServer Server { get; }

    public int Port { get; }

    public static async Task<InProcessBroker> StartAsync(Action<MqttServer>? configure = null)
    {
        int port = Mosquitto.FreePort();
        MqttServerOptions options = new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(System.Net.IPAddress.Loopback).WithDefaultEndpointPort(port).Build();
        MqttServer server = new MqttServerFactory().CreateMqttServer(options);
        configure?.Invoke(server);
        await server.StartAsync();
        return new InProcessBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(new MqttServerStopOptionsBuilder().Build());
        Server.Dispose();
    }
}
