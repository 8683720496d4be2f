using GateKiosk.Contracts;

namespace GateKiosk.Central.Collecting;

/// <summary>What the collector did with one message.</summary>
public enum IngestOutcome
{
    /// <summary>Stored (or already stored): acknowledge.</summary>
    Stored,

    /// <summary>Not a valid message of its kiosk: quarantined and counted; acknowledge.</summary>
    Rejected,

    /// <summary>Nothing to do (an empty retained status, a topic central does not read): acknowledge.</summary>
    Ignored,

    /// <summary>The store failed: do not acknowledge, so the broker delivers the message again.</summary>
    StoreFailed,
}

/// <summary>The outcome of one message, with a reason when it was rejected.</summary>
/// <param name="Outcome">What was done.</param>
/// <param name="Stored">Events newly stored.</param>
/// <param name="Duplicates">Events already stored with the same bytes.</param>
/// <param name="Reason">Why the message was rejected (never a field's value).</param>
public sealed record IngestResult(IngestOutcome Outcome, int Stored = 0, int Duplicates = 0, string? Reason = null)
{
    /// <summary>True when the message may be acknowledged.</summary>
    public bool Acknowledge => Outcome != IngestOutcome.StoreFailed;
}

/// <summary>Sends commands to kiosks.</summary>
internal interface IKioskCommandSender
{
    /// <summary>Sends <paramref name="command"/> to one kiosk (QoS 1); false when the broker is not reachable now.</summary>
    Task<bool> PublishCommandAsync(string site, string kiosk, KioskCommand command, CancellationToken cancellationToken);
}

/// <summary>A valid command result a kiosk published.</summary>
public sealed class CommandResultEventArgs(string siteId, string kioskId, CommandResult result) : EventArgs
{
    public string SiteId { get; } = siteId;

    public string KioskId { get; } = kioskId;

    public CommandResult Result { get; } = result;
}
