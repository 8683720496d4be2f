using System.Buffers;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GateKiosk.LoadTest;

/// <summary>
/// One simulated kiosk: its own MQTT client (client id <c>kiosk-{site}-{kiosk}</c>), the will and retained birth the
/// kiosk publishes, and a chain of entry events built the way the kiosk's journal seals them, so each payload's
/// SHA-256 is the next event's <c>prevHash</c>.
/// </summary>
internal sealed class SimulatedKiosk(string siteId, string kioskId, long events, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private string _lastHash = EventChain.Genesis;
    private long _seq;

    public string SiteId { get; } = siteId;

    public string KioskId { get; } = kioskId;

    /// <summary>Events this kiosk sends in the run.</summary>
    public long Events { get; } = events;

    /// <summary>Events published and acknowledged so far.</summary>
    public long Sent => _seq;

    public async Task ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var will = JsonSerializer.SerializeToUtf8Bytes(new KioskStatus(KioskStatus.Offline, KioskId, SiteId), ContractsJsonContext.Default.KioskStatus);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId($"kiosk-{SiteId}-{KioskId}")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(CallTimeout)
            .WithWillTopic(Topics.Status(SiteId, KioskId))
            .WithWillPayload(will)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        using var timeout = Linked(cancellationToken);
        var result = await _client.ConnectAsync(options, timeout.Token);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"kiosk-{SiteId}-{KioskId}: broker refused the connection ({result.ResultCode}).");
        }

        var birth = new KioskStatus(
            KioskStatus.Online, KioskId, SiteId, "loadtest", time.GetUtcNow(),
            new Dictionary<string, string> { ["reader"] = "simulated", ["door"] = "simulated" });
        await PublishAsync(new MqttApplicationMessage
        {
            Topic = Topics.Status(SiteId, KioskId),
            Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(birth, ContractsJsonContext.Default.KioskStatus)),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Retain = true,
            ContentType = "application/json",
        }, cancellationToken);
    }

    /// <summary>Seals the next event of the chain and publishes it at QoS 1; returns it once the broker acknowledged it.</summary>
    public async Task<EntryEvent> PublishNextAsync(CancellationToken cancellationToken)
    {
        var seq = _seq + 1;
        var now = time.GetUtcNow();
        var draft = new EventDraft
        {
            Type = EventTypes.Entry,
            OccurredAt = now,
            TimeSource = TimeSources.Ntp,
            Direction = "in",
            Decision = Decisions.Allow,
            Reason = ReasonCodes.Valid,
            Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", $"b-{KioskId}-{seq % 500}"),
            PolicyVersion = 1,
            LatencyUs = 1200,
        };
        var entry = EventChain.Seal(draft, SiteId, KioskId, seq, _lastHash, Guid.CreateVersion7(now));
        var payload = EventChain.Serialize(entry);
        await PublishAsync(new MqttApplicationMessage
        {
            Topic = Topics.Events(SiteId, KioskId),
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = "application/json",
            PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
        }, cancellationToken);
        _lastHash = EventChain.Hash(payload);
        _seq = seq;
        return entry;
    }

    public async Task DisconnectAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose() => _client.Dispose();

    private static CancellationTokenSource Linked(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        return timeout;
    }

    private async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        using var timeout = Linked(cancellationToken);
        var result = await _client.PublishAsync(message, timeout.Token);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"kiosk-{SiteId}-{KioskId}: broker refused {message.Topic} ({result.ReasonCode}).");
        }
    }
}
