using System.Net;
using System.Text;
using System.Text.Json;
using Edge.Cloud.Outbox;
using Edge.Gateway.Signage;
using Edge.Gateway.Tests.Commands;

namespace Edge.Gateway.Tests.Signage;

/// <summary>Proof of play: what a page reports it displayed is durable before it is acknowledged; anything malformed stores nothing.</summary>
public class ProofOfPlayTests
{
    private static string NewDir() => Directory.CreateTempSubdirectory("edge-pop-").FullName;

    private static string Play(string player = "p-1", string start = "2026-12-01T10:00:05Z", string promotions = "[{\"id\":\"flash\",\"version\":3}]", string extra = "") =>
        $"{{\"playerId\":\"{player}\",\"skus\":[\"4901085089385\",\"4987035332718\"],\"promotions\":{promotions},\"start\":\"{start}\",\"durationMs\":10000,\"visibility\":\"visible\",\"contentVersion\":17{extra}}}";

    private static Task<HttpResponseMessage> PostAsync(CommandHost host, string body, string screen = "drinks") =>
        host.Http.PostAsync($"/signage/{screen}/plays", new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = new("application/json") } });

    private static async Task<JsonElement> HoursAsync(CommandHost host, string date) =>
        JsonDocument.Parse(await host.Http.GetStringAsync($"/api/proof-of-play?date={date}")).RootElement.GetProperty("hours");

    [Fact]
    public async Task Plays_AreInTheOutboxBeforeTheAnswer_AndCountedPerHourScreenAndPromotion()
    {
        await using CommandHost host = await CommandHost.StartAsync(NewDir());

        HttpResponseMessage one = await PostAsync(host, Play());
        HttpResponseMessage batch = await PostAsync(host, $"[{Play("p-2")},{Play("p-2", start: "2026-12-01T10:59:59Z")},{Play("p-2", start: "2026-12-01T11:00:00Z", promotions: "[]")}]");

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal("{\"stored\":3}", await batch.Content.ReadAsStringAsync());
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Count(m => m.Type == "ProofOfPlay") == 4, "four plays sent");
        Assert.Equal([1L, 2, 3, 4], host.Cloud.Sent.Where(m => m.Type == "ProofOfPlay").Select(m => m.Seq));
        OutboxMessage sent = host.Cloud.Sent.First(m => m.Type == "ProofOfPlay");
        Assert.Equal(("proof-of-play", "proof-of-play"), (sent.Stream, sent.Class.Name));
        JsonElement body = JsonDocument.Parse(sent.Payload).RootElement;
        Assert.Equal(("drinks", "p-1", "visible"), (body.GetProperty("screenId").GetString(), body.GetProperty("playerId").GetString(), body.GetProperty("visibility").GetString()));

        // 10:00 and 10:59 UTC are one hour (19:00 in Tokyo, the store's day 2026-12-01); the play without a promotion counts for none.
        JsonElement hour = Assert.Single((await HoursAsync(host, "2026-12-01")).EnumerateArray());
        Assert.Equal(("drinks", "flash", 3, 3, 30000), (hour.GetProperty("screenId").GetString(), hour.GetProperty("promotionId").GetString(),
            hour.GetProperty("promotionVersion").GetInt64(), hour.GetProperty("plays").GetInt64(), hour.GetProperty("visibleMs").GetInt64()));
        Assert.Empty((await HoursAsync(host, "2026-12-02")).EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Http.GetAsync("/api/proof-of-play?date=yesterday")).StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"playerId\":\"p\"")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("{}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[],\"promotions\":[],\"start\":\"2026-12-01T10:00:00\",\"durationMs\":1,\"visibility\":\"visible\"}")]
    [InlineData("{\"playerId\":\"p 1\",\"skus\":[],\"promotions\":[],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":1,\"visibility\":\"visible\"}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[],\"promotions\":[],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":-1,\"visibility\":\"visible\"}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[],\"promotions\":[],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":1,\"visibility\":\"shown\"}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[1],\"promotions\":[],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":1,\"visibility\":\"visible\"}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[],\"promotions\":[{\"id\":\"x\"}],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":1,\"visibility\":\"visible\"}")]
    [InlineData("{\"playerId\":\"p-1\",\"skus\":[],\"promotions\":[],\"start\":\"2026-12-01T10:00:00Z\",\"durationMs\":1,\"visibility\":\"visible\",\"mac\":\"aa:bb\"}")]
    public async Task AMalformedReport_Is400NamingTheProblem_AndStoresNothing(string body)
    {
        await using CommandHost host = await CommandHost.StartAsync(NewDir());

        // One good play first in a batch: the whole batch is refused, the good one too.
        HttpResponseMessage alone = await PostAsync(host, body);
        HttpResponseMessage batch = await PostAsync(host, body.StartsWith('{') ? $"[{Play()},{body}]" : body);

        foreach (HttpResponseMessage r in (HttpResponseMessage[])[alone, batch])
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.StartsWith("{\"error\":", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty((await HoursAsync(host, "2026-12-01")).EnumerateArray());
        await AssertOnlyTheNextPlayIsSentAsync(host);
    }

    // Plays are one stream, in order: when a good play sent now arrives as the first, nothing came before it.
    private static async Task AssertOnlyTheNextPlayIsSentAsync(CommandHost host)
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(host, Play("after"))).StatusCode);
        await CommandHost.WaitUntilAsync(() => host.Cloud.Sent.Any(m => m.Type == "ProofOfPlay"), "the good play sent");
        OutboxMessage only = Assert.Single(host.Cloud.Sent, m => m.Type == "ProofOfPlay");
        Assert.Equal(1, only.Seq);
        Assert.Contains("\"after\"", System.Text.Encoding.UTF8.GetString(only.Payload), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8_AndABatchTooLarge_AreRefused()
    {
        await using CommandHost host = await CommandHost.StartAsync(NewDir());
        byte[] bad = Encoding.UTF8.GetBytes(Play());
        bad[15] = 0xFF;

        HttpResponseMessage utf8 = await host.Http.PostAsync("/signage/drinks/plays", new ByteArrayContent(bad));
        HttpResponseMessage many = await PostAsync(host, "[" + string.Join(",", Enumerable.Repeat(Play(), ProofOfPlayStore.MaxPlaysPerReport + 1)) + "]");

        Assert.Equal(HttpStatusCode.BadRequest, utf8.StatusCode);
        Assert.Contains("an array of 1 to 100 plays", await many.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertOnlyTheNextPlayIsSentAsync(host);
    }
}
