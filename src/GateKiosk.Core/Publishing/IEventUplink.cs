namespace GateKiosk.Core.Publishing;

/// <summary>The link to the central broker, as the outbox sees it.</summary>
public interface IEventUplink
{
    /// <summary>True while a session with the broker is up.</summary>
    bool IsConnected { get; }

    /// <summary>How many publishes may await their PUBACK at once (bounded by the broker's receive maximum).</summary>
    int MaxInFlight { get; }

    /// <summary>
    /// Publishes one outbox message (a single event or a batch) and waits for the broker's answer. Never throws
    /// for a broker that refuses or a link that drops: the outcome says which.
    /// </summary>
    Task<PublishOutcome> PublishAsync(OutboxMessage message, CancellationToken cancellationToken);
}

/// <summary>What the broker said about one publish.</summary>
/// <param name="Status">Acked, refused or failed.</param>
/// <param name="Detail">The broker's reason code or the failure, for logs.</param>
public sealed record PublishOutcome(PublishStatus Status, string? Detail = null)
{
    public static PublishOutcome Acked { get; } = new(PublishStatus.Acked);
}

/// <summary>Outcome classes of a publish.</summary>
public enum PublishStatus
{
    /// <summary>PUBACK with a success code: the rows may be marked sent.</summary>
    Acked,

    /// <summary>PUBACK with a reason code ≥ 0x80: the broker will not take it as it is.</summary>
    Refused,

    /// <summary>No answer (link down, timeout): try again later.</summary>
    Failed,
}
