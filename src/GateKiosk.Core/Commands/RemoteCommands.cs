using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Core.Commands;

/// <summary>Why a signed command was not carried out: the <c>detail</c> of its <c>rejected</c> result and of its journal record.</summary>
public static class SignedCommandRejections
{
    /// <summary>A door command without a signature (a JSON command of a signed type), or no command key on this kiosk.</summary>
    public const string NotSigned = "unsigned";

    /// <summary>Not validly signed by central's key, or not a well-formed command.</summary>
    public const string BadSignature = "bad-signature";

    /// <summary>For another kiosk or site.</summary>
    public const string WrongTarget = "wrong-target";

    /// <summary>Past its expiry, or living longer than a command may.</summary>
    public const string Expired = "expired";

    /// <summary>Issued further ahead than the clock leeway.</summary>
    public const string IssuedInFuture = "issued-in-future";

    /// <summary>Its nonce was carried out before, or it was issued before this kiosk started (its nonces are not remembered across a restart).</summary>
    public const string Replayed = "replayed";
}

/// <summary>
/// Carries out signed door commands: checks signature (central's policy key), target, expiry and nonce, then opens the
/// door once or starts or ends a lockdown through the pipeline. Every command, carried out or rejected, is journaled
/// with who sent it. Nonces are remembered until their command expires (at most <see cref="SignedCommand.MaxLifetime"/>),
/// and a command issued before this process started is refused, so a replay after a restart does nothing either.
/// </summary>
public sealed partial class RemoteCommands
{
    private const int MaxRemembered = 10_000;

    private readonly GatePipeline _pipeline;
    private readonly TrustedKey? _key;
    private readonly string _siteId;
    private readonly string _kioskId;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leeway;
    private readonly ILogger _logger;
    private readonly DateTimeOffset _startedAt;
    private readonly Dictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="pipeline">The door.</param>
    /// <param name="key">Central's key (the policy key); null: every signed command is refused as unsigned.</param>
    /// <param name="kiosk">This kiosk's site and id.</param>
    /// <param name="leeway">How far ahead of the kiosk's clock a command may be issued.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The log.</param>
    public RemoteCommands(GatePipeline pipeline, TrustedKey? key, KioskOptions kiosk, TimeSpan leeway, TimeProvider time, ILogger<RemoteCommands> logger)
    {
        ArgumentNullException.ThrowIfNull(kiosk);
        ArgumentNullException.ThrowIfNull(time);
        _pipeline = pipeline;
        _key = key;
        _siteId = kiosk.SiteId;
        _kioskId = kiosk.KioskId;
        _leeway = leeway;
        _time = time;
        _logger = logger;
        _startedAt = time.GetUtcNow();
    }

    /// <summary>Checks and carries out one signed command as it came from the broker; never throws for bad input.</summary>
    public CommandResult Handle(ReadOnlyMemory<byte> wire)
    {
        lock (_lock)
        {
            if (_key is null)
            {
                return Reject(null, SignedCommandRejections.NotSigned);
            }

            if (SignedCommand.Open(wire, _key) is not { } command)
            {
                return Reject(null, SignedCommandRejections.BadSignature);
            }

            var now = _time.GetUtcNow();
            var rejection =
                command.SiteId != _siteId || command.KioskId != _kioskId ? SignedCommandRejections.WrongTarget
                : now > command.ExpiresAt || command.ExpiresAt - command.IssuedAt > SignedCommand.MaxLifetime || command.ExpiresAt < command.IssuedAt ? SignedCommandRejections.Expired
                : command.IssuedAt > now + _leeway ? SignedCommandRejections.IssuedInFuture
                : command.IssuedAt < _startedAt - _leeway || !Remember(Convert.ToHexStringLower(command.Nonce), command.ExpiresAt, now) ? SignedCommandRejections.Replayed
                : null;
            if (rejection is not null)
            {
                return Reject(command, rejection);
            }

            var detail = $"command={command.CommandId} type={command.Type} by={command.IssuedBy}";
            switch (command.Type)
            {
                case CommandTypes.OpenOnce:
                    var outcome = _pipeline.ProcessRemoteOpen(detail);
                    LogDone(command.Type, command.CommandId, outcome.Decision.Decision);
                    return new CommandResult(command.CommandId, outcome.Decision.IsAllow ? "done" : "rejected", null, outcome.Decision.IsAllow ? null : outcome.Decision.Reason);
                default:
                    _pipeline.SetLockdown(command.Type == CommandTypes.Lockdown, "command-done " + detail);
                    LogDone(command.Type, command.CommandId, command.Type);
                    return new CommandResult(command.CommandId, "done", null, null);
            }
        }
    }

    /// <summary>A JSON command of a door type: refused, since only a signed one may act on the door.</summary>
    public CommandResult RejectUnsigned(KioskCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        lock (_lock)
        {
            LogRejected(command.Type, SignedCommandRejections.NotSigned);
            _pipeline.RecordSystemEvent($"command-rejected command={command.CommandId} type={command.Type} reason={SignedCommandRejections.NotSigned}");
            return new CommandResult(command.CommandId, "rejected", null, SignedCommandRejections.NotSigned);
        }
    }

    private bool Remember(string nonce, DateTimeOffset expires, DateTimeOffset now)
    {
        if (_nonces.Count >= MaxRemembered)
        {
            foreach (var old in _nonces.Where(n => n.Value < now).Select(n => n.Key).ToList())
            {
                _nonces.Remove(old);
            }

            if (_nonces.Count >= MaxRemembered)
            {
                // More live commands than any guard sends: refuse rather than forget a nonce that could still be replayed.
                return false;
            }
        }

        return _nonces.TryAdd(nonce, expires);
    }

    private CommandResult Reject(SignedCommand? command, string reason)
    {
        var type = command?.Type ?? "?";
        LogRejected(type, reason);
        _pipeline.RecordSystemEvent(command is null
            ? $"command-rejected reason={reason}"
            : $"command-rejected command={command.CommandId} type={type} by={command.IssuedBy} reason={reason}");
        return new CommandResult(command?.CommandId ?? Guid.Empty, "rejected", null, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed command {Type} {CommandId}: {Outcome}")]
    private partial void LogDone(string type, Guid commandId, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signed command {Type} rejected: {Reason}")]
    private partial void LogRejected(string type, string reason);
}
