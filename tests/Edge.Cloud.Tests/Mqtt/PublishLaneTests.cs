using System.Buffers;
using System.Text;
using Edge.Cloud.Mqtt;
using Edge.Cloud.Transport;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Edge.Cloud.Tests.Mqtt;

/// <summary>
/// The gateway's own QoS 1 path beside MQTTnet's client, on a scripted wire: what it sends is decoded by MQTTnet's own
/// decoder, and what the broker would answer is fed in as bytes.
/// </summary>
public sealed class PublishLaneTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string Topic = "retail/s1/g1/events/ItemsRemoved";

    private static (PublishLane Lane, WireChannel Wire) Open(MqttProtocolVersion version)
    {
        var wire = new WireChannel();
        var channel = new CoalescingChannel(wire);
        var adapter = new MqttChannelAdapter(channel, Formatter(version), MqttNetNullLogger.Instance);
        return (new PublishLane(adapter, channel, version), wire);
    }

    private static MqttPacketFormatterAdapter Formatter(MqttProtocolVersion version) => new(version, new MqttBufferWriter(4096, 1024 * 1024));

    // What has been written, decoded by MQTTnet as a broker would decode it, once there are at least this many packets.
    private static async Task<List<MqttPacket>> SentAsync(WireChannel wire, MqttProtocolVersion version, int packets)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var replay = new WireChannel();
            replay.Receive(wire.Written);
            replay.Close();
            using var reader = new MqttChannelAdapter(replay, Formatter(version), MqttNetNullLogger.Instance);
            var decoded = new List<MqttPacket>();
            try
            {
                while (await reader.ReceivePacketAsync(CancellationToken.None) is { } packet)
                {
                    decoded.Add(packet);
                }
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The last packet is still on its way (the channel sends on the thread pool).
            }

            if (decoded.Count >= packets)
            {
                return decoded;
            }

            Assert.True(clock.Elapsed < Deadline, $"timed out waiting for {packets} packets on the wire");
            await Task.Delay(5);
        }
    }

    // A QoS 1 PUBLISH of MQTTnet's client, under the identifier the client chose.
    private static MqttPublishPacket ClientsStatus(ushort id) => new() { Topic = "retail/s1/g1/status", PacketIdentifier = id, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce };

    private static Task<T> OffContext<T>(Func<T> start) => Task.Factory.StartNew(start, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);

    private static byte[] PubAck(ushort id, byte? reason = null) =>
        reason is { } r ? [0x40, 0x03, (byte)(id >> 8), (byte)id, r] : [0x40, 0x02, (byte)(id >> 8), (byte)id];

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 135)]
    [InlineData(MqttProtocolVersion.V500, 135)]
    [InlineData(MqttProtocolVersion.V500, 200_000)] // a remaining length of three bytes
    public async Task ItsPublish_DecodesAsTheSamePacket_AndCompletesOnItsPubAck(MqttProtocolVersion version, int size)
    {
        (PublishLane lane, WireChannel wire) = Open(version);
        byte[] payload = Enumerable.Range(0, size).Select(i => (byte)('a' + (i % 26))).ToArray();

        Task<MqttPubAckPacket> acked = lane.PublishAsync(Topic, payload, retain: true, "application/json");

        var sent = Assert.IsType<MqttPublishPacket>(Assert.Single(await SentAsync(wire, version, 1)));
        Assert.Equal(Topic, sent.Topic);
        Assert.Equal(payload, sent.Payload.ToArray());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, sent.QualityOfServiceLevel);
        Assert.True(sent.Retain);
        Assert.False(sent.Dup);
        Assert.Equal(version == MqttProtocolVersion.V500 ? "application/json" : null, sent.ContentType); // no properties in 3.1.1
        Assert.False(acked.IsCompleted);

        wire.Receive(PubAck(sent.PacketIdentifier));
        Task<MqttPacket> next = lane.ReceivePacketAsync(CancellationToken.None);
        Assert.Equal(MqttPubAckReasonCode.Success, (await acked.WaitAsync(Deadline)).ReasonCode);
        Assert.False(next.IsCompleted); // the PUBACK was this path's: the client never sees it
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task ItsIdentifiers_AndTheClientsNeverMeetOnTheWire_AndEachAckGoesBackToItsOwner()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);

        // MQTTnet's client numbers its packets from 1 as well: both would use 1 and 2 at once.
        Task<MqttPubAckPacket> ours = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        await lane.SendPacketAsync(ClientsStatus(1), CancellationToken.None);
        await lane.SendPacketAsync(new MqttSubscribePacket { PacketIdentifier = 2, TopicFilters = [new MqttTopicFilter { Topic = "retail/s1/g1/commands/#", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }] }, CancellationToken.None);
        await lane.SendPacketAsync(new MqttPublishPacket { Topic = "retail/s1/g1/replies", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce }, CancellationToken.None);

        List<MqttPacket> sent = await SentAsync(wire, MqttProtocolVersion.V311, 4);
        Assert.Equal(4, sent.Count);
        Assert.Equal(4, sent.Count);
        ushort oursOnWire = ((MqttPublishPacket)sent[0]).PacketIdentifier;
        ushort clientsPublish = ((MqttPublishPacket)sent[1]).PacketIdentifier;
        ushort clientsSubscribe = ((MqttSubscribePacket)sent[2]).PacketIdentifier;
        Assert.Equal(3, new[] { oursOnWire, clientsPublish, clientsSubscribe }.Distinct().Count());
        Assert.Equal(0, ((MqttPublishPacket)sent[3]).PacketIdentifier); // QoS 0 has none, and gets none

        // The broker answers in its own order; the client gets its acks back under the identifiers it chose.
        wire.Receive([.. PubAck(clientsPublish), .. PubAck(oursOnWire), 0x90, 0x03, (byte)(clientsSubscribe >> 8), (byte)clientsSubscribe, 0x01]);
        var first = Assert.IsType<MqttPubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal(1, first.PacketIdentifier);
        var second = Assert.IsType<MqttSubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal(2, second.PacketIdentifier);
        Assert.Equal(MqttPubAckReasonCode.Success, (await ours.WaitAsync(Deadline)).ReasonCode);

        // Freed identifiers are used again, and still never twice at once.
        Task<MqttPubAckPacket> again = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        Assert.Equal(1, lane.InFlight);
        wire.Receive(PubAck(((MqttPublishPacket)(await SentAsync(wire, MqttProtocolVersion.V311, 5))[4]).PacketIdentifier));
        Task<MqttPacket> pending = lane.ReceivePacketAsync(CancellationToken.None);
        await again.WaitAsync(Deadline);
        Assert.False(pending.IsCompleted);
    }

    [Fact]
    public async Task AFullWindowOfEvents_LeavesIdentifiersForTheClient_AndTheNextEventFailsUntilOneIsAcknowledged()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        var waiting = Enumerable.Range(0, PublishLane.MaxOwnInFlight).Select(_ => lane.PublishAsync("t", "{}"u8.ToArray(), retain: false, null)).ToList();
        Assert.Equal(65_280, lane.InFlight);

        var full = await Assert.ThrowsAsync<CloudUnavailableException>(() => lane.PublishAsync("t", "{}"u8.ToArray(), retain: false, null));
        Assert.Contains("packet identifiers are all in flight", full.Message, StringComparison.Ordinal);

        // The client's status and subscriptions still go out.
        await lane.SendPacketAsync(new MqttPublishPacket { Topic = "retail/s1/g1/status", PacketIdentifier = 7, QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }, CancellationToken.None);

        wire.Receive(PubAck(1));
        _ = lane.ReceivePacketAsync(CancellationToken.None);
        await waiting[0].WaitAsync(Deadline);
        Task<MqttPubAckPacket> next = lane.PublishAsync("t", "{}"u8.ToArray(), retain: false, null);
        Assert.False(next.IsFaulted);
        Assert.Equal(65_280, lane.InFlight);
    }

    [Fact]
    public async Task AClientSendCancelledAfterItsBytesWereQueued_KeepsItsIdentifier_SoItsAckStillReachesIt()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        wire.HoldWrites(); // the broker stops reading
        _ = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        await wire.WaitForBytesAsync(1, Deadline); // that send is held by the socket
        _ = lane.PublishAsync(Topic, new byte[CoalescingChannel.HighWater + 1024], retain: false, null);

        // Queued behind the high-water mark: the send is cancelled while it waits, its bytes already in the buffer.
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<Exception>(() => lane.SendPacketAsync(ClientsStatus(1), soon.Token));
        Task<MqttPubAckPacket> later = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);

        wire.ReleaseWrites();
        List<MqttPacket> sent = await SentAsync(wire, MqttProtocolVersion.V311, 4);
        Assert.Equal(4, sent.Count);
        ushort client = ((MqttPublishPacket)sent[2]).PacketIdentifier;
        Assert.Equal("retail/s1/g1/status", ((MqttPublishPacket)sent[2]).Topic);
        Assert.NotEqual(client, ((MqttPublishPacket)sent[3]).PacketIdentifier); // not handed out again

        wire.Receive(PubAck(client));
        var ack = Assert.IsType<MqttPubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal(1, ack.PacketIdentifier);
        Assert.False(later.IsCompleted);
    }

    [Fact]
    public async Task AfterTheConnectionEnded_TheClientGetsMqttnetsOwnError()
    {
        (PublishLane lane, _) = Open(MqttProtocolVersion.V311);
        lane.Dispose();

        await Assert.ThrowsAsync<MQTTnet.Exceptions.MqttCommunicationException>(() => lane.SendPacketAsync(new MqttSubscribePacket { PacketIdentifier = 1, TopicFilters = [new MqttTopicFilter { Topic = "a/#" }] }, CancellationToken.None));
    }

    [Fact]
    public async Task WhenTheConnectionEnds_AWaitingPublishFails_AndTheNextIsRefusedAtOnce()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        Task<MqttPubAckPacket> waiting = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        Task<MqttPacket> receiving = lane.ReceivePacketAsync(CancellationToken.None);

        wire.Close(); // the broker went away
        try
        {
            Assert.Null(await receiving.WaitAsync(Deadline));
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // MQTTnet reports the end of the stream either way.
        }

        var lost = await Assert.ThrowsAsync<CloudUnavailableException>(() => waiting.WaitAsync(Deadline));
        Assert.Contains("connection", lost.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CloudUnavailableException>(() => lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null));
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task APubAckForAnIdentifierNobodyUsed_GoesToTheClient_AndAcknowledgesNothingOfOurs()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        Task<MqttPubAckPacket> waiting = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        ushort id = ((MqttPublishPacket)Assert.Single(await SentAsync(wire, MqttProtocolVersion.V311, 1))).PacketIdentifier;

        wire.Receive(PubAck((ushort)(id + 100)));

        // MQTTnet's client logs an acknowledgement it did not ask for and goes on.
        var stray = Assert.IsType<MqttPubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        Assert.Equal(id + 100, stray.PacketIdentifier);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, lane.InFlight);
    }

    [Fact]
    public async Task ABrokerThatSendsGarbage_EndsTheConnection_AndWhatWaitsFailsForTheOutboxToSendAgain()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        Task<MqttPubAckPacket> waiting = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);

        // A packet type of 0 (reserved) with a remaining length that never ends.
        wire.Receive([0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        wire.Close();

        await Assert.ThrowsAnyAsync<Exception>(() => lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        await Assert.ThrowsAsync<CloudUnavailableException>(() => waiting.WaitAsync(Deadline));
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task ADisposedConnection_FailsWhatWaits()
    {
        (PublishLane lane, _) = Open(MqttProtocolVersion.V500);
        Task<MqttPubAckPacket> waiting = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);

        lane.Dispose();

        await Assert.ThrowsAsync<CloudUnavailableException>(() => waiting.WaitAsync(Deadline));
    }

    [Theory]
    [InlineData("")]
    [InlineData("retail/+/g1/events/x")]
    [InlineData("retail/s1/g1/events/#")]
    [InlineData("retail/s1\0/events")]
    public async Task ATopicNoMessageCanBePublishedTo_IsRefusedForGood_AndNothingIsSent(string topic)
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);

        await Assert.ThrowsAsync<PermanentlyRefusedException>(() => lane.PublishAsync(topic, "{}"u8.ToArray(), retain: false, null));

        Assert.Empty(wire.Written);
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task QoS2FromTheClient_IsRefused_BecauseItsIdentifiersCouldNotBeShared()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);

        await Assert.ThrowsAsync<NotSupportedException>(() => lane.SendPacketAsync(new MqttPublishPacket { Topic = "t", PacketIdentifier = 1, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce }, CancellationToken.None));

        Assert.Empty(wire.Written);
    }

    [Fact]
    public async Task WhatACallerDoesAfterItsPubAck_NeverHoldsTheReceiveLoop_EvenWhenItBlocks()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        using var gate = new ManualResetEventSlim();
        // Started off the test's synchronization context, as the pump starts them: nothing posts their continuations elsewhere.
        Task<MqttPubAckPacket> first = await OffContext(() => lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null));
        Task<MqttPubAckPacket> second = await OffContext(() => lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null));
        Task stuck = first.ContinueWith(_ => gate.Wait(Deadline), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await lane.SendPacketAsync(new MqttSubscribePacket { PacketIdentifier = 7, TopicFilters = [new MqttTopicFilter { Topic = "retail/s1/g1/commands/#" }] }, CancellationToken.None);
        List<MqttPacket> sent = await SentAsync(wire, MqttProtocolVersion.V311, 3);
        ushort subscribe = ((MqttSubscribePacket)sent[2]).PacketIdentifier;

        // Both PUBACKs and the client's SUBACK in one read: the first publish's continuation blocks where it runs.
        wire.Receive([.. PubAck(((MqttPublishPacket)sent[0]).PacketIdentifier), .. PubAck(((MqttPublishPacket)sent[1]).PacketIdentifier), 0x90, 0x03, (byte)(subscribe >> 8), (byte)subscribe, 0x00]);
        var suback = Assert.IsType<MqttSubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));

        Assert.Equal(7, suback.PacketIdentifier);
        Assert.False(stuck.IsCompleted); // still blocked, and the loop went on past both PUBACKs
        gate.Set();
        await stuck.WaitAsync(Deadline);
        Assert.Equal(MqttPubAckReasonCode.Success, (await second.WaitAsync(Deadline)).ReasonCode);
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task PubAcksAlreadyRead_EachSettleTheirOwner_AndTheClientStillGetsItsOwnIdentifier()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V311);
        Task<MqttPubAckPacket> first = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        await lane.SendPacketAsync(ClientsStatus(1), CancellationToken.None);
        Task<MqttPubAckPacket> second = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        List<MqttPacket> sent = await SentAsync(wire, MqttProtocolVersion.V311, 3);
        ushort[] ids = [.. sent.Cast<MqttPublishPacket>().Select(p => p.PacketIdentifier)];

        // One read: a PUBACK with a reason code (five bytes: the decoder's), then short ones for the client, for the
        // second publish and for an identifier nobody used.
        byte[] read = [.. PubAck(ids[0], reason: 0x00), .. PubAck(ids[1]), .. PubAck(ids[2]), .. PubAck(9_999)];
        wire.Receive(read);
        var clients = Assert.IsType<MqttPubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));
        var unknown = Assert.IsType<MqttPubAckPacket>(await lane.ReceivePacketAsync(CancellationToken.None).WaitAsync(Deadline));

        Assert.Equal(1, clients.PacketIdentifier); // back under the client's own identifier
        Assert.Equal(9_999, unknown.PacketIdentifier);
        Assert.Equal(MqttPubAckReasonCode.Success, (await first.WaitAsync(Deadline)).ReasonCode);
        Assert.Equal(MqttPubAckReasonCode.Success, (await second.WaitAsync(Deadline)).ReasonCode);

        // A short PUBACK split over two reads is the decoder's again.
        Task<MqttPubAckPacket> third = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, null);
        ushort id = ((MqttPublishPacket)(await SentAsync(wire, MqttProtocolVersion.V311, 4))[3]).PacketIdentifier;
        wire.Receive(PubAck(id)[..2]);
        Task<MqttPacket> next = lane.ReceivePacketAsync(CancellationToken.None);
        wire.Receive(PubAck(id)[2..]);
        Assert.Equal(MqttPubAckReasonCode.Success, (await third.WaitAsync(Deadline)).ReasonCode);
        Assert.False(next.IsCompleted);
        Assert.Equal(0, lane.InFlight);
    }

    [Fact]
    public async Task AnMqtt5Refusal_ComesBackWithItsReasonCodeAndText()
    {
        (PublishLane lane, WireChannel wire) = Open(MqttProtocolVersion.V500);
        Task<MqttPubAckPacket> acked = lane.PublishAsync(Topic, "{}"u8.ToArray(), retain: false, "application/json");
        ushort id = ((MqttPublishPacket)Assert.Single(await SentAsync(wire, MqttProtocolVersion.V500, 1))).PacketIdentifier;

        byte[] reason = Encoding.UTF8.GetBytes("no events from this store");
        wire.Receive([0x40, (byte)(2 + 1 + 1 + 3 + reason.Length), (byte)(id >> 8), (byte)id, 0x87, (byte)(3 + reason.Length), 0x1F, 0, (byte)reason.Length, .. reason]);
        _ = lane.ReceivePacketAsync(CancellationToken.None);

        MqttPubAckPacket refused = await acked.WaitAsync(Deadline);
        Assert.Equal(MqttPubAckReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Equal("no events from this store", refused.ReasonString);
    }
}
