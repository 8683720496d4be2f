using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using static GateKiosk.Mqtt.Tests.Broker.SiteBroker;

namespace GateKiosk.Mqtt.Tests.Broker;

/// <summary>The kiosk's own connection (MqttLink through MqttEntryPublisher) with the Mqtt:* TLS keys, against the site broker.</summary>
public sealed class SiteBrokerTlsTests(SiteBroker site) : IClassFixture<SiteBroker>
{
    private const string Kiosk = "gate-tls";

    [SkippableFact(Timeout = 60_000)]
    public async Task Publisher_MutualTlsWithKioskCertificate_DeliversJournalAndStatus()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        using var central = await site.ConnectAsync(Central);
        var inbox = new Inbox(central);
        await central.SubscribeAsync("gatekiosk/v1/" + Site + "/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var journal = new FakeEntryJournal();
        for (var i = 0; i < OutboxMessage.BatchThreshold - 1; i++)
        {
            journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = $"n{i}" });
        }

        var (certificate, key) = site.ClientFiles(Kiosk);
        var mqtt = new MqttOptions
        {
            Host = "127.0.0.1",
            Port = site.Port,
            UseTls = true,
            CaFile = site.CaFile,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
        };
        Assert.True(new MqttOptionsValidator().Validate(null, mqtt).Succeeded);
        var kiosk = new KioskOptions { SiteId = Site, KioskId = Kiosk };
        using var publisher = new MqttEntryPublisher(journal, Options.Create(mqtt), Options.Create(kiosk), TimeProvider.System, NullLoggerFactory.Instance);

        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(
                () => journal.GetStats().Unsent == 0 && inbox.Messages.Count(m => m.Topic == Topics.Events(Site, Kiosk)) == OutboxMessage.BatchThreshold - 1,
                TimeSpan.FromSeconds(20),
                "the journal is acked over mutual TLS and central receives it");
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }

        var status = inbox.Messages.First(m => m.Topic == Topics.Status(Site, Kiosk));
        Assert.Equal(KioskStatus.Online, JsonSerializer.Deserialize(status.Text, ContractsJsonContext.Default.KioskStatus)!.State);
        var seqs = inbox.Messages.Where(m => m.Topic == Topics.Events(Site, Kiosk))
            .Select(m => JsonSerializer.Deserialize(m.Text, ContractsJsonContext.Default.EntryEvent)!.Seq);
        Assert.Equal(Enumerable.Range(1, OutboxMessage.BatchThreshold - 1).Select(i => (long)i), seqs);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Link_BrokerCertificateNotFromConfiguredCa_NeverConnects()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        var folder = Path.Combine(Path.GetTempPath(), "gk-other-ca-" + Guid.NewGuid().ToString("N")[..8]);
        using var other = new TestPki(folder, "someone else's CA");
        var (certificate, key) = site.ClientFiles(Kiosk);
        var mqtt = new MqttOptions
        {
            Host = "127.0.0.1",
            Port = site.Port,
            UseTls = true,
            CaFile = other.CaFile,
            ClientCertificateFile = certificate,
            ClientKeyFile = key,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
        };
        var logger = new RecordingLogger();
        using var link = new MqttLink(mqtt, "test-wrong-ca", will: null, logger, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var sessions = 0;

        var run = link.RunAsync(_ => { Interlocked.Increment(ref sessions); return Task.CompletedTask; }, stop.Token);
        await Eventually.TrueAsync(() => logger.Count(l => l.Contains("not reachable", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(20), "two refused TLS handshakes");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, sessions);
        Assert.False(link.IsConnected);
        Directory.Delete(folder, recursive: true);
    }
}
