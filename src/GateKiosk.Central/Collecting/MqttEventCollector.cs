using System.Buffers;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// Subscribes to every kiosk's events and status and stores them. A message is acknowledged only after it is
/// stored; when the store fails the link is dropped so the broker delivers the message again.
/// </summary>
public sealed partial class MqttEventCollector : BackgroundService
{
    private readonly SqliteEventStore _store;
    private readonly ILogger<MqttEventCollector> _logger;
    private readonly MqttLink _link;
    private long _stored;
    private long _duplicates;
    private long _rejected;

    public MqttEventCollector(SqliteEventStore store, IOptions<MqttOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _store = store;
        _logger = loggers.CreateLogger<MqttEventCollector>();
        var clientId = string.IsNullOrEmpty(options.Value.ClientId) ? "gatekiosk-central" : options.Value.ClientId;
        _link = new MqttLink(options.Value, clientId, will: null, loggers.CreateLogger<MqttLink>(), time);
        _link.Client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>Events stored, duplicates absorbed, and messages rejected as malformed since start.</summary>
    public (long Stored, long Duplicates, long Rejected) Counters =>
        (Interlocked.Read(ref _stored), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _rejected));

    public bool IsConnected => _link.IsConnected;

    /// <summary>Sends a command to one kiosk (QoS 1); false when the broker is not reachable now.</summary>
    public async Task<bool> PublishCommandAsync(string site, string kiosk, KioskCommand command, CancellationToken cancellationToken)
    {
        if (!_link.IsConnected)
        {
            return false;
        }

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Command(site, kiosk))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(command, ContractsJsonContext.Default.KioskCommand))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return (await _link.Client.PublishAsync(message, timeout.Token)).IsSuccess;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _link.DisconnectAsync();
    }

    public override void Dispose()
    {
        _link.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _link.RunAsync(SessionAsync, stoppingToken);

    private async Task SessionAsync(CancellationToken sessionToken)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.AllEvents, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllStatus, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await _link.Client.SubscribeAsync(subscribe, timeout.Token);
        }

        await Task.Delay(Timeout.Infinite, sessionToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (!Topics.TryParseKioskTopic(message.Topic, out var site, out var kiosk, out var leaf))
        {
            Reject(message.Topic, "not a kiosk topic");
            return Task.CompletedTask;
        }

        var payload = message.Payload.ToArray();
        try
        {
            switch (leaf)
            {
                case "events":
                    StoreEvent(site, kiosk, message.Topic, payload);
                    break;
                case "status" when payload.Length > 0:
                    var status = Deserialize(payload, ContractsJsonContext.Default.KioskStatus);
                    if (status is not null && status.SiteId == site && status.KioskId == kiosk)
                    {
                        _store.SetStatus(status);
                    }
                    else
                    {
                        Reject(message.Topic, "status does not match its topic");
                    }

                    break;
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            // Not acknowledged: drop the link so the broker redelivers once the store works again.
            e.AutoAcknowledge = false;
            LogStoreFailed(ex, message.Topic);
            _ = _link.Client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stores a single event, or a batch: a JSON array of events whose elements are byte-for-byte the single
    /// form (so the hash chain holds). A batch with any element that does not belong to the topic is rejected whole.
    /// </summary>
    private void StoreEvent(string site, string kiosk, string topic, byte[] payload)
    {
        var events = new List<(EntryEvent, string)>();
        var isBatch = payload.AsSpan().TrimStart(" \t\r\n"u8) is [(byte)'[', ..];
        try
        {
            if (isBatch)
            {
                using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
                foreach (var element in doc.RootElement.EnumerateArray())
                {
                    var raw = element.GetRawText();
                    events.Add((element.Deserialize(ContractsJsonContext.Default.EntryEvent)!, raw));
                }
            }
            else
            {
                events.Add((JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.EntryEvent)!, Encoding.UTF8.GetString(payload)));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            Reject(topic, "not JSON events");
            return;
        }

        if (events.Count == 0 || events.Any(e => e.Item1 is null || e.Item1.SchemaVersion != 1 || e.Item1.SiteId != site || e.Item1.KioskId != kiosk || e.Item1.Seq < 1))
        {
            Reject(topic, "not schemaVersion 1 events of this kiosk");
            return;
        }

        var added = _store.AddRange(events);
        Interlocked.Add(ref _stored, added);
        Interlocked.Add(ref _duplicates, events.Count - added);
    }

    private static T? Deserialize<T>(byte[] payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Reject(string topic, string why)
    {
        Interlocked.Increment(ref _rejected);
        LogRejected(topic, why);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a message on {Topic}: {Why}")]
    private partial void LogRejected(string topic, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a message from {Topic}; it will be redelivered")]
    private partial void LogStoreFailed(Exception ex, string topic);
}
