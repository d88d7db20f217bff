namespace Edge.Cloud.Mqtt;

/// <summary>Section <c>Cloud:Mqtt</c>: a plain MQTT broker (Mosquitto, EMQX, HiveMQ, …).</summary>
public sealed class MqttOptions
{
    /// <summary>Broker host name or address.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Broker port; 0 means 8883 with TLS, 1883 without.</summary>
    public int Port { get; set; }

    /// <summary>Use TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate (TLS); the system store when empty.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate for mutual TLS (optional).</summary>
    public string? ClientCertFile { get; set; }

    /// <summary>PEM private key of the client certificate.</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>User name (optional).</summary>
    public string? Username { get; set; }

    /// <summary>Password (optional; never logged).</summary>
    public string? Password { get; set; }

    /// <summary><c>3.1.1</c> or <c>5</c>.</summary>
    public string ProtocolVersion { get; set; } = "3.1.1";

    /// <summary>Client id; the gateway's default when empty.</summary>
    public string? ClientId { get; set; }

    /// <summary>MQTT keep-alive in seconds.</summary>
    public int KeepAliveSeconds { get; set; } = 60;

    /// <summary>Keep the broker session across reconnects so commands sent while briefly offline are delivered.</summary>
    public bool PersistentSession { get; set; } = true;

    /// <summary>Names the first invalid setting, or null.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            return "Cloud:Mqtt:Host must not be empty";
        }

        if (Port is < 0 or > 65535)
        {
            return "Cloud:Mqtt:Port must be from 0 to 65535";
        }

        if (ProtocolVersion is not ("3.1.1" or "5"))
        {
            return "Cloud:Mqtt:ProtocolVersion must be 3.1.1 or 5";
        }

        if (KeepAliveSeconds is < 5 or > 1177)
        {
            return "Cloud:Mqtt:KeepAliveSeconds must be from 5 to 1177";
        }

        if (string.IsNullOrEmpty(ClientCertFile) != string.IsNullOrEmpty(ClientKeyFile))
        {
            return "Cloud:Mqtt:ClientCertFile and Cloud:Mqtt:ClientKeyFile go together";
        }

        foreach ((string key, string? file) in new[] { ("CaFile", CaFile), ("ClientCertFile", ClientCertFile), ("ClientKeyFile", ClientKeyFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                return $"Cloud:Mqtt:{key} '{file}' does not exist";
            }
        }

        return null;
    }
}
