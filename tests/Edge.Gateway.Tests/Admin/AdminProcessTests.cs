using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.Admin;

/// <summary>The technician's tools on the real gateway process of the simulated store: the CLI through the admin API, and the API's guard.</summary>
public sealed class AdminProcessTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-admin-process-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task GuidedCalibration_SavesAnAccurateOne_AndRefusesAVerificationOffByMoreThanAllowed()
    {
        string token = await CreateTokenAsync();
        using GatewayProcess gateway = await StartAsync();
        var cli = new Dictionary<string, string> { ["EDGE_ADMIN_TOKEN"] = token };
        double before = await GramsPerCountAsync(gateway, token, "D-01");

        // A technician with a 500 g and a 200 g weight: each placed when the CLI asks for it.
        (int exit, string output, string err) = await CalibrateAsync(gateway, cli, placeVerifyGrams: 200);

        Assert.True(exit == 0, $"exit {exit}\n{err}\n{output}");
        Assert.Contains("shelf 'D-01' calibrated", output, StringComparison.Ordinal);
        Assert.Contains("raw", err, StringComparison.Ordinal); // the live readings were shown
        double after = await GramsPerCountAsync(gateway, token, "D-01");
        Assert.InRange(after / before, 0.99, 1.01); // the simulated cell's true gain, found again

        // The same again, but the "200 g" weight is 180 g: 10 % off, refused, nothing saved.
        (int refused, string refusedOut, string refusedErr) = await CalibrateAsync(gateway, cli, placeVerifyGrams: 180, json: true);

        Assert.Equal(5, refused);
        Assert.Contains("nothing was saved", refusedErr, StringComparison.Ordinal);
        using JsonDocument report = JsonDocument.Parse(refusedOut);
        Assert.False(report.RootElement.GetProperty("saved").GetBoolean());
        Assert.InRange(report.RootElement.GetProperty("errorPercent").GetDouble(), 9, 11);
        Assert.Equal(after, await GramsPerCountAsync(gateway, token, "D-01"));
        Assert.DoesNotContain(token, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheGatewayRunning_CalibrationSaysToStartIt()
    {
        await CreateTokenAsync();

        (int exit, _, string err) = await CliSession.RunAsync(null, "shelf", "calibrate", "D-01", "--known-grams", "500", "--verify-grams", "200", "--data-dir", _dir);

        Assert.Equal(6, exit);
        Assert.Contains("needs the running gateway", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BruteForce_Gets401ThenIsRateLimited_WhileTheStoreKeepsServing()
    {
        string token = await CreateTokenAsync();
        using GatewayProcess gateway = await StartAsync();
        var statuses = new List<int>();
        for (int i = 0; i < 7; i++)
        {
            statuses.Add(await SessionStatusAsync(gateway, "edge_guess" + i.ToString(CultureInfo.InvariantCulture)));
        }

        Assert.Equal([401, 401, 401, 401, 401, 429, 429], statuses);
        Assert.Equal(429, await SessionStatusAsync(gateway, token)); // even the right token, until the minute is over
        using HttpResponseMessage stock = await gateway.Http.GetAsync("/api/stock");
        Assert.Equal(HttpStatusCode.OK, stock.StatusCode);
        Assert.Contains("Admin authentication failed", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("edge_guess", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAdminEndpoint_WantsTheToken()
    {
        await CreateTokenAsync();
        // Room for one failure per endpoint: the limit counts an address's failures across all of them.
        using GatewayProcess gateway = await StartAsync(new Dictionary<string, string> { ["Admin__MaxFailedAttemptsPerMinute"] = "100" });
        (HttpMethod Method, string Path)[] endpoints =
        [
            (HttpMethod.Get, "session"), (HttpMethod.Get, "shelves"), (HttpMethod.Get, "shelves/D-01/reading"), (HttpMethod.Post, "shelves/D-01/tare"),
            (HttpMethod.Post, "shelves/D-01/calibration"), (HttpMethod.Put, "shelves/D-01/sku"), (HttpMethod.Get, "layout/shelves"), (HttpMethod.Post, "layout/zones"),
            (HttpMethod.Delete, "layout/shelves/D-01"), (HttpMethod.Get, "outbox"), (HttpMethod.Get, "hx711"), (HttpMethod.Post, "restart"),
        ];
        foreach ((HttpMethod method, string path) in endpoints)
        {
            using var request = new HttpRequestMessage(method, "/api/admin/" + path) { Content = JsonContent.Create(new { }) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "");
            using HttpResponseMessage response = await gateway.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
        }

        Assert.False(gateway.HasExited);
    }

    [Fact]
    public async Task HostileBodies_AreRefusedNamingTheProblem_AndChangeNothing()
    {
        string token = await CreateTokenAsync();
        using GatewayProcess gateway = await StartAsync();
        double before = await GramsPerCountAsync(gateway, token, "D-01");
        byte[] invalidUtf8 = [.. "{\"sku\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        (HttpMethod Method, string Path, HttpContent Body, int Status, string Says)[] cases =
        [
            (HttpMethod.Post, "shelves/D-01/calibration", new StringContent("{\"rawEmpty\":"), 400, "not JSON"),
            (HttpMethod.Post, "shelves/D-01/calibration", new StringContent("[1,2]"), 400, "JSON object"),
            (HttpMethod.Post, "shelves/D-01/calibration", new StringContent("{\"rawEmpty\":\"a\",\"rawKnown\":1,\"knownGrams\":1,\"rawVerify\":1,\"verifyGrams\":1}"), 400, "rawEmpty must be a number"),
            (HttpMethod.Post, "shelves/D-01/calibration", new StringContent("{\"rawEmpty\":0,\"rawKnown\":215000,\"knownGrams\":500,\"rawVerify\":86000,\"verifyGrams\":200,\"maxErrorPercent\":1e308}"), 400, "maxErrorPercent"),
            (HttpMethod.Put, "shelves/D-01/sku", new ByteArrayContent(invalidUtf8), 400, "UTF-8"),
            (HttpMethod.Put, "shelves/D-01/sku", new StringContent("{\"sku\":\"a\\u0000b\"}"), 400, "control characters"),
            (HttpMethod.Post, "layout/zones", new StringContent("{}"), 400, "Zone is required"),
            (HttpMethod.Post, "layout/nonsense", new StringContent("{}"), 404, "unknown layout kind"),
            (HttpMethod.Post, "shelves/D-01/calibration", new ByteArrayContent(new byte[70 * 1024]), 413, "larger than"),
        ];
        foreach ((HttpMethod method, string path, HttpContent body, int status, string says) in cases)
        {
            using var request = new HttpRequestMessage(method, "/api/admin/" + path) { Content = body };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using HttpResponseMessage response = await gateway.Http.SendAsync(request);
            string answer = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status && answer.Contains(says, StringComparison.Ordinal), $"{method} {path}: {(int)response.StatusCode} {answer}");
        }

        Assert.Equal(before, await GramsPerCountAsync(gateway, token, "D-01"));
        Assert.False(File.Exists(Path.Combine(_dir, "site.json")));
        Assert.False(gateway.HasExited);
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnAnAdminPortOfItsOwn_TheStoreListenerServesNoAdmin_AndTheCliFindsTheAdminPort()
    {
        string token = await CreateTokenAsync();
        int adminPort = GatewayProcess.FreePort();
        using GatewayProcess gateway = await StartAsync(new Dictionary<string, string> { ["Admin__Urls"] = $"http://127.0.0.1:{adminPort}" });
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Assert.Equal(404, await SessionStatusAsync(gateway, token));
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Http.GetAsync("/admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/admin/session")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync("/api/stock")).StatusCode);

        (int exit, string output, string err) = await CliSession.RunAsync(new Dictionary<string, string> { ["EDGE_ADMIN_TOKEN"] = token }, "shelf", "list", "--data-dir", _dir);
        Assert.True(exit == 0, err);
        Assert.Contains("D-01", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AShelfAddedOnline_IsCountedAfterTheGatewayRestartsItself_AndRemovedAgain()
    {
        string token = await CreateTokenAsync();
        using GatewayProcess gateway = await StartAsync();
        var cli = new Dictionary<string, string> { ["EDGE_ADMIN_TOKEN"] = token };

        (int exit, string output, string err) = await CliSession.RunAsync(cli, "shelf", "add", "--data-dir", _dir, "--id", "X-01", "--zone", "drinks", "--sku", "4900000000017",
            "--name", "Test Water", "--price", "100", "--unit-weight", "520", "--dout", "40", "--sck", "41", "--json");

        Assert.True(exit == 0, err);
        Assert.Equal("now: the gateway restarts", JsonDocument.Parse(output).RootElement.GetProperty("applies").GetString());
        await gateway.WaitForStockAsync(rows => rows.Any(r => r.GetProperty("shelfId").GetString() == "X-01" && r.GetProperty("count").ValueKind == JsonValueKind.Number), TimeSpan.FromSeconds(60), "X-01 counted");
        Assert.False(gateway.HasExited);

        (int assigned, _, string assignErr) = await CliSession.RunAsync(cli, "shelf", "assign", "X-01", "--sku", "4900000000024", "--name", "Test Tea", "--data-dir", _dir);
        Assert.True(assigned == 0, assignErr);
        await gateway.WaitForStockAsync(rows => rows.Any(r => r.GetProperty("shelfId").GetString() == "X-01" && r.GetProperty("sku").GetString() == "4900000000024" && r.GetProperty("name").GetString() == "Test Tea"), TimeSpan.FromSeconds(60), "X-01 assigned");

        (int removed, _, string removeErr) = await CliSession.RunAsync(cli, "shelf", "remove", "X-01", "--data-dir", _dir);
        Assert.True(removed == 0, removeErr);
        await gateway.WaitForStockAsync(rows => rows.Count > 0 && rows.All(r => r.GetProperty("shelfId").GetString() != "X-01"), TimeSpan.FromSeconds(60), "X-01 gone");

        (int bad, _, string badErr) = await CliSession.RunAsync(cli, "shelf", "add", "--data-dir", _dir, "--id", "X-02", "--zone", "drinks", "--sku", "1",
            "--name", "Bad", "--price", "100", "--unit-weight", "-1", "--dout", "42", "--sck", "43");
        Assert.Equal(2, bad);
        Assert.Contains("UnitWeightGrams", badErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OfflineChangesApplyAtStart_AndASecondGatewayOnTheSameDataDirectoryIsRefused()
    {
        (int exit, string output, string err) = await CliSession.RunAsync(null, "zone", "add", "--name", "entrance", "--adapter", "0", "--data-dir", _dir);
        Assert.True(exit == 0, err);
        Assert.Contains("applies when the gateway starts", output, StringComparison.Ordinal);

        using GatewayProcess gateway = await StartAsync();
        using GatewayProcess second = GatewayProcess.Start(_dir, ["--sim-shopper-rate", "0"], new Dictionary<string, string> { ["Simulation__BeaconCapture"] = "false" });
        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("another gateway runs on", second.Errors, StringComparison.Ordinal);

        string token = await CreateTokenAsync();
        (int listed, string zones, string listErr) = await CliSession.RunAsync(new Dictionary<string, string> { ["EDGE_ADMIN_TOKEN"] = token }, "zone", "list", "--data-dir", _dir, "--json");
        Assert.True(listed == 0, listErr);
        Assert.Equal("entrance", JsonDocument.Parse(zones).RootElement.GetProperty("zones")[0].GetProperty("Zone").GetString());
    }

    private async Task<(int Exit, string Out, string Err)> CalibrateAsync(GatewayProcess gateway, Dictionary<string, string> env, double placeVerifyGrams, bool json = false)
    {
        await SimulateAsync(gateway, "empty", null);
        await SimulateAsync(gateway, "weight", 0);
        await ShelfReadings.WaitForGramsAsync(gateway.Http, env["EDGE_ADMIN_TOKEN"], "D-01", 0, StepTimeout);
        string[] args = ["shelf", "calibrate", "D-01", "--known-grams", "500", "--verify-grams", "200", "--settle", "1.5", "--timeout", "60", "--data-dir", _dir, .. json ? (string[])["--json"] : []];
        using CliSession cli = CliSession.Start(env, args);
        await cli.WaitForErrAsync("Step 2 of 3", StepTimeout);
        await SimulateAsync(gateway, "weight", 500);
        await cli.WaitForErrAsync("Step 3 of 3", StepTimeout);
        await SimulateAsync(gateway, "weight", placeVerifyGrams);
        int exit = await cli.WaitForExitAsync(StepTimeout);
        return (exit, cli.Out, cli.Err);
    }

    private static async Task SimulateAsync(GatewayProcess gateway, string action, double? grams)
    {
        using HttpResponseMessage response = await gateway.Http.PostAsync($"/api/simulation/shelves/D-01/{action}", grams is null ? null : JsonContent.Create(new { grams }));
        Assert.True(response.IsSuccessStatusCode, $"{action}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<double> GramsPerCountAsync(GatewayProcess gateway, string token, string shelfId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/shelves");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await gateway.Http.SendAsync(request);
        JsonElement shelves = await response.Content.ReadFromJsonAsync<JsonElement>();
        return shelves.EnumerateArray().Single(s => s.GetProperty("id").GetString() == shelfId).GetProperty("gramsPerCount").GetDouble();
    }

    private static async Task<int> SessionStatusAsync(GatewayProcess gateway, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/session");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using HttpResponseMessage response = await gateway.Http.SendAsync(request);
        return (int)response.StatusCode;
    }

    private async Task<string> CreateTokenAsync()
    {
        string file = Path.Combine(_dir, "token.txt");
        File.Delete(file);
        (int exit, _, string err) = await CliSession.RunAsync(null, "admin", "token", "--rotate", "--token-file", file, "--data-dir", _dir);
        Assert.True(exit == 0, err);
        return File.ReadAllText(file).Trim();
    }

    private async Task<GatewayProcess> StartAsync(Dictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? []) { ["Simulation__BeaconCapture"] = "false" };
        GatewayProcess gateway = GatewayProcess.Start(_dir, ["--sim-shopper-rate", "0"], env);
        await gateway.WaitForStockAsync(rows => rows.Count > 0 && rows.All(r => r.GetProperty("count").ValueKind == JsonValueKind.Number), GatewayProcess.StartupDeadline, "every shelf counted");
        return gateway;
    }
}
