using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Mqtt.Tests;

public sealed class MqttEntryPublisherTests
{
    [SkippableFact(Timeout = 60_000)]
    public async Task Publisher_AgainstMosquitto_SendsJournalInSeqOrder_MarksSent_AndRetainsOnlineThenOfflineStatus()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();

        var received = new ConcurrentQueue<(string Topic, string Payload, bool Retain)>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("test-sub").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("gatekiosk/v1/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var journal = new FakeEntryJournal();
        for (var i = 0; i < 100; i++)
        {
            journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = $"n{i}" });
        }

        var kiosk = new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" };
        var mqtt = new MqttOptions { Host = "127.0.0.1", Port = broker.Port, MaxInFlight = 16 };
        using var publisher = new MqttEntryPublisher(journal, Options.Create(mqtt), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance);
        await publisher.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => journal.GetStats().Unsent == 0 && Seqs(received).Count == 100, TimeSpan.FromSeconds(20), "all events acked and delivered");
        journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = "live" });
        await Eventually.TrueAsync(() => journal.GetStats().Unsent == 0, TimeSpan.FromSeconds(10), "a live event is sent without waiting for a poll");

        await Eventually.TrueAsync(() => Seqs(received).Count == 101, TimeSpan.FromSeconds(10), "the live event is delivered");
        Assert.Equal(Enumerable.Range(1, 101).Select(i => (long)i), Seqs(received));
        Assert.Contains(received, r => r.Payload.StartsWith('['));
        Assert.StartsWith("{", received.Last(r => r.Topic.EndsWith("/events", StringComparison.Ordinal)).Payload, StringComparison.Ordinal);
        var status = received.First(r => r.Topic == Topics.Status("site-1", "kiosk-1"));
        Assert.Equal(KioskStatus.Online, JsonSerializer.Deserialize(status.Payload, ContractsJsonContext.Default.KioskStatus)!.State);

        await publisher.StopAsync(CancellationToken.None);

        // A late subscriber sees the retained status, and after a clean stop it says offline (the will is discarded then).
        using var late = new MqttClientFactory().CreateMqttClient();
        var retained = new TaskCompletionSource<(bool Retain, string Payload)>();
        late.ApplicationMessageReceivedAsync += e =>
        {
            retained.TrySetResult((e.ApplicationMessage.Retain, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())));
            return Task.CompletedTask;
        };
        await late.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("test-late").Build());
        await late.SubscribeAsync(Topics.Status("site-1", "kiosk-1"));
        var (isRetained, payload) = await retained.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(isRetained);
        Assert.Equal(KioskStatus.Offline, JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.KioskStatus)!.State);
    }

    /// <summary>The seq numbers delivered on the events topic, single events and batches alike, in arrival order.</summary>
    private static List<long> Seqs(IEnumerable<(string Topic, string Payload, bool Retain)> received) =>
        [.. received.Where(r => r.Topic == Topics.Events("site-1", "kiosk-1"))
            .SelectMany(r => r.Payload.StartsWith('[')
                ? JsonSerializer.Deserialize(r.Payload, ContractsJsonContext.Default.EntryEventArray)!
                : [JsonSerializer.Deserialize(r.Payload, ContractsJsonContext.Default.EntryEvent)!])
            .Select(e => e.Seq)];

    private sealed class StubTelemetry(IEntryJournal journal) : GateKiosk.Core.Publishing.IKioskTelemetry
    {
        public KioskTelemetry Snapshot()
        {
            var stats = journal.GetStats();
            return new KioskTelemetry("kiosk-1", "site-1", DateTimeOffset.UtcNow, 1, TimeSources.Ntp, new OutboxTelemetry(stats.Unsent, null, stats.SetAside, stats.LastSeq, 0), "closed", null, null);
        }
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Publisher_Telemetry_PublishedOnConnectAndEveryInterval_AtQoS0()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        var telemetry = new ConcurrentQueue<(KioskTelemetry Body, MqttQualityOfServiceLevel QoS)>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            telemetry.Enqueue((JsonSerializer.Deserialize(e.ApplicationMessage.Payload.ToArray(), ContractsJsonContext.Default.KioskTelemetry)!, e.ApplicationMessage.QualityOfServiceLevel));
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("test-telemetry").Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Telemetry("site-1", "kiosk-1"), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var journal = new FakeEntryJournal();
        var mqtt = new MqttOptions { Host = "127.0.0.1", Port = broker.Port, TelemetryInterval = TimeSpan.FromSeconds(1) };
        var kiosk = new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" };
        using var publisher = new MqttEntryPublisher(journal, Options.Create(mqtt), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance, new StubTelemetry(journal));
        await publisher.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => telemetry.Count >= 2, TimeSpan.FromSeconds(15), "two telemetry samples");
        await publisher.StopAsync(CancellationToken.None);

        Assert.All(telemetry, t => Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, t.QoS));
        Assert.Equal(("kiosk-1", "closed", TimeSources.Ntp), (telemetry.First().Body.KioskId, telemetry.First().Body.Door, telemetry.First().Body.ClockSource));
    }

    [Fact]
    public void Validator_BadValues_NameTheKeys()
    {
        var result = new MqttOptionsValidator().Validate(null, new MqttOptions { Host = "", Port = 0, Password = "x" });

        Assert.True(result.Failed);
        Assert.Contains("Mqtt:Host", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:Port", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Mqtt:Username", result.FailureMessage, StringComparison.Ordinal);
    }
}
