using System.Buffers;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace GateKiosk.Mqtt;

/// <summary>
/// Publishes the journal to <c>gatekiosk/v1/{site}/{kiosk}/events</c> at QoS 1. It reads only the journal,
/// marks a row sent only after a successful PUBACK, keeps the retained status (birth <c>online</c>,
/// will <c>offline</c>) and reconnects on its own.
/// </summary>
public sealed partial class MqttEntryPublisher : BackgroundService, IEventUplink
{
    private readonly IEntryJournal _journal;
    private readonly MqttOptions _options;
    private readonly KioskOptions _kiosk;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttEntryPublisher> _logger;
    private readonly MqttLink _link;
    private readonly JournalForwarder _forwarder;
    private readonly string _eventsTopic;
    private readonly string _telemetryTopic;
    private readonly IKioskTelemetry? _telemetry;
    private readonly string _commandTopic;

    public MqttEntryPublisher(
        IEntryJournal journal,
        IOptions<MqttOptions> options,
        IOptions<KioskOptions> kiosk,
        TimeProvider time,
        ILoggerFactory loggers,
        IKioskTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kiosk);
        ArgumentNullException.ThrowIfNull(loggers);
        _journal = journal;
        _options = options.Value;
        _kiosk = kiosk.Value;
        _time = time;
        _logger = loggers.CreateLogger<MqttEntryPublisher>();
        _eventsTopic = Topics.Events(_kiosk.SiteId, _kiosk.KioskId);
        _telemetryTopic = Topics.Telemetry(_kiosk.SiteId, _kiosk.KioskId);
        _telemetry = telemetry;
        _commandTopic = Topics.Command(_kiosk.SiteId, _kiosk.KioskId);
        var clientId = string.IsNullOrEmpty(_options.ClientId) ? $"gatekiosk-{_kiosk.SiteId}-{_kiosk.KioskId}" : _options.ClientId;
        var will = StatusMessage(new KioskStatus(KioskStatus.Offline, _kiosk.KioskId, _kiosk.SiteId));
        _link = new MqttLink(_options, clientId, will, loggers.CreateLogger<MqttLink>(), time);
        _forwarder = new JournalForwarder(journal, this, loggers.CreateLogger<JournalForwarder>());
        _link.Client.ApplicationMessageReceivedAsync += OnCommandAsync;
    }

    public bool IsConnected => _link.IsConnected;

    /// <summary><c>Mqtt:MaxInFlight</c>, never above the receive maximum the broker announced (MQTT 5).</summary>
    public int MaxInFlight => _link.ConnectResult?.ReceiveMaximum is > 0 and var max ? Math.Min(_options.MaxInFlight, (int)max) : _options.MaxInFlight;

    public async Task<PublishOutcome> PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var publish = new MqttApplicationMessage
        {
            Topic = _eventsTopic,
            Payload = new ReadOnlySequence<byte>(message.Payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = "application/json",
            PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
        };

        // PublishAsync waits only on the token it is given: always bound it.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            var result = await _link.Client.PublishAsync(publish, timeout.Token);
            return result.IsSuccess
                ? PublishOutcome.Acked
                : new PublishOutcome(PublishStatus.Refused, $"{result.ReasonCode} {result.ReasonString}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PublishOutcome(PublishStatus.Failed, $"no PUBACK within {_options.Timeout}");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return new PublishOutcome(PublishStatus.Failed, ex.GetBaseException().Message);
        }
    }

    /// <summary>One pass over the outbox; the loop in <see cref="ExecuteAsync"/> calls it, and so can tests.</summary>
    public Task<ForwardResult> PublishPendingAsync(CancellationToken cancellationToken) => _forwarder.PublishPendingAsync(cancellationToken);

    /// <summary>Stops the loop, then sends what is still unsent (the kiosk's own stop event, say) for up to 2 s, then disconnects.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_link.IsConnected)
        {
            using var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            flush.CancelAfter(TimeSpan.FromSeconds(2));
            try
            {
                await _forwarder.PublishPendingAsync(flush.Token);
            }
            catch (OperationCanceledException)
            {
                // Whatever was not acknowledged stays in the journal for the next start.
            }

            await PublishOfflineAsync(cancellationToken);
        }

        await _link.DisconnectAsync();
    }

    /// <summary>
    /// A clean disconnect makes the broker discard the will, so without this the retained status would stay
    /// <c>online</c> after a normal stop. Bounded by <c>Mqtt:Timeout</c>: a dead broker does not hold the stop up.
    /// </summary>
    private async Task PublishOfflineAsync(CancellationToken cancellationToken)
    {
        var offline = StatusMessage(new KioskStatus(
            KioskStatus.Offline,
            _kiosk.KioskId,
            _kiosk.SiteId,
            typeof(MqttEntryPublisher).Assembly.GetName().Version?.ToString(3),
            _time.GetUtcNow()));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await _link.Client.PublishAsync(offline, timeout.Token);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            LogOfflineNotPublished(ex.GetBaseException().Message);
        }
    }

    public override void Dispose()
    {
        _link.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _link.RunAsync(SessionAsync, stoppingToken);

    private async Task SessionAsync(CancellationToken sessionToken)
    {
        var birth = StatusMessage(new KioskStatus(
            KioskStatus.Online,
            _kiosk.KioskId,
            _kiosk.SiteId,
            typeof(MqttEntryPublisher).Assembly.GetName().Version?.ToString(3),
            _time.GetUtcNow(),
            new Dictionary<string, string> { ["acceptedKinds"] = string.Join(',', _kiosk.AcceptedKindsOrDefault()) }));
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken))
        {
            timeout.CancelAfter(_options.Timeout);
            await _link.Client.PublishAsync(birth, timeout.Token);
        }

        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken))
        {
            timeout.CancelAfter(_options.Timeout);
            await _link.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_commandTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                timeout.Token);
        }

        var telemetryDue = _time.GetTimestamp();
        while (!sessionToken.IsCancellationRequested && _link.IsConnected)
        {
            if (_telemetry is not null && _time.GetElapsedTime(telemetryDue) >= TimeSpan.Zero)
            {
                await PublishTelemetryAsync(_telemetry.Snapshot(), sessionToken);
                telemetryDue = _time.GetTimestamp() + (long)(_options.TelemetryInterval.TotalSeconds * _time.TimestampFrequency);
            }

            // Arm the wake-up before reading, so an append during the pass is not missed.
            var appended = _journal.WaitForAppendAsync(sessionToken);
            var result = await _forwarder.PublishPendingAsync(sessionToken);
            if (result.Acked > 0)
            {
                LogForwarded(result.Acked);
            }

            if (result.Stalled)
            {
                // Refused or timed out: start a fresh session after backoff rather than hammering the broker.
                return;
            }

            await Task.WhenAny(appended, Task.Delay(TimeSpan.FromSeconds(1), _time, sessionToken));
        }
    }

    /// <summary>
    /// Handles a command from central: <c>resend</c> puts a range of journaled events back into the outbox,
    /// <c>resync</c> returns set-aside events to it. The result goes to <c>…/cmd/result</c>.
    /// </summary>
    private Task OnCommandAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic != _commandTopic)
        {
            return Task.CompletedTask;
        }

        KioskCommand? command = null;
        try
        {
            command = JsonSerializer.Deserialize(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload), ContractsJsonContext.Default.KioskCommand);
        }
        catch (JsonException)
        {
        }

        CommandResult result;
        try
        {
            result = Execute(command);
        }
#pragma warning disable CA1031 // The receive handler is a boundary: a journal fault becomes a rejected command, not a dropped link.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            result = new CommandResult(command?.CommandId ?? Guid.Empty, "rejected", null, "the journal could not be read: " + ex.GetType().Name);
        }

        LogCommand(command?.Type ?? "?", result.Status, result.Count ?? 0);
        PublishResult(result);
        return Task.CompletedTask;
    }

    private CommandResult Execute(KioskCommand? command) =>
        command switch
        {
            null or { SchemaVersion: not 1 } => new CommandResult(command?.CommandId ?? Guid.Empty, "rejected", null, "not a schemaVersion 1 command"),
            { Type: CommandTypes.Resend, FromSeq: { } from, ToSeq: { } to } when from >= 1 && to >= from
                => new CommandResult(command.CommandId, "done", _journal.Requeue(from, Math.Min(to, _journal.GetStats().LastSeq)), null),
            { Type: CommandTypes.Resync } => new CommandResult(command.CommandId, "done", _journal.RequeueSetAside(), null),
            _ => new CommandResult(command.CommandId, "rejected", null, $"unknown or incomplete command '{command.Type}'"),
        };

    private void PublishResult(CommandResult result)
    {
        // Answer outside the receive handler, so the PUBACK of the answer is not waited for inside it.
        var answer = new MqttApplicationMessage
        {
            Topic = Topics.CommandResult(_kiosk.SiteId, _kiosk.KioskId),
            Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(result, ContractsJsonContext.Default.CommandResult)),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            ContentType = "application/json",
        };
        _ = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(_options.Timeout);
            try
            {
                await _link.Client.PublishAsync(answer, timeout.Token);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The result is informative; the requeued events are what matters and they are in the outbox.
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Type} from central: {Status}, {Count} events queued again")]
    private partial void LogCommand(string type, string status, long count);

    /// <summary>Telemetry goes at QoS 0: a lost sample is replaced by the next one.</summary>
    private async Task PublishTelemetryAsync(KioskTelemetry snapshot, CancellationToken sessionToken)
    {
        var message = new MqttApplicationMessage
        {
            Topic = _telemetryTopic,
            Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(snapshot, ContractsJsonContext.Default.KioskTelemetry)),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce,
            ContentType = "application/json",
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        timeout.CancelAfter(_options.Timeout);
        await _link.Client.PublishAsync(message, timeout.Token);
    }

    private static MqttApplicationMessage StatusMessage(KioskStatus status) => new()
    {
        Topic = Topics.Status(status.SiteId, status.KioskId),
        Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(status, ContractsJsonContext.Default.KioskStatus)),
        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        Retain = true,
        ContentType = "application/json",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offline status could not be published before disconnecting: {Error}")]
    private partial void LogOfflineNotPublished(string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarded {Count} events")]
    private partial void LogForwarded(int count);
}
