using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Mqtt.Tests;

/// <summary>Commands from the broker against a real Mosquitto: what an anonymous publisher on the command topic can and cannot make a kiosk do.</summary>
public sealed class MqttCommandTests
{
    private const string Site = "site-1";
    private const string Kiosk = "kiosk-1";

    [SkippableFact(Timeout = 60_000)]
    public async Task OnCommand_Retained_IsRejectedAndNotCarriedOut()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions(), events: 20, startPublisher: false);
        var id = Guid.NewGuid();
        await rig.SendAsync(Resend(id, 1, 20), retain: true);
        await rig.StartPublisherAsync();

        var result = await rig.ResultAsync(id);

        Assert.Equal(("rejected", CommandRejections.Retained), (result.Status, result.Detail));
        Assert.Equal(0, rig.Journal.GetStats().Unsent);
    }

    [SkippableTheory(Timeout = 60_000)]
    [InlineData(-6, CommandRejections.Stale)]
    [InlineData(6, CommandRejections.IssuedInFuture)]
    public async Task OnCommand_IssuedOutsideFiveMinutes_IsRejected(int minutes, string reason)
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions(), events: 20);
        var id = Guid.NewGuid();
        await rig.SendAsync(Resend(id, 1, 20) with { IssuedAt = DateTimeOffset.UtcNow.AddMinutes(minutes) });

        var result = await rig.ResultAsync(id);

        Assert.Equal(("rejected", reason), (result.Status, result.Detail));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task OnCommand_SameCommandIdTwice_SecondIsRejectedAsReplayed()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions(), events: 20);
        var id = Guid.NewGuid();
        await rig.SendAsync(Resend(id, 1, 5));
        await Eventually.TrueAsync(() => rig.Results(id).Count == 1, TimeSpan.FromSeconds(20), "the first answer");
        await rig.SendAsync(Resend(id, 1, 5));
        await Eventually.TrueAsync(() => rig.Results(id).Count == 2, TimeSpan.FromSeconds(20), "the second answer");

        Assert.Equal([("done", (string?)null), ("rejected", CommandRejections.Replayed)], rig.Results(id).Select(r => (r.Status, r.Detail)));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task OnCommand_ResendOfHugeRange_RequeuesAtMostResendMaxRange()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions { ResendMaxRange = 10 }, events: 50);
        var id = Guid.NewGuid();
        await rig.SendAsync(Resend(id, 1, long.MaxValue));

        var result = await rig.ResultAsync(id);

        Assert.Equal(("done", 10L, "truncated"), (result.Status, result.Count, result.Detail));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task OnCommand_ResendsOverBudget_AreRejectedOnceTheBudgetIsUsed()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions { ResendEventsPerMinute = 30 }, events: 50);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            await rig.SendAsync(Resend(id, 1, 20));
        }

        var results = await Task.WhenAll(ids.Select(rig.ResultAsync));

        Assert.Equal(20L, results[0].Count);
        Assert.Equal(10L, results[1].Count);
        Assert.Equal(("rejected", CommandRejections.ResendBudgetExhausted), (results[2].Status, results[2].Detail));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task OnCommand_FloodOverRateLimit_ExtraCommandsAreDroppedUnansweredAndCounted()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var rig = await Rig.StartAsync(new MqttOptions { CommandsPerMinute = 3 }, events: 5);
        for (var i = 0; i < 30; i++)
        {
            await rig.SendAsync(Resend(Guid.NewGuid(), 1, 1));
        }

        await Eventually.TrueAsync(() => rig.Publisher!.CommandsDropped + rig.AllResults.Count >= 30, TimeSpan.FromSeconds(20), "every command answered or dropped");

        // Three pass at once; at most one more if the burst took longer than 20 s to arrive.
        Assert.InRange(rig.AllResults.Count, 3, 4);
        Assert.InRange(rig.Publisher!.CommandsDropped, 26, 27);
    }

    private static KioskCommand Resend(Guid id, long from, long to) => new(id, CommandTypes.Resend, from, to, DateTimeOffset.UtcNow);

    /// <summary>A Mosquitto, a journal with some sent events, the real publisher and a stand-in for central.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ConcurrentQueue<CommandResult> _results = new();

        private Rig(Mosquitto broker, MqttOptions options, IMqttClient central)
        {
            Broker = broker;
            Options = options;
            Central = central;
        }

        public Mosquitto Broker { get; }

        public MqttOptions Options { get; }

        public IMqttClient Central { get; }

        public FakeEntryJournal Journal { get; } = new();

        public MqttEntryPublisher? Publisher { get; private set; }

        public IReadOnlyList<CommandResult> AllResults => [.. _results];

        public static async Task<Rig> StartAsync(MqttOptions options, int events, bool startPublisher = true)
        {
            var broker = await Mosquitto.StartAsync();
            options.Host = "127.0.0.1";
            options.Port = broker.Port;
            var central = new MqttClientFactory().CreateMqttClient();
            var rig = new Rig(broker, options, central);
            central.ApplicationMessageReceivedAsync += e =>
            {
                rig._results.Enqueue(JsonSerializer.Deserialize(e.ApplicationMessage.Payload.ToArray(), ContractsJsonContext.Default.CommandResult)!);
                return Task.CompletedTask;
            };
            await central.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("test-central").Build());
            await central.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CommandResult(Site, Kiosk), MqttQualityOfServiceLevel.AtLeastOnce).Build());
            for (var i = 0; i < events; i++)
            {
                rig.Journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = $"n{i}" });
            }

            if (startPublisher)
            {
                await rig.StartPublisherAsync();
            }

            return rig;
        }

        public async Task StartPublisherAsync()
        {
            Publisher = new MqttEntryPublisher(Journal, Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(new KioskOptions { SiteId = Site, KioskId = Kiosk }), TimeProvider.System, NullLoggerFactory.Instance)
            {
                ResendChunkPause = TimeSpan.Zero,
            };
            await Publisher.StartAsync(CancellationToken.None);

            // The session subscribes to commands before it forwards anything: a drained journal means it listens.
            await Eventually.TrueAsync(() => Publisher.IsConnected && Journal.GetStats().Unsent == 0, TimeSpan.FromSeconds(20), "the publisher subscribed and sent the journal");
        }

        public Task<MqttClientPublishResult> SendAsync(KioskCommand command, bool retain = false) =>
            Central.PublishAsync(new MqttApplicationMessage
            {
                Topic = Topics.Command(Site, Kiosk),
                Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(command, ContractsJsonContext.Default.KioskCommand)),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                Retain = retain,
            });

        public List<CommandResult> Results(Guid id) => [.. _results.Where(r => r.CommandId == id)];

        public async Task<CommandResult> ResultAsync(Guid id)
        {
            await Eventually.TrueAsync(() => Results(id).Count > 0, TimeSpan.FromSeconds(20), $"an answer to {id}");
            return Results(id)[0];
        }

        public async ValueTask DisposeAsync()
        {
            if (Publisher is not null)
            {
                await Publisher.StopAsync(CancellationToken.None);
                Publisher.Dispose();
            }

            Central.Dispose();
            await Broker.DisposeAsync();
        }
    }
}
