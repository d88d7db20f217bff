using System.Text.Json;
using System.Threading.Channels;
using Edge.Gateway.Events;
using Edge.Gateway.Omnichannel;
using Edge.Gateway.Shelves;
using Edge.Gateway.StoreData;
using Microsoft.Extensions.Options;

namespace Edge.Gateway.Signage;

/// <summary>A screen's content as it is sent: its version and its JSON.</summary>
public sealed record ScreenPayload(long Version, ScreenContent Content, byte[] Json);

/// <summary>Domain event: a screen's content changed (the retained MQTT copy follows it).</summary>
public sealed record ScreenContentChanged(string ScreenId, long Version);

/// <summary>Domain event: a screen's players all went away for <see cref="ScreensOptions.OfflineAfter"/> (<paramref name="Online"/> false), or one came back.</summary>
public sealed record ScreenPresenceChanged(string ScreenId, bool Online, DateTimeOffset Timestamp, DateTimeOffset? LastSeen);

/// <summary>One connected player's stream: a buffer of one, so a player that falls behind gets the current content, not a backlog.</summary>
public sealed class PlayerFeed
{
    private readonly Channel<ScreenPayload> _next = Channel.CreateBounded<ScreenPayload>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    internal PlayerFeed(string screenId, string playerId)
    {
        ScreenId = screenId;
        PlayerId = playerId;
    }

    /// <summary>The screen.</summary>
    public string ScreenId { get; }

    /// <summary>The id the page generated for itself.</summary>
    public string PlayerId { get; }

    /// <summary>The next content to send.</summary>
    public ChannelReader<ScreenPayload> Next => _next.Reader;

    internal void Offer(ScreenPayload payload) => _next.Writer.TryWrite(payload);
}

/// <summary>
/// Keeps every screen's content current: recomputed when shelf counts, store data or availability change (and every
/// second, for promotion windows and staleness), numbered with a version that only grows (also across restarts: it
/// starts from the clock), and pushed to each connected player's buffer. Tracks players, and raises
/// <see cref="ScreenPresenceChanged"/> when a screen's players are all gone for <see cref="ScreensOptions.OfflineAfter"/>.
/// </summary>
public sealed class SignageHub : BackgroundService
{
    /// <summary>Most players streaming one screen at once; more are refused (503).</summary>
    public const int MaxPlayersPerScreen = 256;

    /// <summary>Most players remembered per screen (last seen), oldest forgotten first.</summary>
    public const int RememberedPlayers = 64;

    /// <summary>How often content is recomputed when nothing signals a change.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // Japanese as UTF-8, not \u escapes: a third of the bytes on every push. The page inlines it safely (SignagePages).
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IReadOnlyList<ScreenOptions> _screens;
    private readonly Dictionary<string, ScreenState> _states;
    private readonly ScreenContentBuilder _builder;
    private readonly EventBus _bus;
    private readonly TimeProvider _time;
    private readonly TimeSpan _offlineAfter;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _refresh = new();
    private readonly ILogger _logger;
    private string? _lastFailure;

    /// <summary>Creates the hub over the screens in force.</summary>
    public SignageHub(ScreenList screens, ScreenContentBuilder builder, EventBus bus, TimeProvider time, IOptions<ScreensOptions> options, ImageCache? images = null, ILogger<SignageHub>? logger = null)
    {
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        ArgumentNullException.ThrowIfNull(screens);
        _screens = screens.Screens;
        _states = _screens.ToDictionary(s => s.Id, s => new ScreenState(s), StringComparer.Ordinal);
        _builder = builder;
        _bus = bus;
        _time = time;
        _offlineAfter = options.Value.OfflineAfter;
        if (images is not null)
        {
            images.Fetched += _ => Wake();
        }
    }

    /// <summary>The screens, in configuration order.</summary>
    public IReadOnlyList<ScreenOptions> Screens => _screens;

    /// <summary>A screen's current content, computed now if it never was; null for an unknown screen.</summary>
    public ScreenPayload? Current(string screenId)
    {
        if (!_states.TryGetValue(screenId, out ScreenState? state))
        {
            return null;
        }

        if (Volatile.Read(ref state.Payload) is null)
        {
            Refresh();
        }

        return state.Payload;
    }

    /// <summary>Each screen's players and content version, for <c>GET /api/screens</c> and the dashboard.</summary>
    public IReadOnlyList<ScreenStatus> Status()
    {
        var list = new List<ScreenStatus>(_screens.Count);
        foreach (ScreenOptions s in _screens)
        {
            ScreenState st = _states[s.Id];
            lock (st)
            {
                list.Add(new ScreenStatus(s.Id, s.Zone, s.Layout.ToString().ToLowerInvariant(), st.Streams.Count, st.Payload?.Version, st.LastSeen,
                    st.Online, [.. st.Seen.OrderByDescending(kv => kv.Value).Select(kv => new PlayerSeen(kv.Key, kv.Value, st.Streams.Any(x => x.PlayerId == kv.Key)))]));
            }
        }

        return list;
    }

    /// <summary>Attaches a player to a screen; null when the screen is unknown or has <see cref="MaxPlayersPerScreen"/> already.</summary>
    public PlayerFeed? Connect(string screenId, string playerId)
    {
        if (!_states.TryGetValue(screenId, out ScreenState? state))
        {
            return null;
        }

        var stream = new PlayerFeed(screenId, playerId);
        DateTimeOffset now = _time.GetUtcNow();
        bool back;
        lock (state)
        {
            if (state.Streams.Count >= MaxPlayersPerScreen)
            {
                return null;
            }

            state.Streams.Add(stream);
            state.Touch(playerId, now);
            state.GoneSince = null;
            back = state.Online == false;
            state.Online = true;
        }

        if (back)
        {
            _bus.Publish(new ScreenPresenceChanged(screenId, true, now, now));
        }

        return stream;
    }

    /// <summary>Detaches a player's stream.</summary>
    public void Disconnect(PlayerFeed stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ScreenState state = _states[stream.ScreenId];
        DateTimeOffset now = _time.GetUtcNow();
        lock (state)
        {
            state.Streams.Remove(stream);
            state.Touch(stream.PlayerId, now);
            if (state.Streams.Count == 0)
            {
                state.GoneSince = now;
            }
        }
    }

    /// <summary>Records that a player was heard from (a heartbeat written, a play reported).</summary>
    public void Seen(string screenId, string playerId)
    {
        if (_states.TryGetValue(screenId, out ScreenState? state))
        {
            lock (state)
            {
                state.Touch(playerId, _time.GetUtcNow());
            }
        }
    }

    /// <summary>Asks for a recomputation soon (coalesced).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Recomputes every screen, pushes what changed and checks for screens gone offline; returns how many changed.</summary>
    public int Refresh()
    {
        lock (_refresh)
        {
            DateTimeOffset now = _time.GetUtcNow();
            int changed = 0;
            foreach (ScreenOptions screen in _screens)
            {
                ScreenState state = _states[screen.Id];
                ScreenContent content = _builder.Build(screen, now);
                // What the screen shows, without its version and time: equal bodies are the same content.
                byte[] body = JsonSerializer.SerializeToUtf8Bytes(content with { GeneratedAt = default }, Json);
                if (state.Body is not null && body.AsSpan().SequenceEqual(state.Body))
                {
                    continue;
                }

                long version = Math.Max((state.Payload?.Version ?? 0) + 1, now.ToUnixTimeMilliseconds());
                ScreenContent numbered = content with { Version = version };
                var payload = new ScreenPayload(version, numbered, JsonSerializer.SerializeToUtf8Bytes(numbered, Json));
                PlayerFeed[] streams;
                lock (state)
                {
                    state.Body = body;
                    Volatile.Write(ref state.Payload, payload);
                    streams = [.. state.Streams];
                }

                foreach (PlayerFeed s in streams)
                {
                    s.Offer(payload);
                }

                _bus.Publish(new ScreenContentChanged(screen.Id, version));
                changed++;
            }

            CheckPresence(now);
            return changed;
        }
    }

    // A screen whose content cannot be built this second keeps what it shows and is tried again the next: signage must
    // not take the shelves, the journal and the cloud sync down with it. Each new failure is logged once, with its trace.
    private void RefreshOrReport()
    {
        try
        {
            Refresh();
            _lastFailure = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (ex.Message != _lastFailure)
            {
                _lastFailure = ex.Message;
                SignageLog.RefreshFailed(_logger, ex);
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using Subscription<ShelfEventsJournaled> shelves = _bus.Subscribe<ShelfEventsJournaled>("signage (shelves)", 1, FullPolicy.Signal);
        using Subscription<StoreDataChanged> storeData = _bus.Subscribe<StoreDataChanged>("signage (store data)", 1, FullPolicy.Signal);
        using Subscription<OmnichannelEvent> omnichannel = _bus.Subscribe<OmnichannelEvent>("signage (availability)", 1, FullPolicy.Signal);
        Task[] relays = [Relay(shelves, stoppingToken), Relay(storeData, stoppingToken), Relay(omnichannel, stoppingToken)];
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                RefreshOrReport();
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                tick.CancelAfter(Interval);
                try
                {
                    await _wake.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // the second passed: recompute for time alone
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(relays);
    }

    private async Task Relay<T>(Subscription<T> subscription, CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await subscription.ReadAsync(stoppingToken);
                Wake();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void CheckPresence(DateTimeOffset now)
    {
        foreach (ScreenState state in _states.Values)
        {
            DateTimeOffset? lastSeen;
            lock (state)
            {
                if (state.Online != true || state.GoneSince is not { } gone || now - gone < _offlineAfter)
                {
                    continue;
                }

                state.Online = false;
                lastSeen = state.LastSeen;
            }

            _bus.Publish(new ScreenPresenceChanged(state.Options.Id, false, now, lastSeen));
        }
    }

    private sealed class ScreenState(ScreenOptions options)
    {
        public ScreenOptions Options { get; } = options;

        public ScreenPayload? Payload;

        public byte[]? Body { get; set; }

        public List<PlayerFeed> Streams { get; } = [];

        public Dictionary<string, DateTimeOffset> Seen { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? GoneSince { get; set; }

        /// <summary>Null until a player first connected in this run; then whether one is (or recently was) there.</summary>
        public bool? Online { get; set; }

        public DateTimeOffset? LastSeen => Seen.Count == 0 ? null : Seen.Values.Max();

        public void Touch(string playerId, DateTimeOffset now)
        {
            if (!Seen.ContainsKey(playerId) && Seen.Count >= RememberedPlayers)
            {
                // Forget the player heard from longest ago that is not streaming.
                string? oldest = Seen.Where(kv => !Streams.Any(s => s.PlayerId == kv.Key)).OrderBy(kv => kv.Value).Select(kv => kv.Key).FirstOrDefault();
                if (oldest is null)
                {
                    return;
                }

                Seen.Remove(oldest);
            }

            Seen[playerId] = now;
        }
    }
}

/// <summary>A player a screen has seen.</summary>
public sealed record PlayerSeen(string PlayerId, DateTimeOffset LastSeen, bool Connected);

/// <summary>A screen as <c>GET /api/screens</c> shows it.</summary>
public sealed record ScreenStatus(string Id, string Zone, string Layout, int ConnectedPlayers, long? ContentVersion, DateTimeOffset? LastSeen, bool? Online, IReadOnlyList<PlayerSeen> Players);

/// <summary>The screens in force: the configured ones, or the simulated store's when none is configured in simulation.</summary>
public sealed record ScreenList(IReadOnlyList<ScreenOptions> Screens);
