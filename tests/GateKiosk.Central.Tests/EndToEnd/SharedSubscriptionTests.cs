using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// Two central processes share the kiosks' event stream through an MQTT shared subscription, each with its own
/// connection to one PostgreSQL store: every event is stored once, and each kiosk's chain and gap count come out whole
/// although its events arrived through both.
/// </summary>
public sealed class SharedSubscriptionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [SkippableFact(Timeout = 180_000)]
    public async Task TwoCollectorsOnASharedSubscription_EveryEventStoredOnce_ChainsWhole_BothCollectorsTookPart()
    {
        var why = PostgresServer.SkipReason();
        Skip.If(why is not null, why);
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var postgres = await PostgresServer.StartAsync("shared");

        // Two processes: each its own store connection and its own client id, in one group.
        using var storeA = new PostgresEventStore(postgres.ConnectionString, TimeProvider.System);
        using var storeB = new PostgresEventStore(postgres.ConnectionString, TimeProvider.System);
        MqttEventCollector Collector(PostgresEventStore store, string clientId) => new(
            store, Options.Create(new MqttOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = clientId }), TimeProvider.System, NullLoggerFactory.Instance)
        {
            SharedGroup = "central",
        };
        using var a = Collector(storeA, "central-a");
        using var b = Collector(storeB, "central-b");
        await a.StartAsync(CancellationToken.None);
        await b.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => a.IsSubscribed && b.IsSubscribed, Patience, "both collectors subscribe");

        // Four kiosks publishing at once, single events and batches mixed, so one kiosk's events go through both.
        const int Kiosks = 4;
        const int PerKiosk = 300;
        await Task.WhenAll(Enumerable.Range(1, Kiosks).Select(k => PublishChainAsync(broker.Port, $"kiosk-{k}", PerKiosk)));

        await Eventually.TrueAsync(
            () => storeA.GetKiosks() is { Count: Kiosks } kiosks && kiosks.All(s => s.Events == PerKiosk),
            Patience,
            "every event of every kiosk is stored");
        foreach (var kiosk in storeB.GetKiosks())
        {
            Assert.Equal((PerKiosk, (long)PerKiosk, 0L, 0L), (kiosk.Events, kiosk.LastSeq, kiosk.Missing, kiosk.ChainBreaks));
            Assert.Empty(storeB.GetChainBreaks(kiosk.SiteId, kiosk.KioskId));
        }

        await Eventually.TrueAsync(() => a.Counters.Stored + b.Counters.Stored == Kiosks * PerKiosk, Patience, "the collectors count what they stored");
        Assert.Equal(0L, a.Counters.Duplicates + b.Counters.Duplicates);
        Assert.True(a.Counters.Stored > 0 && b.Counters.Stored > 0, $"the stream was not shared: {a.Counters.Stored} and {b.Counters.Stored}");
        await a.StopAsync(CancellationToken.None);
        await b.StopAsync(CancellationToken.None);
    }

    /// <summary>A kiosk's valid chain of <paramref name="count"/> events: in turn one event alone, then three in a batch.</summary>
    private static async Task PublishChainAsync(int port, string kioskId, int count)
    {
        var journal = new FakeEntryJournal("site-1", kioskId);
        var events = Enumerable.Range(0, count)
            .Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" }))
            .ToList();
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(kioskId).Build());
        for (var i = 0; i < events.Count;)
        {
            var take = i % 4 == 0 ? 1 : Math.Min(3, events.Count - i);
            var payload = take == 1
                ? events[i].Payload.ToArray()
                : System.Text.Encoding.UTF8.GetBytes("[" + string.Join(",", events.Skip(i).Take(take).Select(e => System.Text.Encoding.UTF8.GetString(e.Payload.Span))) + "]");
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Events("site-1", kioskId))
                .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            i += take;
        }

        await client.DisconnectAsync();
    }
}
