using System.Device.I2c;
using Edge.Drivers.Clock;
using Edge.Drivers.Clock.Simulation;
using Edge.Gateway.Diagnostics;
using Edge.Gateway.Hosting;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Temperature;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Clock;

/// <summary>Registers the RTC: its keeper, the gateway's clock when there is one, and <c>GET /api/clock</c>.</summary>
public static class ClockRegistration
{
    /// <summary>Binds <c>Rtc</c>, validated at start.</summary>
    public static IServiceCollection AddRtcOptions(this IServiceCollection services) =>
        services.AddValidatedOptions<RtcOptions, RtcOptionsValidator>("Rtc").Services;

    /// <summary>
    /// Adds the keeper; with an RTC (configured, or the simulated store's), the gateway's <see cref="TimeProvider"/> is
    /// its clock. Call before the shared services, which add the system clock only when none is registered.
    /// </summary>
    public static WebApplicationBuilder AddRtc(this WebApplicationBuilder builder, RtcOptions options, bool simulate)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        IServiceCollection services = builder.Services;
        services.AddRtcOptions();
        bool present = options.Enabled || simulate;
        services.AddSingleton(sp => new RtcKeeper(present ? Open(options, simulate) : null, options, NtpSynchronised, TimeProvider.System,
            StoreClock.ReadBuildDate(), sp.GetRequiredService<ILogger<RtcKeeper>>()));
        services.AddSingleton<IClockWitness>(sp => sp.GetRequiredService<RtcKeeper>());
        services.AddHostedService(sp => sp.GetRequiredService<RtcKeeper>());
        if (present)
        {
            // Resolved first by whatever asks the time first: the RTC is read before anything is timestamped.
            services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<RtcKeeper>().Clock);
        }

        return builder;
    }

    /// <summary>Maps <c>GET /api/clock</c>: which clock the gateway goes by and why (no secrets: the dashboard and <c>diag</c> read it).</summary>
    public static WebApplication MapClock(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/clock", Status);
        return app;
    }

    /// <summary>What <c>GET /api/clock</c> (and the admin API's <c>clock</c>, for <c>diag</c>) answers.</summary>
    public static object Status(RtcKeeper keeper, StoreClock clock)
    {
        ArgumentNullException.ThrowIfNull(keeper);
        ArgumentNullException.ThrowIfNull(clock);
        _ = clock.Check();
        return new { plausible = clock.Plausible, reason = clock.Reason, keeper = keeper.Status() };
    }

    /// <summary>Whether NTP synchronised the system clock, by the kernel's view; null when it cannot be asked.</summary>
    public static bool? NtpSynchronised() => DiagNative.ClockState() is int state ? state != DiagNative.TimeError : null;

    /// <summary>The configured DS3231, or the simulated store's (set to the system clock, as if it had been kept).</summary>
    public static IRtc Open(RtcOptions options, bool simulate)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (simulate && !options.Enabled)
        {
            var clock = new Ds3231Clock(new SimulatedDs3231(TimeProvider.System, options.Bus));
            clock.Set(TimeProvider.System.GetUtcNow());
            return new Ds3231Rtc(clock);
        }

        int address = CaseOptions.ParseAddress(options.Address) ?? 0x68;
        try
        {
            return new Ds3231Rtc(new Ds3231Clock(I2cDevice.Create(new I2cConnectionSettings(options.Bus, address))));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ArgumentException)
        {
            return new FaultedRtc($"I2C bus {options.Bus}, address 0x{address:x2}", $"cannot open the DS3231 on I2C bus {options.Bus}: {ex.Message}");
        }
    }
}

/// <summary>An RTC that could not be opened: it has no time, and says why.</summary>
public sealed class FaultedRtc(string where, string reason) : IRtc
{
    /// <inheritdoc />
    public string Where => where;

    /// <inheritdoc />
    public RtcReading Read() => new(null, reason);

    /// <inheritdoc />
    public void SetTime(DateTimeOffset utc) => throw new IOException(reason);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
