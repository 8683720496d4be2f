using System.Threading.Channels;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;

namespace GateKiosk.Mqtt.Tests;

public sealed class MqttLinkProtocolTests
{
    [Theory]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V500, MqttClientConnectResultCode.UnsupportedProtocolVersion, true)]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V500, (MqttClientConnectResultCode)1, true)]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V311, MqttClientConnectResultCode.UnsupportedProtocolVersion, false)]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V500, MqttClientConnectResultCode.NotAuthorized, false)]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V500, MqttClientConnectResultCode.BadUserNameOrPassword, false)]
    [InlineData(MqttProtocol.Auto, MqttProtocolVersion.V500, MqttClientConnectResultCode.ServerUnavailable, false)]
    [InlineData(MqttProtocol.V500, MqttProtocolVersion.V500, MqttClientConnectResultCode.UnsupportedProtocolVersion, false)]
    public void ShouldFallBack_RefusalReason_OnlyProtocolVersionInAutoMode(MqttProtocol setting, MqttProtocolVersion tried, MqttClientConnectResultCode result, bool expected) =>
        Assert.Equal(expected, MqttLink.ShouldFallBack(setting, tried, result));

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_AutoAgainstV311OnlyBroker_FallsBackAndStaysOn311AfterReconnect()
    {
        await using var broker = FakeV311Broker.Start();
        var options = FastReconnect(broker.Port, MqttProtocol.Auto);
        using var link = new MqttLink(options, "test-fallback", will: null, NullLogger.Instance, TimeProvider.System);
        var sessions = Channel.CreateUnbounded<MqttProtocolVersion>();
        using var stop = new CancellationTokenSource();

        var run = link.RunAsync(
            async token =>
            {
                sessions.Writer.TryWrite(link.ProtocolVersion);
                await Task.Delay(Timeout.Infinite, token);
            },
            stop.Token);
        var first = await sessions.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        broker.DropAll();
        var second = await sessions.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(MqttProtocolVersion.V311, first);
        Assert.Equal(MqttProtocolVersion.V311, second);
        Assert.Equal([5, 4, 4], broker.ConnectLevels);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_V500AgainstV311OnlyBroker_KeepsAskingFor5()
    {
        await using var broker = FakeV311Broker.Start();
        using var link = new MqttLink(FastReconnect(broker.Port, MqttProtocol.V500), "test-v5-only", will: null, NullLogger.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var sessions = 0;

        var run = link.RunAsync(_ => { Interlocked.Increment(ref sessions); return Task.CompletedTask; }, stop.Token);
        await Eventually.TrueAsync(() => broker.ConnectLevels.Count >= 3, TimeSpan.FromSeconds(10), "three refused connects");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(broker.ConnectLevels, level => Assert.Equal(5, level));
        Assert.Equal(0, sessions);
    }

    [Fact(Timeout = 30_000)]
    public async Task Publisher_AutoAgainstV311OnlyBroker_DrainsJournalWithoutV5Properties()
    {
        await using var broker = FakeV311Broker.Start();
        var journal = new FakeEntryJournal();
        for (var i = 0; i < 5; i++)
        {
            journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = $"n{i}" });
        }

        var kiosk = new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" };
        using var publisher = new MqttEntryPublisher(journal, Options.Create(FastReconnect(broker.Port, MqttProtocol.Auto)), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance);

        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => journal.GetStats().Unsent == 0, TimeSpan.FromSeconds(10), "the journal is acked over 3.1.1");
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }

        Assert.Equal(5, broker.Published.Count(t => t == Topics.Events("site-1", "kiosk-1")));
        Assert.Contains(Topics.Status("site-1", "kiosk-1"), broker.Published);
    }

    private static MqttOptions FastReconnect(int port, MqttProtocol protocol) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = protocol,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };
}
