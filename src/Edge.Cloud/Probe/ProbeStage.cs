namespace Edge.Cloud.Probe;

/// <summary>The stages of a connection probe, in the order they run; <see cref="Done"/> means nothing failed.</summary>
public enum ProbeStage
{
    /// <summary>The host name resolves to at least one address.</summary>
    Dns,

    /// <summary>A TCP connection to one of those addresses opens.</summary>
    Tcp,

    /// <summary>The TLS handshake completes and the broker's certificate passes the link's trust rules.</summary>
    Tls,

    /// <summary>The broker accepts the MQTT CONNECT with the configured credentials (CONNACK success).</summary>
    Authentication,

    /// <summary>The broker lets this client subscribe to its commands and publish its status.</summary>
    Authorization,

    /// <summary>DPS registers the device and names its hub.</summary>
    Provisioning,

    /// <summary>Every stage passed.</summary>
    Done,
}

/// <summary>What happened at one stage.</summary>
public enum StageOutcome
{
    /// <summary>The stage passed.</summary>
    Ok,

    /// <summary>The stage failed; later stages are skipped.</summary>
    Failed,

    /// <summary>The stage did not run (an earlier one failed, or it does not apply, e.g. TLS when it is off).</summary>
    Skipped,
}
