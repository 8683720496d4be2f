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
using MQTTnet.Server;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>
/// Central comes back to a broker that kept its session: the broker sends what queued up right after the connection is
/// accepted, before central's session code runs. Those messages belong to the new connection and are acknowledged on it.
/// </summary>
public sealed class CollectorReconnectTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-reconnect-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task EventsQueuedWhileCentralWasAway_AllStoredAndAcknowledged_NoneDeliveredAgainOnTheNextStart()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        using var store = new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        var options = Options.Create(new MqttOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            ClientId = "central-under-test",
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
        });

        async Task<MqttEventCollector> StartAsync()
        {
            var collector = new MqttEventCollector(store, options, TimeProvider.System, NullLoggerFactory.Instance);
            await collector.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => collector.IsSubscribed, Patience, "the collector subscribes");
            return collector;
        }

        // The first start makes central's session on the broker; then central is away while the kiosk goes on.
        using (var first = await StartAsync())
        {
            await first.StopAsync(CancellationToken.None);
        }

        var journal = new FakeEntryJournal();
        var kiosk = new MqttClientFactory().CreateMqttClient();
        await kiosk.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("kiosk-1").Build());
        async Task PublishAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var e = journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" });
                await kiosk.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Events("site-1", "kiosk-1"))
                    .WithPayload(e.Payload.ToArray()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            }
        }

        const int Queued = 300;
        await PublishAsync(Queued);

        // Back: everything queued is stored, though far more than the broker's in-flight window of unacknowledged messages.
        using (var second = await StartAsync())
        {
            await Eventually.TrueAsync(() => store.GetKiosks().SingleOrDefault() is { Events: Queued }, Patience, "every queued event is stored");
            await Eventually.TrueAsync(() => second.Counters.Stored == Queued, Patience, "the collector counts them stored");
            await second.StopAsync(CancellationToken.None);
        }

        // Started once more: had any been left unacknowledged, the broker would send it again before the next event.
        using var third = await StartAsync();
        await PublishAsync(1);
        await Eventually.TrueAsync(() => store.GetKiosks().SingleOrDefault() is { Events: Queued + 1 }, Patience, "the next event is stored");
        await Eventually.TrueAsync(() => third.Counters.Stored == 1, Patience, "the collector counts it stored");
        Assert.Equal((1L, 0L), (third.Counters.Stored, third.Counters.Duplicates));
        await third.StopAsync(CancellationToken.None);
        await kiosk.DisconnectAsync();
    }
    /// <summary>
    /// Connected is not yet listening: until the broker confirms the subscription, what a kiosk publishes on a session
    /// central never had reaches nobody. The demo and readiness wait for <see cref="MqttEventCollector.IsSubscribed"/>.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task IsSubscribed_FalseWhileTheBrokerHoldsTheSubscription_TrueOnceItIsConfirmed()
    {
        var port = Mosquitto.FreePort();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(System.Net.IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.InterceptingSubscriptionAsync += async _ => await hold.Task.WaitAsync(Patience);
        await server.StartAsync();
        using var store = new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        using var collector = new MqttEventCollector(
            store, Options.Create(new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "central-under-test" }), TimeProvider.System, NullLoggerFactory.Instance);
        await collector.StartAsync(CancellationToken.None);

        await Eventually.TrueAsync(() => collector.IsConnected, Patience, "the collector connects");
        await Task.Delay(300);
        Assert.False(collector.IsSubscribed, "subscribed before the broker confirmed it");

        hold.SetResult();
        await Eventually.TrueAsync(() => collector.IsSubscribed, Patience, "the collector subscribes");
        await collector.StopAsync(CancellationToken.None);
        Assert.False(collector.IsSubscribed, "subscribed after it stopped");
        await server.StopAsync();
    }

    /// <summary>A backlog waits at the broker, not in central: the collector asks for at most its receive maximum unacknowledged.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Connect_Mqtt5_AsksTheBrokerForAtMostItsReceiveMaximumUnacknowledged()
    {
        var port = Mosquitto.FreePort();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(System.Net.IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        var asked = new TaskCompletionSource<ushort>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ValidatingConnectionAsync += e =>
        {
            asked.TrySetResult(e.ReceiveMaximum);
            return Task.CompletedTask;
        };
        await server.StartAsync();
        using var store = new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System);
        using var collector = new MqttEventCollector(
            store, Options.Create(new MqttOptions { Host = "127.0.0.1", Port = port, ClientId = "central-under-test" }), TimeProvider.System, NullLoggerFactory.Instance);
        await collector.StartAsync(CancellationToken.None);

        Assert.Equal(MqttEventCollector.ReceiveMaximum, await asked.Task.WaitAsync(Patience));
        Assert.InRange(MqttEventCollector.ReceiveMaximum, 256, 65_534);
        await collector.StopAsync(CancellationToken.None);
        await server.StopAsync();
    }
}
