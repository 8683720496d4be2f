using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>The collector feeds the store's single writer without waiting for each commit, so messages commit together.</summary>
public sealed class CollectorBatchingTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-batching-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Messages_ArrivingWhileACommitIsHeld_TakenAtOnce_CommittedTogether_EachStoredOnce()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        using var store = new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var commits = 0;
        store.BeforeCommit = () =>
        {
            if (Interlocked.Increment(ref commits) == 1)
            {
                inside.Release();
                release.Wait(Patience);
            }
        };
        var options = new MqttOptions { Host = "127.0.0.1", Port = broker.Port, ClientId = "central-under-test" };
        using var collector = new MqttEventCollector(store, Options.Create(options), TimeProvider.System, NullLoggerFactory.Instance);
        await collector.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => collector.IsSubscribed, Patience, "the collector subscribes");

        var journal = new FakeEntryJournal();
        var events = Enumerable.Range(0, 6).Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" })).ToList();
        var kiosk = new MqttClientFactory().CreateMqttClient();
        await kiosk.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("kiosk-1").Build());
        Task Publish(JournaledEvent e) => kiosk.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Events("site-1", "kiosk-1"))
            .WithPayload(e.Payload.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Publish(events[0]);
        Assert.True(await inside.WaitAsync(Patience), "the first commit starts");

        // The first event's commit is held; the other five are still taken and queued for the writer meanwhile.
        foreach (var e in events.Skip(1))
        {
            await Publish(e);
        }

        await Eventually.TrueAsync(() => store.PendingWrites == 5, Patience, "the next five messages are queued while the first commits");
        release.Set();

        await Eventually.TrueAsync(() => store.GetKiosks().SingleOrDefault() is { Events: 6 }, Patience, "every event is stored");
        Assert.Equal(2, Volatile.Read(ref commits));
        await Eventually.TrueAsync(() => collector.Counters == (6L, 0L, 0L), Patience, "the collector counts each event once its commit completes");
        await kiosk.DisconnectAsync();
        kiosk.Dispose();
        await collector.StopAsync(CancellationToken.None);
    }
}
