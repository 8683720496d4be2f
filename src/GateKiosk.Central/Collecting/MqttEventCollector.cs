using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using System.Threading.Channels;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// Subscribes to every kiosk's events, status and command results and stores them. A message is acknowledged once it
/// is stored, or once it is found not to be a valid message of its kiosk (then it is quarantined and counted); when the
/// store fails, whatever the failure, it is not acknowledged and the link is dropped so the broker delivers it again.
/// </summary>
public sealed partial class MqttEventCollector : BackgroundService, IKioskCommandSender
{
    /// <summary>A kiosk's seq may run this far ahead of the highest seq central holds of it, whatever the time since.</summary>
    public const long MinSeqJump = 10_000;

    /// <summary>
    /// On top of <see cref="MinSeqJump"/>, a kiosk may have journaled this many events per second since central received its
    /// highest seq; a seq further ahead is not believed (it would ask for a resend of a range no kiosk ever journaled).
    /// </summary>
    public const long MaxEventsPerSecond = 50;

    /// <summary>
    /// The most messages the broker may send this collector before it acknowledges the first (MQTT 5 Receive Maximum).
    /// Messages are acknowledged only once stored, so this caps what waits in memory; the writer's batches stay full.
    /// </summary>
    public const ushort ReceiveMaximum = 2048;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    private readonly IIngestWriter _writer;
    private readonly IKioskStatusWriter _statuses;
    private readonly IQuarantine _quarantine;
    private readonly IKioskSummaries _summaries;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttEventCollector> _logger;
    private readonly MqttLink _link;
    private readonly Channel<PendingAck> _acks = Channel.CreateUnbounded<PendingAck>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private long _subscribedConnection = -1;
    private long _failedConnection = -1;
    private TaskCompletionSource _drop = NewDropSignal();
    private readonly KioskHealthStore? _health;
    private readonly CentralMetrics? _metrics;
    private readonly StoredSeqs _storedSeqs = new();
    private readonly IngestLanes _lanes;
    private long _stored;
    private long _duplicates;
    private long _rejected;

    public MqttEventCollector(
        ICentralStore store, IOptions<MqttOptions> options, TimeProvider time, ILoggerFactory loggers, KioskHealthStore? health = null, CentralMetrics? metrics = null)
        : this(store, store, options, time, loggers, health, metrics)
    {
    }

    /// <summary>A collector whose events go to <paramref name="writer"/> and everything else to <paramref name="store"/> (tests fail the writer).</summary>
    internal MqttEventCollector(
        IIngestWriter writer, ICentralStore store, IOptions<MqttOptions> options, TimeProvider time, ILoggerFactory loggers, KioskHealthStore? health = null, CentralMetrics? metrics = null)
    {
        _health = health;
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _writer = writer;
        _statuses = store;
        _quarantine = store;
        _summaries = store;
        _time = time;
        _logger = loggers.CreateLogger<MqttEventCollector>();
        var clientId = string.IsNullOrEmpty(options.Value.ClientId) ? "gatekiosk-central" : options.Value.ClientId;
        _link = new MqttLink(options.Value, clientId, will: null, loggers.CreateLogger<MqttLink>(), time) { ReceiveMaximum = ReceiveMaximum };
        _lanes = new IngestLanes(IngestLanes.DefaultCount, (topic, payload) => IngestAsync(topic, new ReadOnlySequence<byte>(payload)));
        _link.Client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>A kiosk answered a command (a valid result on its <c>cmd/result</c> topic).</summary>
    public event EventHandler<CommandResultEventArgs>? CommandResultReceived;

    /// <summary>Events stored, duplicates absorbed, and messages rejected as malformed since start.</summary>
    public (long Stored, long Duplicates, long Rejected) Counters =>
        (Interlocked.Read(ref _stored), Interlocked.Read(ref _duplicates), Interlocked.Read(ref _rejected));

    public bool IsConnected => _link.IsConnected;

    /// <summary>
    /// The shared subscription group for kiosk events (<c>Central:CollectorGroup</c>); null to receive every event.
    /// Statuses, telemetry and command results are subscribed plainly by every process: retained statuses are not sent
    /// to shared subscriptions, and a command's result must reach the process that sent it.
    /// </summary>
    public string? SharedGroup { get; init; }

    /// <summary>Connected and subscribed to every kiosk's topics on this connection: what kiosks publish from now on reaches central.</summary>
    public bool IsSubscribed => _link.IsConnected && Interlocked.Read(ref _subscribedConnection) == _link.ConnectionNumber;

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

    /// <summary>Handles one message and waits for the store (see <see cref="IngestAsync"/>); for tests and tools.</summary>
    public IngestResult Ingest(string topic, ReadOnlySequence<byte> payload) => IngestAsync(topic, payload).GetAwaiter().GetResult();

    /// <summary>
    /// Handles one message: stores the events or status it carries, passes on a command result, or quarantines it. Never
    /// throws for anything in the message; <see cref="IngestOutcome.StoreFailed"/> means it must not be acknowledged. The
    /// task completes once the store has committed what the message carries.
    /// </summary>
    public async Task<IngestResult> IngestAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        try
        {
            if (!Topics.TryParseKioskTopic(topic, out var site, out var kiosk, out var leaf))
            {
                return await RejectAsync(topic, null, null, "not a kiosk topic", payload, cancellationToken);
            }

            var limit = leaf == "events" ? ContractLimits.MaxMessageBytes : ContractLimits.MaxControlBytes;
            if (payload.Length > limit)
            {
                return await RejectAsync(topic, site, kiosk, $"larger than {limit} bytes", payload, cancellationToken);
            }

            var bytes = payload.ToArray();
            if (leaf == "status" && bytes.Length == 0)
            {
                return new IngestResult(IngestOutcome.Ignored); // a cleared retained status
            }

            if (leaf is not ("events" or "status" or "cmd/result" or "telemetry"))
            {
                return new IngestResult(IngestOutcome.Ignored);
            }

            if (!Utf8.IsValid(bytes))
            {
                return await RejectAsync(topic, site, kiosk, "not UTF-8", payload, cancellationToken);
            }

            return leaf switch
            {
                "events" => await IngestEventsAsync(topic, site, kiosk, bytes, cancellationToken),
                "status" => await IngestStatusAsync(topic, site, kiosk, bytes, cancellationToken),
                "telemetry" => await IngestTelemetryAsync(topic, site, kiosk, bytes, cancellationToken),
                _ => await IngestCommandResultAsync(topic, site, kiosk, bytes, cancellationToken),
            };
        }
#pragma warning disable CA1031 // Every fault left here is the store's (the message was validated): not acknowledged, redelivered.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogStoreFailed(ex, Shorten(topic));
            return new IngestResult(IngestOutcome.StoreFailed);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _link.DisconnectAsync();
    }

    public override void Dispose()
    {
        _lanes.Complete();
        _link.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var acks = AcknowledgeInOrderAsync();
        try
        {
            await _link.RunAsync(SessionAsync, stoppingToken);
        }
        finally
        {
            await _lanes.DisposeAsync();
            _acks.Writer.TryComplete();
            await acks;
        }
    }

    private async Task SessionAsync(CancellationToken sessionToken)
    {
        var connection = _link.ConnectionNumber;
        var drop = NewDropSignal();
        Interlocked.Exchange(ref _drop, drop);
        if (Interlocked.Read(ref _failedConnection) == connection)
        {
            return; // a store failed on this connection before the session began: start over
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(string.IsNullOrEmpty(SharedGroup) ? Topics.AllEvents : $"$share/{SharedGroup}/{Topics.AllEvents}", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllStatus, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllCommandResults, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllTelemetry, MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await _link.Client.SubscribeAsync(subscribe, timeout.Token);
        }

        Interlocked.Exchange(ref _subscribedConnection, connection);

        // Ends when the link drops, or when a store failed: then the link drops this connection and connects again.
        await Task.WhenAny(Task.Delay(Timeout.Infinite, sessionToken), drop.Task).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static TaskCompletionSource NewDropSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Copies a message and hands it to its kiosk's lane (<see cref="IngestLanes"/>), which starts storing it while the
    /// next one comes in: the store's writer commits what queued up meanwhile together. Acknowledgements go out in the
    /// order messages came, each once its commit is done (<see cref="AcknowledgeInOrderAsync"/>).
    /// </summary>
    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        var connection = _link.ConnectionNumber;
        var result = _lanes.Post(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        if (!_acks.Writer.TryWrite(new PendingAck(result, e, connection)))
        {
            LogNotAcknowledged(Shorten(e.ApplicationMessage.Topic)); // stopping: the broker delivers it again
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Acknowledges each message once what it carries is committed, in the order received. When a store fails, the link
    /// is dropped and nothing more of that connection is acknowledged, so the broker delivers it all again (what was
    /// stored meanwhile comes back as duplicates, which change nothing).
    /// </summary>
    private async Task AcknowledgeInOrderAsync()
    {
        await foreach (var pending in _acks.Reader.ReadAllAsync(CancellationToken.None))
        {
            var result = await pending.Result;
            // Only on the connection it came on, and not after a store failed there (the broker sends it all again).
            if (pending.Connection != _link.ConnectionNumber || pending.Connection == Interlocked.Read(ref _failedConnection))
            {
                continue;
            }

            if (!result.Acknowledge)
            {
                // The session ends and the link reconnects. A disconnect called from here could come while the
                // connection is still being made, do nothing, and leave the failed message unacknowledged on a live
                // connection, never delivered again.
                Interlocked.Exchange(ref _failedConnection, pending.Connection);
                Volatile.Read(ref _drop).TrySetResult();
                continue;
            }

            try
            {
                await pending.Message.AcknowledgeAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
            {
                LogNotAcknowledged(Shorten(pending.Message.ApplicationMessage.Topic)); // the link dropped: delivered again
            }
        }
    }

    private sealed record PendingAck(Task<IngestResult> Result, MqttApplicationMessageReceivedEventArgs Message, long Connection);

    /// <summary>
    /// Stores a single event, or a batch: a JSON array of consecutive events whose elements are byte-for-byte the single
    /// form (so the hash chain holds). A message with anything that is not a valid event of the topic's kiosk is rejected whole.
    /// </summary>
    private async Task<IngestResult> IngestEventsAsync(string topic, string site, string kiosk, byte[] bytes, CancellationToken cancellationToken)
    {
        var (slices, why) = SplitEvents(bytes);
        if (why is not null)
        {
            return await RejectAsync(topic, site, kiosk, why, new ReadOnlySequence<byte>(bytes), cancellationToken);
        }

        var events = new List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)>(slices.Count);
        foreach (var slice in slices)
        {
            var entry = Deserialize(slice, ContractsJsonContext.Default.EntryEvent, out why);
            why ??= ContractValidation.CheckEvent(entry);
            if (why is null && (entry!.SiteId != site || entry.KioskId != kiosk))
            {
                why = "siteId or kioskId is not the topic's";
            }

            if (why is null && events.Count > 0 && entry!.Seq != events[^1].Entry.Seq + 1)
            {
                why = "batch seqs are not consecutive";
            }

            if (why is not null)
            {
                return await RejectAsync(topic, site, kiosk, why, new ReadOnlySequence<byte>(bytes), cancellationToken);
            }

            events.Add((entry!, slice));
        }

        if (!_storedSeqs.SurelyWithinAllowance(site, kiosk, events[^1].Entry.Seq)
            && await _summaries.GetLatestAsync(site, kiosk, cancellationToken) is { } latest)
        {
            var elapsed = Math.Max(0, (_time.GetUtcNow() - latest.ReceivedAt).TotalSeconds);
            var allowance = MinSeqJump + (long)Math.Min(elapsed * MaxEventsPerSecond, ContractLimits.MaxSeq);
            if (events[^1].Entry.Seq > latest.Seq + allowance)
            {
                return await RejectAsync(topic, site, kiosk, "seq runs too far ahead of the kiosk's last seq", new ReadOnlySequence<byte>(bytes), cancellationToken);
            }
        }

        var started = _time.GetTimestamp();
        var stored = await _writer.StoreAsync(events, cancellationToken);
        _metrics?.StoreBatch(stored.Added, _time.GetElapsedTime(started));
        foreach (var i in stored.Conflicts)
        {
            await RejectAsync(topic, site, kiosk, "eventId already stored with other content", new ReadOnlySequence<byte>(events[i].Payload), cancellationToken);
        }

        // The seqs now held: every event of the message but those whose eventId the store holds with other content.
        for (var i = events.Count - 1; i >= 0; i--)
        {
            if (!stored.Conflicts.Contains(i))
            {
                _storedSeqs.Stored(site, kiosk, events[i].Entry.Seq);
                break;
            }
        }

        Interlocked.Add(ref _stored, stored.Added);
        Interlocked.Add(ref _duplicates, stored.Duplicates);
        return stored.Conflicts.Count > 0 && stored.Added == 0
            ? new IngestResult(IngestOutcome.Rejected, 0, stored.Duplicates, "eventId already stored with other content")
            : new IngestResult(IngestOutcome.Stored, stored.Added, stored.Duplicates);
    }

    /// <summary>The exact bytes of each event of a message (one for a single event), or why there are none.</summary>
    private static (List<ReadOnlyMemory<byte>> Slices, string? Why) SplitEvents(byte[] bytes)
    {
        var slices = new List<ReadOnlyMemory<byte>>();
        if (bytes.AsSpan().TrimStart(" \t\r\n"u8) is not [(byte)'[', ..])
        {
            return bytes.Length > ContractLimits.MaxEventBytes ? (slices, $"an event larger than {ContractLimits.MaxEventBytes} bytes") : ([bytes], null);
        }

        try
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            reader.Read(); // the array
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return (slices, "a batch element is not an object");
                }

                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var length = (int)reader.BytesConsumed - start;
                if (length > ContractLimits.MaxEventBytes)
                {
                    return (slices, $"an event larger than {ContractLimits.MaxEventBytes} bytes");
                }

                if (slices.Count == ContractLimits.MaxBatchEvents)
                {
                    return (slices, $"more than {ContractLimits.MaxBatchEvents} events in a batch");
                }

                slices.Add(bytes.AsMemory(start, length));
            }

            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                return (slices, "not a JSON array");
            }
        }
        catch (JsonException)
        {
            return (slices, "not JSON");
        }

        return slices.Count == 0 ? (slices, "an empty batch") : (slices, null);
    }

    private async Task<IngestResult> IngestStatusAsync(string topic, string site, string kiosk, byte[] bytes, CancellationToken cancellationToken)
    {
        var status = Deserialize(bytes, ContractsJsonContext.Default.KioskStatus, out var why);
        why ??= ContractValidation.CheckStatus(status);
        if (why is null && (status!.SiteId != site || status.KioskId != kiosk))
        {
            why = "siteId or kioskId is not the topic's";
        }

        if (why is not null)
        {
            return await RejectAsync(topic, site, kiosk, why, new ReadOnlySequence<byte>(bytes), cancellationToken);
        }

        await _statuses.SetStatusAsync(status!, cancellationToken);
        _health?.SetStatus(status!);
        return new IngestResult(IngestOutcome.Stored);
    }

    private async Task<IngestResult> IngestCommandResultAsync(string topic, string site, string kiosk, byte[] bytes, CancellationToken cancellationToken)
    {
        var result = Deserialize(bytes, ContractsJsonContext.Default.CommandResult, out var why);
        why ??= ContractValidation.CheckCommandResult(result);
        if (why is not null)
        {
            return await RejectAsync(topic, site, kiosk, why, new ReadOnlySequence<byte>(bytes), cancellationToken);
        }

        _health?.SetCommandResult(site, kiosk, result!);
        CommandResultReceived?.Invoke(this, new CommandResultEventArgs(site, kiosk, result!));
        return new IngestResult(IngestOutcome.Stored);
    }

    private async Task<IngestResult> IngestTelemetryAsync(string topic, string site, string kiosk, byte[] bytes, CancellationToken cancellationToken)
    {
        var telemetry = Deserialize(bytes, ContractsJsonContext.Default.KioskTelemetry, out var why);
        why ??= ContractValidation.CheckTelemetry(telemetry);
        if (why is null && (telemetry!.SiteId != site || telemetry.KioskId != kiosk))
        {
            why = "siteId or kioskId is not the topic's";
        }

        if (why is not null)
        {
            return await RejectAsync(topic, site, kiosk, why, new ReadOnlySequence<byte>(bytes), cancellationToken);
        }

        _health?.SetTelemetry(telemetry!);
        return new IngestResult(IngestOutcome.Stored);
    }

    private static T? Deserialize<T>(ReadOnlyMemory<byte> payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, out string? why)
        where T : class
    {
        try
        {
            why = null;
            var value = JsonSerializer.Deserialize(payload.Span, type);
            if (value is null)
            {
                why = "a JSON null";
            }

            return value;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            // A value of the wrong type, a missing required field, a time beyond year 9999: not a message of the contract.
            why = "not JSON of the contract";
            return null;
        }
    }

    private async Task<IngestResult> RejectAsync(string topic, string? site, string? kiosk, string why, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var prefix = payload.Length > StoreLimits.QuarantinePrefixBytes
            ? payload.Slice(0, StoreLimits.QuarantinePrefixBytes).ToArray()
            : payload.ToArray();
        var hash = payload.Length == prefix.Length ? EventChain.Hash(prefix) : EventChain.Hash(payload.ToArray());
        await _quarantine.QuarantineAsync(new RejectedMessage(topic, site, kiosk, why, prefix, payload.Length, hash), cancellationToken);
        Interlocked.Increment(ref _rejected);
        _metrics?.Malformed(Topics.TryParseKioskTopic(topic, out _, out _, out var leaf) ? leaf : null);
        LogRejected(Shorten(topic), why, payload.Length, hash[..12]);
        return new IngestResult(IngestOutcome.Rejected, Reason: why);
    }

    private static string Shorten(string topic) => topic.Length > 128 ? topic[..128] + "…" : topic;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined a message on {Topic}: {Why} ({Size} bytes, sha256 {Hash}…)")]
    private partial void LogRejected(string topic, string why, long size, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message from {Topic} was not acknowledged (the link dropped or central is stopping); the broker delivers it again")]
    private partial void LogNotAcknowledged(string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store a message from {Topic}; it is not acknowledged and will be redelivered")]
    private partial void LogStoreFailed(Exception ex, string topic);
}
