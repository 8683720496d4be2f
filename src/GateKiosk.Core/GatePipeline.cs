using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Policy;
using GateKiosk.Core.Scanning;
using GateKiosk.Core.Signalling;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Core;

/// <summary>
/// scan → decode → verify → decide → journal → signal. The journal commit comes before the relay:
/// no door opens without a durable record. The gate never waits on the network.
/// </summary>
public sealed partial class GatePipeline
{
    private readonly CredentialVerifier _verifier;
    private readonly AccessDecider _decider;
    private readonly IEntryJournal _journal;
    private readonly IGateSignal _signal;
    private readonly ITimeSourceProbe _timeSource;
    private readonly TimeProvider _time;
    private readonly ILogger<GatePipeline> _logger;
    private readonly PolicyState? _policy;
    private readonly Lock _gate;
    private volatile bool _lockedDown;

    public GatePipeline(
        CredentialVerifier verifier,
        AccessDecider decider,
        IEntryJournal journal,
        IGateSignal signal,
        ITimeSourceProbe timeSource,
        TimeProvider time,
        ILogger<GatePipeline> logger,
        PolicyState? policy = null)
    {
        _verifier = verifier;
        _decider = decider;
        _journal = journal;
        _signal = signal;
        _timeSource = timeSource;
        _time = time;
        _logger = logger;
        _policy = policy;

        // One lock for a scan and a policy swap: the scan decides and journals with one policy from start to end.
        _gate = policy?.Gate ?? new Lock();
    }

    /// <summary>
    /// Handles one scan end to end and returns what happened. Never throws for bad input or a failing
    /// journal: a scan that cannot be recorded is denied with <see cref="ReasonCodes.InternalError"/>.
    /// </summary>
    public GateOutcome Process(RawScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var decoded = ScanDecoder.Decode(scan);
            var check = decoded.Code is null ? null : _verifier.Verify(decoded.Code, now);
            var decision = check is null
                ? GateDecision.Deny(decoded.Reason ?? ReasonCodes.Unreadable)
                : _decider.Decide(check);
            if (_lockedDown && decision.IsAllow)
            {
                decision = GateDecision.Deny(ReasonCodes.Lockdown, decision.Credential);
            }

            var sealedAfter = _time.GetElapsedTime(scan.CompletedAt);
            JournaledEvent? journaled = null;
            try
            {
                journaled = _journal.Append(new EventDraft
                {
                    Type = EventTypes.Entry,
                    Direction = "in",
                    OccurredAt = now,
                    TimeSource = _timeSource.Current,
                    Decision = decision.Decision,
                    Reason = decision.Reason,
                    Credential = decision.Credential,
                    LatencyUs = (long)sealedAfter.TotalMicroseconds,
                    PolicyVersion = _policy?.Version ?? 0,

                    // Only an allow uses up a single-use pass, and only together with its entry: a scan that is never
                    // recorded leaves the pass valid.
                    UsesPass = decision.IsAllow ? check?.SingleUsePass : null,
                });
                if (journaled.PassAlreadyUsed)
                {
                    decision = GateDecision.Deny(ReasonCodes.AlreadyUsed, decision.Credential);
                }
            }
#pragma warning disable CA1031 // The gate must answer whatever the disk does: an unrecorded entry is denied.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogJournalFailed(ex);
                decision = GateDecision.Deny(ReasonCodes.InternalError, decision.Credential);
            }

            DriveDoor(decision);
            var relayLatency = _time.GetElapsedTime(scan.CompletedAt);
            LogDecision(scan.Source, decision.Decision, decision.Reason, journaled?.Seq ?? 0, relayLatency.TotalMilliseconds);
            return new GateOutcome(decision, journaled, relayLatency);
        }
    }

    /// <summary>True while a signed <c>lockdown</c> command is in force: every entry is denied <see cref="ReasonCodes.Lockdown"/>.</summary>
    public bool LockedDown => _lockedDown;

    /// <summary>
    /// Starts or ends a lockdown between two scans and journals it with <paramref name="detail"/> (the command and who
    /// sent it); returns null when the journal refused, and the lockdown is changed anyway: a refused journal must not
    /// keep a site from locking down.
    /// </summary>
    public JournaledEvent? SetLockdown(bool on, string detail)
    {
        lock (_gate)
        {
            _lockedDown = on;
        }

        return RecordSystemEvent(detail);
    }

    /// <summary>
    /// A signed <c>open-once</c>: journals an allow (<see cref="ReasonCodes.RemoteOpen"/>, with <paramref name="detail"/>
    /// naming the command and who sent it) and only then releases the door once. When the journal refuses, the door stays
    /// closed, as for any other grant; a lockdown does not stop it (a guard's deliberate act).
    /// </summary>
    public GateOutcome ProcessRemoteOpen(string detail)
    {
        lock (_gate)
        {
            var started = _time.GetTimestamp();
            var decision = new GateDecision(Decisions.Allow, ReasonCodes.RemoteOpen, null);
            JournaledEvent? journaled = null;
            try
            {
                journaled = _journal.Append(new EventDraft
                {
                    Type = EventTypes.Entry,
                    Direction = "in",
                    OccurredAt = _time.GetUtcNow(),
                    TimeSource = _timeSource.Current,
                    Decision = decision.Decision,
                    Reason = decision.Reason,
                    Detail = detail,
                    PolicyVersion = _policy?.Version ?? 0,
                });
            }
#pragma warning disable CA1031 // Same rule as a scan: no door opens without a durable record.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogJournalFailed(ex);
                decision = GateDecision.Deny(ReasonCodes.InternalError);
            }

            DriveDoor(decision);
            var latency = _time.GetElapsedTime(started);
            LogDecision("remote", decision.Decision, decision.Reason, journaled?.Seq ?? 0, latency.TotalMilliseconds);
            return new GateOutcome(decision, journaled, latency);
        }
    }

    /// <summary>Journals a system event (start, stop, reader lost); returns null when the journal refused.</summary>
    public JournaledEvent? RecordSystemEvent(string detail)
    {
        lock (_gate)
        {
            try
            {
                return _journal.Append(new EventDraft
                {
                    Type = EventTypes.System,
                    OccurredAt = _time.GetUtcNow(),
                    TimeSource = _timeSource.Current,
                    Detail = detail,
                });
            }
#pragma warning disable CA1031 // A system event that cannot be written is logged; the kiosk keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogJournalFailed(ex);
                return null;
            }
        }
    }

    /// <summary>
    /// Journals a door event (<see cref="EventTypes.DoorOpened"/>, <see cref="EventTypes.DoorClosed"/>,
    /// <see cref="EventTypes.DoorHeldOpen"/>, <see cref="EventTypes.DoorForced"/>); returns null when the journal refused.
    /// </summary>
    public JournaledEvent? RecordDoorEvent(string type, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        lock (_gate)
        {
            try
            {
                var journaled = _journal.Append(new EventDraft
                {
                    Type = type,
                    OccurredAt = _time.GetUtcNow(),
                    TimeSource = _timeSource.Current,
                    Reason = reason,
                });
                LogDoorEvent(type, journaled.Seq);
                return journaled;
            }
#pragma warning disable CA1031 // A door event that cannot be written is logged; the kiosk keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogJournalFailed(ex);
                return null;
            }
        }
    }

    /// <summary>
    /// The exit button was pressed: journals an <see cref="EventTypes.ExitRequest"/> (allow, <see cref="ReasonCodes.ExitButton"/>,
    /// direction out) and only then releases the door. When the journal refuses, the door stays closed like any other grant.
    /// </summary>
    public GateOutcome ProcessExitRequest()
    {
        lock (_gate)
        {
            var started = _time.GetTimestamp();
            var decision = new GateDecision(Decisions.Allow, ReasonCodes.ExitButton, null);
            JournaledEvent? journaled = null;
            try
            {
                journaled = _journal.Append(new EventDraft
                {
                    Type = EventTypes.ExitRequest,
                    Direction = "out",
                    OccurredAt = _time.GetUtcNow(),
                    TimeSource = _timeSource.Current,
                    Decision = decision.Decision,
                    Reason = decision.Reason,
                    PolicyVersion = _policy?.Version ?? 0,
                });
            }
#pragma warning disable CA1031 // Same rule as a scan: no door opens without a durable record.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogJournalFailed(ex);
                decision = GateDecision.Deny(ReasonCodes.InternalError);
            }

            DriveDoor(decision);
            var latency = _time.GetElapsedTime(started);
            LogDecision("exit-button", decision.Decision, decision.Reason, journaled?.Seq ?? 0, latency.TotalMilliseconds);
            return new GateOutcome(decision, journaled, latency);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source}: {Decision} ({Reason}) seq {Seq} in {LatencyMs:F2} ms")]
    private partial void LogDecision(string source, string decision, string reason, long seq, double latencyMs);

    /// <summary>Drives the outputs; a failing output is logged, the decision is already journaled, and the kiosk keeps running.</summary>
    private void DriveDoor(GateDecision decision)
    {
        try
        {
            _signal.Signal(decision);
        }
#pragma warning disable CA1031 // A GPIO or display fault must not stop the kiosk; the safe-state service and selftest report it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSignalFailed(ex, decision.Decision);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Driving the door outputs for {Decision} failed")]
    private partial void LogSignalFailed(Exception ex, string decision);

    [LoggerMessage(Level = LogLevel.Error, Message = "The journal refused an event; the door stays closed")]
    private partial void LogJournalFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Door: {Type} seq {Seq}")]
    private partial void LogDoorEvent(string type, long seq);
}

/// <summary>What one scan did.</summary>
/// <param name="Decision">The decision shown at the door.</param>
/// <param name="Journaled">The journaled event; null when the journal refused (and the door stayed closed).</param>
/// <param name="RelayLatency">Scan complete → outputs driven (relay on for an allow).</param>
public sealed record GateOutcome(GateDecision Decision, JournaledEvent? Journaled, TimeSpan RelayLatency);
