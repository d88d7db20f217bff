namespace Edge.Cloud.Transport;

/// <summary>What arrived from the cloud.</summary>
public enum InboundKind
{
    /// <summary>A command to execute (tare, recalibrate, set-config, resync, restart-sampler); expects a reply.</summary>
    Command,

    /// <summary>Desired configuration (a JSON object with <c>$version</c>).</summary>
    DesiredConfig,

    /// <summary>Named data the cloud pushes to the gateway (JSON; what it means is the gateway's).</summary>
    Data,
}

/// <summary>The answer to a command.</summary>
/// <param name="Status">HTTP-like status: 200 done, 400 bad request, 404 unknown target, 409 conflict, 500 failed.</param>
/// <param name="Body">UTF-8 JSON.</param>
public sealed record CloudReply(int Status, byte[] Body);

/// <summary>One message from the cloud, independent of the transport it came over.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">Command name, or the name of the data.</param>
/// <param name="Payload">UTF-8 JSON (not yet validated).</param>
/// <param name="CorrelationId">The request's id, echoed in the reply.</param>
/// <param name="Reply">Sends the reply over the transport the request came on.</param>
public sealed record CloudInbound(InboundKind Kind, string Name, byte[] Payload, string? CorrelationId, Func<CloudReply, CancellationToken, Task> Reply);
