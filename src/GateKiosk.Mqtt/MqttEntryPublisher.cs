using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Commands;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Policy;
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
    private readonly Lock _commandLock = new();
    private readonly CommandGate _commands;
    private readonly PolicyApplier? _policy;
    private readonly RemoteCommands? _remote;
    private readonly string _policyTopic;
    private volatile bool _statusStale;
    private readonly Channel<CommandWork> _work = Channel.CreateBounded<CommandWork>(new BoundedChannelOptions(WorkQueueLength) { SingleReader = true });
    private bool _flooding;

    /// <summary>Resend work waiting at most; more is rejected as busy.</summary>
    private const int WorkQueueLength = 8;

    /// <summary>Events requeued in one journal transaction: short enough that a scan's commit never waits long for the lock.</summary>
    internal const int ResendChunk = 256;

    public MqttEntryPublisher(
        IEntryJournal journal,
        IOptions<MqttOptions> options,
        IOptions<KioskOptions> kiosk,
        TimeProvider time,
        ILoggerFactory loggers,
        IKioskTelemetry? telemetry = null,
        PolicyApplier? policy = null,
        RemoteCommands? remote = null)
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
        _policy = policy is { Enabled: true } ? policy : null;
        _policyTopic = Topics.Policy(_kiosk.SiteId);
        _remote = remote;
        var clientId = string.IsNullOrEmpty(_options.ClientId) ? $"gatekiosk-{_kiosk.SiteId}-{_kiosk.KioskId}" : _options.ClientId;
        var will = StatusMessage(new KioskStatus(KioskStatus.Offline, _kiosk.KioskId, _kiosk.SiteId));
        _link = new MqttLink(_options, clientId, will, loggers.CreateLogger<MqttLink>(), time);
        _forwarder = new JournalForwarder(journal, this, loggers.CreateLogger<JournalForwarder>());
        _commands = new CommandGate(_options, time);
        _link.Client.ApplicationMessageReceivedAsync += OnCommandAsync;
    }

    /// <summary>Pause between two resend chunks, so journal commits of scans and the forwarder get the lock in between.</summary>
    internal TimeSpan ResendChunkPause { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long an idle pass waits for an append before looking at the journal again.</summary>
    private static readonly TimeSpan IdleWake = TimeSpan.FromSeconds(1);

    /// <summary>Commands dropped since start because more arrived than <c>Mqtt:CommandsPerMinute</c>.</summary>
    public long CommandsDropped
    {
        get
        {
            lock (_commandLock)
            {
                return _commands.Dropped;
            }
        }
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_link.RunAsync(SessionAsync, stoppingToken), RunCommandWorkAsync(stoppingToken));

    private async Task SessionAsync(CancellationToken sessionToken)
    {
        await PublishBirthAsync(sessionToken);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken))
        {
            timeout.CancelAfter(_options.Timeout);
            var subscribe = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_commandTopic, MqttQualityOfServiceLevel.AtLeastOnce);
            if (_policy is not null)
            {
                // Retained: the newest bundle arrives at every (re)subscription, whatever the kiosk missed while away.
                subscribe = subscribe.WithTopicFilter(_policyTopic, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await _link.Client.SubscribeAsync(subscribe.Build(), timeout.Token);
        }

        var telemetryDue = _time.GetTimestamp();
        while (!sessionToken.IsCancellationRequested && _link.IsConnected)
        {
            if (_statusStale)
            {
                _statusStale = false;
                await PublishBirthAsync(sessionToken);
            }

            if (_telemetry is not null && _time.GetElapsedTime(telemetryDue) >= TimeSpan.Zero)
            {
                await PublishTelemetryAsync(_telemetry.Snapshot(), sessionToken);
                telemetryDue = _time.GetTimestamp() + (long)(_options.TelemetryInterval.TotalSeconds * _time.TimestampFrequency);
            }

            if (!await RunPassAsync(IdleWake, sessionToken))
            {
                // Refused or timed out: start a fresh session after backoff rather than hammering the broker.
                return;
            }
        }
    }

    /// <summary>The retained <c>online</c> status with the configuration summary and the policy version in force.</summary>
    private async Task PublishBirthAsync(CancellationToken sessionToken)
    {
        var config = new Dictionary<string, string> { ["acceptedKinds"] = string.Join(',', _kiosk.AcceptedKindsOrDefault()) };
        if (_policy is not null)
        {
            config["policyVersion"] = _policy.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var birth = StatusMessage(new KioskStatus(
            KioskStatus.Online,
            _kiosk.KioskId,
            _kiosk.SiteId,
            typeof(MqttEntryPublisher).Assembly.GetName().Version?.ToString(3),
            _time.GetUtcNow(),
            config));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        timeout.CancelAfter(_options.Timeout);
        await _link.Client.PublishAsync(birth, timeout.Token);
    }

    /// <summary>
    /// A bundle on the site's policy topic: checked and applied by <see cref="PolicyApplier"/> (which logs and journals a
    /// refusal). An empty payload is a cleared retained message, not a bundle. The new version goes out in the status
    /// from the session loop, not from this handler, which must not wait for a PUBACK.
    /// </summary>
    private Task OnPolicy(MqttApplicationMessageReceivedEventArgs e)
    {
        var payload = e.ApplicationMessage.Payload;
        if (payload.Length == 0 || _policy is null)
        {
            return Task.CompletedTask;
        }

        var offer = _policy.Offer(payload.Length > int.MaxValue / 2 ? ReadOnlyMemory<byte>.Empty : BuffersExtensions.ToArray(payload));
        if (offer.Applied)
        {
            _statusStale = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// One pass of the session loop: publish what is pending, then wait for an append or <paramref name="wake"/>.
    /// Returns false when the uplink stalled. The wait runs on a token of its own that is cancelled when the pass
    /// ends: a wait on the session token would leave a waiter on the append signal and a registration on the
    /// session token behind at every idle pass, until the next append.
    /// </summary>
    internal async Task<bool> RunPassAsync(TimeSpan wake, CancellationToken sessionToken)
    {
        using var pass = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        try
        {
            // Arm the wake-up before reading, so an append during the pass is not missed.
            var appended = _journal.WaitForAppendAsync(pass.Token);
            var result = await _forwarder.PublishPendingAsync(sessionToken);
            if (result.Acked > 0)
            {
                LogForwarded(result.Acked);
            }

            if (result.Stalled)
            {
                return false;
            }

            await Task.WhenAny(appended, Task.Delay(wake, _time, pass.Token));
            return true;
        }
        finally
        {
            await pass.CancelAsync();
        }
    }

    /// <summary>
    /// Handles a command from central: <c>resend</c> puts a range of journaled events back into the outbox,
    /// <c>resync</c> returns set-aside events to it. Commands are not signed yet, so each one passes the
    /// <see cref="CommandGate"/> first (rate, age, replay, resend budget); the journal work itself runs later in
    /// small chunks on <see cref="RunCommandWorkAsync"/>, never in the receive handler. The result goes to
    /// <c>…/cmd/result</c>; commands over the rate limit are dropped and counted without an answer, so a flood is
    /// not echoed back.
    /// </summary>
    private Task OnCommandAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic == _policyTopic)
        {
            return OnPolicy(e);
        }

        if (e.ApplicationMessage.Topic != _commandTopic)
        {
            return Task.CompletedTask;
        }

        lock (_commandLock)
        {
            if (!_commands.TryAdmit())
            {
                if (!_flooding)
                {
                    _flooding = true;
                    LogCommandsDropped(_options.CommandsPerMinute);
                }

                return Task.CompletedTask;
            }

            _flooding = false;
        }

        KioskCommand? command = null;
        var payload = e.ApplicationMessage.Payload;
        if (payload.Length > 0 && payload.FirstSpan[0] != (byte)'{')
        {
            // Not JSON: a signed door command (COSE_Sign1). A retained one would act again at every reconnect.
            var signed = e.ApplicationMessage.Retain
                ? new CommandResult(Guid.Empty, "rejected", null, CommandRejections.Retained)
                : _remote is null || payload.Length > MaxCommandBytes
                    ? new CommandResult(Guid.Empty, "rejected", null, SignedCommandRejections.BadSignature)
                    : _remote.Handle(BuffersExtensions.ToArray(payload));
            PublishResult(signed);
            return Task.CompletedTask;
        }

        if (payload.Length <= MaxCommandBytes)
        {
            try
            {
                command = JsonSerializer.Deserialize(BuffersExtensions.ToArray(payload), ContractsJsonContext.Default.KioskCommand);
            }
            catch (JsonException)
            {
            }
        }

        if (command?.Type is CommandTypes.OpenOnce or CommandTypes.Lockdown or CommandTypes.ReleaseLockdown)
        {
            // A door command must be signed: the JSON form is refused and journaled, whoever could write to the topic.
            PublishResult(_remote?.RejectUnsigned(command) ?? new CommandResult(command.CommandId, "rejected", null, SignedCommandRejections.NotSigned));
            return Task.CompletedTask;
        }

        var id = command?.CommandId ?? Guid.Empty;
        string? rejection;
        if (e.ApplicationMessage.Retain)
        {
            rejection = CommandRejections.Retained;
        }
        else
        {
            lock (_commandLock)
            {
                rejection = _commands.Check(command) ?? Admit(command!);
            }
        }

        if (rejection is not null)
        {
            LogCommandRejected(command?.Type ?? "?", rejection);
            PublishResult(new CommandResult(id, "rejected", null, rejection));
        }

        return Task.CompletedTask;
    }

    /// <summary>A command is at most this big; a larger payload is rejected unread.</summary>
    private const int MaxCommandBytes = 4096;

    /// <summary>Turns a checked command into queued work; returns the rejection when there is none to queue.</summary>
    private string? Admit(KioskCommand command)
    {
        CommandWork work;
        switch (command)
        {
            case { Type: CommandTypes.Resend, FromSeq: { } from, ToSeq: { } to } when from >= 1 && to >= from:
                var asked = (to - from) >= _options.ResendMaxRange ? _options.ResendMaxRange : to - from + 1;
                var granted = _commands.TakeResendBudget(asked);
                if (granted == 0)
                {
                    return CommandRejections.ResendBudgetExhausted;
                }

                work = new CommandWork(command, from, from + granted - 1, Truncated: granted < to - from + 1);
                break;
            case { Type: CommandTypes.Resync }:
                work = new CommandWork(command, 0, -1, Truncated: false);
                break;
            default:
                return CommandRejections.Unknown;
        }

        if (!_work.Writer.TryWrite(work))
        {
            _commands.ReturnResendBudget(work.To - work.From + 1);
            return CommandRejections.Busy;
        }

        return null;
    }

    /// <summary>
    /// Carries out admitted commands one at a time, off the receive handler and off the scan path: a resend is
    /// requeued <see cref="ResendChunk"/> events per journal transaction with a pause between, so a scan's journal
    /// commit waits at most for one short chunk.
    /// </summary>
    private async Task RunCommandWorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(stoppingToken))
            {
                CommandResult result;
                try
                {
                    result = await CarryOutAsync(work, stoppingToken);
                }
#pragma warning disable CA1031 // A loop boundary: a journal fault becomes a rejected command, not a stopped worker.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogCommandRejected(work.Command.Type, CommandRejections.JournalFault + " " + ex.GetType().Name);
                    result = new CommandResult(work.Command.CommandId, "rejected", null, CommandRejections.JournalFault);
                }

                LogCommand(work.Command.Type, result.Status, result.Count ?? 0);
                PublishResult(result);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<CommandResult> CarryOutAsync(CommandWork work, CancellationToken stoppingToken)
    {
        if (work.Command.Type == CommandTypes.Resync)
        {
            return new CommandResult(work.Command.CommandId, "done", _journal.RequeueSetAside(), null);
        }

        var last = Math.Min(work.To, _journal.GetStats().LastSeq);
        long count = 0;
        for (var start = work.From; start <= last; start += ResendChunk)
        {
            if (start != work.From)
            {
                await Task.Delay(ResendChunkPause, _time, stoppingToken);
            }

            count += _journal.Requeue(start, Math.Min(last, start + ResendChunk - 1));
        }

        return new CommandResult(work.Command.CommandId, "done", count, work.Truncated ? "truncated" : null);
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Command {Type} rejected: {Reason}")]
    private partial void LogCommandRejected(string type, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {PerMinute} commands a minute: dropping commands until the rate falls")]
    private partial void LogCommandsDropped(int perMinute);

    /// <summary>An admitted command waiting for the work loop; for a resend, the granted range.</summary>
    private sealed record CommandWork(KioskCommand Command, long From, long To, bool Truncated);

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
