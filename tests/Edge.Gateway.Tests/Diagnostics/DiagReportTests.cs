using System.Text.Json;
using Edge.Gateway.Diagnostics;

namespace Edge.Gateway.Tests.Diagnostics;

public class DiagReportTests
{
    private static readonly DiagCheck[] Checks =
    [
        new("clock", CheckStatus.Ok, "NTP synchronised (timesyncd); 2026-12-01T17:20:00Z", new Dictionary<string, object?> { ["synchronised"] = true, ["kernelState"] = null }),
        new("databases", CheckStatus.Warn, "quarantined after damage: gateway.db.corrupt-x\nsecond line"),
        new("gpio", CheckStatus.Skip, "no GPIO chip: the gateway simulates the store"),
    ];

    [Fact]
    public void Lines_align_status_name_and_detail_in_columns()
    {
        IReadOnlyList<string> lines = DiagReport.ToLines(Checks);

        Assert.Equal(
        [
            "ok    clock     NTP synchronised (timesyncd); 2026-12-01T17:20:00Z",
            "warn  databases quarantined after damage: gateway.db.corrupt-x second line",
            "skip  gpio      no GPIO chip: the gateway simulates the store",
        ], lines);
    }

    [Fact]
    public void Short_names_keep_the_minimum_column()
    {
        Assert.Equal("fail  disk    full", DiagReport.ToLines([new DiagCheck("disk", CheckStatus.Fail, "full")])[0]);
    }

    [Fact]
    public void Json_has_checks_with_lower_case_status_data_and_overall_ok()
    {
        using JsonDocument doc = JsonDocument.Parse(DiagReport.ToJson(Checks));
        JsonElement root = doc.RootElement;

        Assert.True(root.GetProperty("ok").GetBoolean()); // warn and skip are not failures
        JsonElement clock = root.GetProperty("checks")[0];
        Assert.Equal("clock", clock.GetProperty("name").GetString());
        Assert.Equal("ok", clock.GetProperty("status").GetString());
        Assert.True(clock.GetProperty("data").GetProperty("synchronised").GetBoolean());
        Assert.Equal(JsonValueKind.Null, clock.GetProperty("data").GetProperty("kernelState").ValueKind);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("checks")[2].GetProperty("data").ValueKind);
    }

    [Fact]
    public void Json_ok_is_false_when_any_check_fails()
    {
        string json = DiagReport.ToJson([.. Checks, new DiagCheck("disk", CheckStatus.Fail, "full")]);

        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("fail", doc.RootElement.GetProperty("checks")[3].GetProperty("status").GetString());
    }
}
