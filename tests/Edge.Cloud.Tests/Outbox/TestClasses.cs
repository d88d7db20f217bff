using Edge.Cloud.Outbox;

namespace Edge.Cloud.Tests.Outbox;

/// <summary>Delivery classes for the tests, shaped as a producer defines them: urgent first, bulk dropped first.</summary>
internal static class TestClasses
{
    public static readonly MessageClass Alert = new("alert", 0, 1, TimeSpan.FromDays(1));

    public static readonly MessageClass Stock = new("stock", 1, 2, TimeSpan.FromDays(14));

    public static readonly MessageClass Telemetry = new("telemetry", 2, 0, TimeSpan.FromHours(6));

    public static readonly IReadOnlyList<MessageClass> All = [Alert, Stock, Telemetry];

    /// <summary>The three, telemetry with another time to live.</summary>
    public static IReadOnlyList<MessageClass> WithTelemetryTtl(TimeSpan ttl) => [Alert, Stock, Telemetry with { Ttl = ttl }];
}
