using System.Net;
using Edge.Gateway.Admin;
using Edge.Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OptionsFactory = Microsoft.Extensions.Options.Options;

namespace Edge.Gateway.Tests.Admin;

/// <summary>The admin token check: constant-time match of a salted hash, failures rate-limited per address, the token file re-read when rotated.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AdminGuardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edge-admin-guard-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly CapturingLogger _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void NoToken_WrongToken_AndTheRightOne()
    {
        string token = AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard();

        Assert.Equal(401, Status(guard, null));
        Assert.Equal(401, Status(guard, "edge_" + new string('A', 43)));
        Assert.Equal(401, Status(guard, token + "x"));
        Assert.Equal(401, Status(guard, token.ToUpperInvariant()));
        Assert.Null(guard.Check(Request(token)));
    }

    [Fact]
    public void TheStoredFileHoldsASaltedHash_NotTheToken_AndIsForTheOwnerOnly()
    {
        string token = AdminToken.Create(_dir, _time);
        string other = AdminToken.Create(Directory.CreateTempSubdirectory("edge-admin-guard-2-").FullName, _time);
        string file = File.ReadAllText(Path.Combine(_dir, AdminToken.FileName));

        Assert.DoesNotContain(token, file, StringComparison.Ordinal);
        Assert.DoesNotContain(token[AdminToken.Prefix.Length..], file, StringComparison.Ordinal);
        Assert.NotEqual(token, other);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, AdminToken.FileName)));
    }

    [Fact]
    public void BruteForce_IsRefusedWith429_EvenTheRightToken_UntilTheOldestFailureIsAMinuteOld()
    {
        string token = AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard(maxFailures: 5);
        var attacker = IPAddress.Parse("192.0.2.7");
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(401, Status(guard, $"guess-{i}", attacker));
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        var http = Request(token, attacker);
        Assert.Equal(429, StatusOf(guard.Check(http)!, http));
        Assert.Equal("35", http.Response.Headers.RetryAfter.ToString()); // the first failure was 25 s ago
        Assert.Null(guard.Check(Request(token, IPAddress.Parse("192.0.2.8")))); // another address is not affected

        _time.Advance(TimeSpan.FromSeconds(34));
        Assert.Equal(429, Status(guard, token, attacker));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(guard.Check(Request(token, attacker)));
        Assert.Equal(401, Status(guard, "after success the count restarts", attacker));
    }

    [Fact]
    public void FailuresAreLoggedWithTheAddress_NeverWithWhatWasSent()
    {
        AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard();
        const string Sent = "edge_secret-guess-that-must-not-be-logged";

        _ = guard.Check(Request(Sent, IPAddress.Parse("198.51.100.4")));

        string logged = Assert.Single(_log.Lines);
        Assert.Contains("198.51.100.4", logged, StringComparison.Ordinal);
        Assert.Contains("wrong token", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-guess", logged, StringComparison.Ordinal);
    }

    [Fact]
    public void ARotatedToken_AppliesAtOnce_AndTheOldOneStopsWorking()
    {
        string first = AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard();
        Assert.Null(guard.Check(Request(first)));

        File.SetLastWriteTimeUtc(Path.Combine(_dir, AdminToken.FileName), DateTime.UtcNow.AddMinutes(-1));
        string second = AdminToken.Create(_dir, _time);

        Assert.Equal(401, Status(guard, first));
        Assert.Null(guard.Check(Request(second)));
    }

    [Fact]
    public void WithoutAnyToken_EveryRequestIsRefused_SayingHowToCreateOne()
    {
        AdminGuard guard = Guard();
        var http = Request("anything");
        IResult result = guard.Check(http)!;

        Assert.Equal(401, StatusOf(result, http));
        Assert.Contains("edge-gateway admin token", Body(result, http), StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedTokenFile_Is503_NotAnOpenDoor()
    {
        File.WriteAllText(Path.Combine(_dir, AdminToken.FileName), "{\"salt\": 42");
        AdminGuard guard = Guard();

        Assert.Equal(503, Status(guard, "whatever"));
    }

    [Fact]
    public void OnSeparateAdminPorts_TheStoreNetworksListenerDoesNotServeTheAdminApi()
    {
        string token = AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard(adminPorts: [8081]);

        var onStorePort = Request(token);
        onStorePort.Connection.LocalPort = 8080;
        var onAdminPort = Request(token);
        onAdminPort.Connection.LocalPort = 8081;

        Assert.Equal(404, StatusOf(guard.Check(onStorePort)!, onStorePort));
        Assert.Null(guard.Check(onAdminPort));
    }

    [Fact]
    public void ManyAddresses_AreRememberedUpToTheBound()
    {
        AdminToken.Create(_dir, _time);
        AdminGuard guard = Guard(maxFailures: 1);
        for (int i = 0; i < AdminGuard.MaxTrackedAddresses + 100; i++)
        {
            _ = guard.Check(Request("x", new IPAddress(BitConverter.GetBytes(0x0A000000 + i))));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // The stalest addresses were forgotten: the very first may try again, the newest may not.
        Assert.Equal(401, Status(guard, "x", new IPAddress(BitConverter.GetBytes(0x0A000000))));
        Assert.Equal(429, Status(guard, "x", new IPAddress(BitConverter.GetBytes(0x0A000000 + AdminGuard.MaxTrackedAddresses + 99))));
    }

    private AdminGuard Guard(int maxFailures = 5, HashSet<int>? adminPorts = null) => new(
        new AdminListeners(adminPorts ?? [], []),
        OptionsFactory.Create(new AdminOptions { MaxFailedAttemptsPerMinute = maxFailures }),
        OptionsFactory.Create(new GatewayOptions { DataDir = _dir }),
        _time,
        _log);

    private static DefaultHttpContext Request(string? token, IPAddress? from = null)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = from ?? IPAddress.Loopback;
        http.Request.Path = "/api/admin/session";
        http.Response.Body = new MemoryStream();
        http.RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        if (token is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + token;
        }

        return http;
    }

    private static int Status(AdminGuard guard, string? token, IPAddress? from = null)
    {
        DefaultHttpContext http = Request(token, from);
        IResult? result = guard.Check(http);
        return result is null ? 200 : StatusOf(result, http);
    }

    private static int StatusOf(IResult result, HttpContext http)
    {
        result.ExecuteAsync(http).GetAwaiter().GetResult();
        return http.Response.StatusCode;
    }

    private static string Body(IResult result, HttpContext http)
    {
        result.ExecuteAsync(http).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());
    }

    private sealed class CapturingLogger : ILogger<AdminGuard>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
