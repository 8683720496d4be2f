using GateKiosk.Contracts;

namespace GateKiosk.Mqtt;

/// <summary>Why a command from the broker was not carried out; the <c>detail</c> of a <c>rejected</c> result.</summary>
public static class CommandRejections
{
    /// <summary>A retained command: the broker would replay it at every reconnect.</summary>
    public const string Retained = "retained";

    /// <summary>Not a schemaVersion 1 command with a command id, or larger than a command can be.</summary>
    public const string Malformed = "malformed";

    /// <summary><c>issuedAt</c> further in the past than <c>Mqtt:CommandMaxAge</c>.</summary>
    public const string Stale = "stale";

    /// <summary><c>issuedAt</c> further in the future than <c>Mqtt:CommandMaxAge</c>.</summary>
    public const string IssuedInFuture = "issued-in-future";

    /// <summary>This <c>commandId</c> was seen before.</summary>
    public const string Replayed = "replayed";

    /// <summary>An unknown type, or a resend without a valid range.</summary>
    public const string Unknown = "unknown-command";

    /// <summary><c>Mqtt:ResendEventsPerMinute</c> is used up; central asks again later.</summary>
    public const string ResendBudgetExhausted = "resend-budget-exhausted";

    /// <summary>Too much resend work is already waiting.</summary>
    public const string Busy = "busy";

    /// <summary>The journal could not be read.</summary>
    public const string JournalFault = "journal-fault";
}

/// <summary>
/// Until commands are signed, what keeps an anonymous publisher on the command topic from turning a kiosk into an
/// amplifier: a command rate limit, an age window on <c>issuedAt</c>, a bounded memory of command ids and a
/// per-minute budget of resent events. Not thread-safe on its own: the publisher calls it under its lock.
/// </summary>
internal sealed class CommandGate
{
    private readonly MqttOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<Guid, long> _seen = [];
    private readonly Queue<(Guid Id, long At)> _seenOrder = new();
    private readonly int _seenCapacity;
    private readonly long _seenFor;
    private double _commandTokens;
    private long _commandsRefilledAt;
    private double _resendTokens;
    private long _resendRefilledAt;

    public CommandGate(MqttOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _commandTokens = options.CommandsPerMinute;
        _resendTokens = options.ResendEventsPerMinute;
        _commandsRefilledAt = _resendRefilledAt = time.GetTimestamp();

        // An id must be remembered as long as its command could still pass the age window: issuedAt may be up to
        // MaxAge ahead when it arrives and is accepted until MaxAge after that. The rate limit bounds how many arrive then.
        var window = options.CommandMaxAge * 2;
        _seenFor = (long)(window.TotalSeconds * time.TimestampFrequency);
        _seenCapacity = (int)Math.Min(100_000, options.CommandsPerMinute * (Math.Ceiling(window.TotalMinutes) + 1));
    }

    /// <summary>Commands dropped by the rate limit since start.</summary>
    public long Dropped { get; private set; }

    /// <summary>Takes one command from the rate limit; false (and counted) when the kiosk is being flooded.</summary>
    public bool TryAdmit()
    {
        Refill(ref _commandTokens, ref _commandsRefilledAt, _options.CommandsPerMinute);
        if (_commandTokens >= 1)
        {
            _commandTokens -= 1;
            return true;
        }

        Dropped++;
        return false;
    }

    /// <summary>Null when <paramref name="command"/> may run, else the reason (one of <see cref="CommandRejections"/>).</summary>
    public string? Check(KioskCommand? command)
    {
        if (command is null or { SchemaVersion: not 1 } || command.CommandId == Guid.Empty)
        {
            return CommandRejections.Malformed;
        }

        var age = _time.GetUtcNow() - command.IssuedAt;
        if (age > _options.CommandMaxAge)
        {
            return CommandRejections.Stale;
        }

        if (-age > _options.CommandMaxAge)
        {
            return CommandRejections.IssuedInFuture;
        }

        var now = _time.GetTimestamp();
        while (_seenOrder.TryPeek(out var oldest) && (_seenOrder.Count >= _seenCapacity || now - oldest.At > _seenFor))
        {
            _seenOrder.Dequeue();
            _seen.Remove(oldest.Id);
        }

        if (!_seen.TryAdd(command.CommandId, now))
        {
            return CommandRejections.Replayed;
        }

        _seenOrder.Enqueue((command.CommandId, now));
        return null;
    }

    /// <summary>Takes up to <paramref name="wanted"/> events from the per-minute resend budget; returns how many were granted.</summary>
    public long TakeResendBudget(long wanted)
    {
        Refill(ref _resendTokens, ref _resendRefilledAt, _options.ResendEventsPerMinute);
        var granted = Math.Min(wanted, (long)_resendTokens);
        _resendTokens -= granted;
        return Math.Max(0, granted);
    }

    /// <summary>Gives back budget that was granted but not used (the work queue was full).</summary>
    public void ReturnResendBudget(long unused) => _resendTokens = Math.Min(_options.ResendEventsPerMinute, _resendTokens + unused);

    private void Refill(ref double tokens, ref long refilledAt, int perMinute)
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(refilledAt, now);
        if (elapsed > TimeSpan.Zero)
        {
            tokens = Math.Min(perMinute, tokens + (perMinute * elapsed.TotalMinutes));
            refilledAt = now;
        }
    }

    /// <summary>How many command ids are remembered now (bounded).</summary>
    internal int SeenCount => _seen.Count;

    /// <summary>The most command ids ever remembered.</summary>
    internal int SeenCapacity => _seenCapacity;
}
