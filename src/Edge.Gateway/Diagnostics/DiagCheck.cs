namespace Edge.Gateway.Diagnostics;

/// <summary>Outcome of one diag check: Fail means the gateway cannot do its job here, Warn that it can but should not be left so.</summary>
public enum CheckStatus
{
    /// <summary>Nothing to do.</summary>
    Ok,

    /// <summary>Works, but needs attention soon.</summary>
    Warn,

    /// <summary>Broken: the detail says what to do.</summary>
    Fail,

    /// <summary>Not applicable on this machine (no such hardware).</summary>
    Skip,
}

/// <summary>One line of <c>edge-gateway diag</c>: a stable short <paramref name="Name"/>, and a <paramref name="Detail"/> that says what to do when not Ok.</summary>
/// <param name="Name">Stable id (<c>gpio</c>, <c>clock</c>, …): scripts match on it.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Detail">One human line.</param>
/// <param name="Data">Machine-readable facts behind the detail (camelCase keys), written by <c>--json</c>.</param>
public sealed record DiagCheck(string Name, CheckStatus Status, string Detail, IReadOnlyDictionary<string, object?>? Data = null);
