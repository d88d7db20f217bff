using System.Net.Sockets;
using System.Net;
using Edge.Gateway.Tests.EndToEnd;

namespace Edge.Gateway.Tests.FaultInjection;

/// <summary>
/// Start-up on a broken installation (the documented exit code and one line, never a stack trace), hostile HTTP
/// requests, and what the data directory looks like on disk.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StartupAndHttpFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-fi-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<GatewayProcess> ExpectExitAsync(int code, string dataDir, Dictionary<string, string>? environment = null, string? urls = null, string? dll = null)
    {
        GatewayProcess gateway = GatewayProcess.Start(dataDir, ["--sim-shopper-rate", "0"], environment, dll, urls);
        Assert.Equal(code, await gateway.WaitForExitAsync(GatewayProcess.StartupDeadline));
        string[] lines = gateway.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{gateway.Errors}");
        Scenario.AssertNoStackTrace(gateway.Output);
        return gateway;
    }

    [Fact]
    public async Task AppSettingsThatIsNotJson_Exits2_NamingTheFileAndWhere()
    {
        string copy = Path.Combine(_dir, "install");
        string built = Path.GetDirectoryName(GatewayProcess.GatewayDll())!;
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(built))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(Path.Combine(copy, "appsettings.json"), "{\"Gateway\": {\n  \"Id\": gw-01 }}");

        using GatewayProcess gateway = await ExpectExitAsync(2, Path.Combine(_dir, "data"), dll: Path.Combine(copy, "edge-gateway.dll"));
        Assert.Contains("appsettings.json", gateway.Errors, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 1", gateway.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpsUrlWithoutACertificate_Exits2()
    {
        using GatewayProcess gateway = await ExpectExitAsync(2, Path.Combine(_dir, "data"), urls: $"https://127.0.0.1:{GatewayProcess.FreePort()}");
        Assert.Contains("no certificate is configured", gateway.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADataDirectoryThatIsAFile_Exits2()
    {
        string file = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");

        using GatewayProcess gateway = await ExpectExitAsync(2, file);
        Assert.Contains("Cannot use the data directory", gateway.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway.db")]
    [InlineData("outbox.db")]
    public async Task ADatabaseReplacedByADirectory_Exits2(string name)
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(Path.Combine(data, name));

        using GatewayProcess gateway = await ExpectExitAsync(2, data, Scenario.Mqtt(GatewayProcess.FreePort()));
        Assert.Contains($"{name}' is a directory", gateway.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APortInUse_Exits3_WithOneLineAndNoHostingStackTrace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using GatewayProcess gateway = await ExpectExitAsync(3, Path.Combine(_dir, "data"), urls: $"http://127.0.0.1:{port}");
        Assert.Contains("Cannot listen on", gateway.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileRequests_AreRefusedQuietly_AndTheDataDirectoryIsTheGatewaysAlone()
    {
        string data = Path.Combine(_dir, "data");
        using GatewayProcess gateway = GatewayProcess.Start(data, ["--sim-shopper-rate", "0"], Scenario.Mqtt(GatewayProcess.FreePort()));
        await gateway.WaitForStockAsync(s => s.All(r => r.GetProperty("status").GetString() is "ok" or "low"), GatewayProcess.StartupDeadline, "every shelf counted");

        using var megabyte = new ByteArrayContent(new byte[1024 * 1024]);
        HttpResponseMessage big = await gateway.Http.PostAsync("/api/simulation/shelves/S-01/pick", megabyte);
        using var huge = new StreamContent(new EndlessStream(100L * 1024 * 1024));
        HttpResponseMessage endless;
        try
        {
            endless = await gateway.Http.PostAsync("/api/simulation/shelves/S-01/put", huge);
        }
        catch (HttpRequestException)
        {
            // Kestrel may close the connection while the client is still sending: refused all the same.
            endless = new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge);
        }

        HttpResponseMessage overfill = await gateway.Http.PostAsync("/api/simulation/shelves/S-01/put", new StringContent("{\"items\":100}"));
        HttpResponseMessage notJson = await gateway.Http.PostAsync("/api/simulation/shelves/S-01/pick", new StringContent("{\"items\":"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, endless.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, overfill.StatusCode);
        Assert.Contains("room for", await overfill.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.False(gateway.HasExited);
        Assert.DoesNotContain("fail:", gateway.Output, StringComparison.Ordinal);
        Scenario.AssertNoStackTrace(gateway.Output);

        // Owner only: the directory, the databases, their logs and the beacon secret.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        foreach (string file in Directory.GetFiles(data))
        {
            if (new FileInfo(file).LinkTarget is { } target)
            {
                // gateway.endpoint: a link's own mode means nothing; its target is the admin URL, no secret.
                Assert.StartsWith("http://127.0.0.1:", target, StringComparison.Ordinal);
                continue;
            }

            Assert.True((File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) == 0, $"{file} is {File.GetUnixFileMode(file)}");
        }

        Assert.Contains(Directory.GetFiles(data), f => f.EndsWith("gateway.db", StringComparison.Ordinal));
        Assert.Contains($"Data directory: {data}", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>A request body that is much larger than anything the API takes, produced as it is sent.</summary>
    private sealed class EndlessStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            Array.Fill(buffer, (byte)'x', offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
