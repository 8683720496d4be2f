using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tests.Collecting;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// A real broker, central and kiosk, with malformed messages of every kind interleaved with the kiosk's events: central
/// acknowledges and quarantines them, stores every valid event, and keeps acknowledging, across a restart too.
/// </summary>
public sealed class PoisonMessageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-poison-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Dictionary<string, string?> CentralSettings(int port) => new()
    {
        ["Mqtt:Host"] = "127.0.0.1",
        ["Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Mqtt:ReconnectMinDelay"] = "00:00:00.100",
        ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
        ["Logging:LogLevel:Default"] = "Error",
    };

    private static async Task<IMqttClient> ConnectAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build());
        return client;
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [SkippableFact(Timeout = 180_000)]
    public async Task HundredMalformedMessagesAmongAKiosksEvents_AllValidStored_MalformedCounted_StillAcknowledgingAfterRestart()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        var centralData = Path.Combine(_folder, "central");
        var central = await RunningCentral.StartAsync(centralData, CentralSettings(broker.Port));
        await central.WaitSubscribedAsync();
        using var kiosk = GateKiosk.Program.BuildKioskHost([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kiosk:SiteId"] = "site-1",
                ["Kiosk:KioskId"] = "gate-1",
                ["Kiosk:DataDirectory"] = Path.Combine(_folder, "kiosk"),
                ["Gpio:Driver"] = "Simulated",
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Error",
            });
            b.Services.Replace(ServiceDescriptor.Singleton<IScanSource>(new SimulatedScanSource("test", TimeProvider.System)));
        });
        await kiosk.StartAsync();
        var journal = kiosk.Services.GetRequiredService<IEntryJournal>();
        long lastJournaled = 0;
        void Journal(string detail) =>
            lastJournaled = journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = detail }).Seq;

        async Task<KioskSummary?> GateAsync(RunningCentral c) => (await c.KiosksAsync())?.SingleOrDefault(k => k.KioskId == "gate-1");

        Journal("first");
        await Eventually.TrueAsync(async () => (await GateAsync(central))?.LastSeq >= lastJournaled, TimeSpan.FromSeconds(30), "the kiosk's first events are stored");
        var template = Encoding.UTF8.GetBytes((await central.AllEventsAsync("kiosk=gate-1&limit=1000")).Last().GetRawText());

        // 100 malformed messages, every kind in turn, with a valid kiosk event after every fifth.
        using var attacker = await ConnectAsync(broker.Port, "poison-source");
        var sent = 0;
        while (sent < 100)
        {
            foreach (var (_, topic, payload) in PoisonMessages.Build("site-1", "gate-1", template, lastJournaled))
            {
                if (sent == 100)
                {
                    break;
                }

                await PublishAsync(attacker, topic, payload);
                if (++sent % 5 == 0)
                {
                    Journal($"valid {sent}");
                }
            }
        }

        Journal("after the poison");
        await Eventually.TrueAsync(async () => (await GateAsync(central)) is { } g && g.LastSeq >= lastJournaled && g.Events == g.LastSeq, TimeSpan.FromSeconds(60), "every valid event is stored");
        await Eventually.TrueAsync(async () => (await GateAsync(central))?.Rejected == 100, TimeSpan.FromSeconds(30), "the 100 malformed messages are counted");
        var gate = (await GateAsync(central))!;
        Assert.Equal((0L, gate.LastSeq), (gate.Missing, gate.Events));
        var ingest = (await central.Http.GetFromJsonAsync<IngestCounters>("/api/ingest", JsonSerializerOptions.Web))!;
        Assert.Equal((100L, 100L), (ingest.Rejected, ingest.RejectedTotal));
        var breaks = (await central.Http.GetFromJsonAsync<ChainReport>("/api/kiosks/site-1/gate-1/chain", JsonSerializerOptions.Web))!.Breaks;
        Assert.All(breaks, b => Assert.Equal(ChainBreakKinds.EventIdReused, b.Kind)); // the forged copies, nothing else

        // Restarted, central finds nothing left unacknowledged that would stall it, and stores the next event.
        await central.DisposeAsync();
        central = await RunningCentral.StartAsync(centralData, CentralSettings(broker.Port));
        await using (central)
        {
            Journal("after the restart");
            await Eventually.TrueAsync(async () => (await GateAsync(central)) is { } g && g.LastSeq >= lastJournaled && g.Events == g.LastSeq, TimeSpan.FromSeconds(30), "the event after the restart is stored");
            Assert.Equal(100, (await GateAsync(central))!.Rejected);
            await kiosk.StopAsync();
        }
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task StoreFailsMidStream_NothingUnstoredAcknowledged_AfterTheFaultEveryEventStoredOnce()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        using var store = new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        var faulty = new FaultyIngestWriter(store) { FailAtSeq = 7 };
        var options = new MqttOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            ClientId = "central-under-test",
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
        };
        using var collector = new MqttEventCollector(faulty, store, Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        await collector.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => collector.IsSubscribed, TimeSpan.FromSeconds(20), "the collector subscribes");

        var journal = new FakeEntryJournal();
        var events = Enumerable.Range(0, 20).Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" })).ToList();
        using var kiosk = await ConnectAsync(broker.Port, "kiosk-1");
        foreach (var e in events)
        {
            await PublishAsync(kiosk, Topics.Events("site-1", "kiosk-1"), e.Payload.ToArray());
        }

        // Seq 7 fails, is not acknowledged, and comes back: the broker redelivers it after each reconnect.
        await Eventually.TrueAsync(() => faulty.Failures >= 3, TimeSpan.FromSeconds(30), "seq 7 is delivered again after its store failed");
        var latest = store.GetLatest("site-1", "kiosk-1")?.Seq ?? 0;
        Assert.True(latest < 7 || store.GetGaps("site-1", "kiosk-1").Any(g => g.From <= 7 && g.To >= 7), "seq 7 is not stored while the store fails");

        faulty.FailAtSeq = null;
        await Eventually.TrueAsync(() => store.GetKiosks().SingleOrDefault() is { Events: 20 }, TimeSpan.FromSeconds(30), "every event is stored once the store works");

        var summary = store.GetKiosks().Single();
        Assert.Equal((20L, 20L, 0L, 0L, 0L), (summary.Events, summary.LastSeq, summary.Missing, summary.ChainBreaks, summary.Rejected));
        await collector.StopAsync(CancellationToken.None);
    }
}
