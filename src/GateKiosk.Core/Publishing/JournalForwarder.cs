using GateKiosk.Core.Journaling;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Core.Publishing;

/// <summary>
/// Moves the journal to the broker: reads unsent events in <c>seq</c> order, keeps a bounded number
/// of publishes in flight, and marks rows sent only for the acknowledged prefix.
/// </summary>
public sealed partial class JournalForwarder
{
    private readonly IEntryJournal _journal;
    private readonly IEventUplink _uplink;
    private readonly ILogger<JournalForwarder> _logger;
    private readonly int _maxInFlight;

    public JournalForwarder(IEntryJournal journal, IEventUplink uplink, ILogger<JournalForwarder> logger, int maxInFlight = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _journal = journal;
        _uplink = uplink;
        _logger = logger;
        _maxInFlight = maxInFlight;
    }

    /// <summary>
    /// Publishes everything unsent that can be published now. Returns the number of events acknowledged,
    /// and whether it stopped because the uplink failed or refused (the caller then backs off).
    /// </summary>
    public async Task<ForwardResult> PublishPendingAsync(CancellationToken cancellationToken)
    {
        var acked = 0;
        long after = 0;
        while (!cancellationToken.IsCancellationRequested && _uplink.IsConnected)
        {
            var batch = _journal.ReadUnsent(after, _maxInFlight);
            if (batch.Count == 0)
            {
                return new ForwardResult(acked, Stalled: false);
            }

            // Publishes go out in seq order; the broker answers in order, so the acknowledged
            // events form a prefix of the batch.
            var inFlight = new Task<PublishOutcome>[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                inFlight[i] = _uplink.PublishAsync(batch[i], cancellationToken);
            }

            var sent = new List<long>(batch.Count);
            PublishOutcome? stop = null;
            for (var i = 0; i < batch.Count; i++)
            {
                var outcome = await inFlight[i];
                if (outcome.Status != PublishStatus.Acked)
                {
                    stop ??= outcome;
                    LogNotSent(batch[i].Seq, outcome.Status, outcome.Detail);
                    continue;
                }

                if (stop is null)
                {
                    sent.Add(batch[i].Seq);
                }
            }

            if (sent.Count > 0)
            {
                _journal.MarkSent(sent);
                acked += sent.Count;
            }

            if (stop is not null)
            {
                return new ForwardResult(acked, Stalled: true);
            }

            after = batch[^1].Seq;
        }

        return new ForwardResult(acked, Stalled: !_uplink.IsConnected);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event seq {Seq} not sent: {Status} {Detail}")]
    private partial void LogNotSent(long seq, PublishStatus status, string? detail);
}

/// <summary>Result of one <see cref="JournalForwarder.PublishPendingAsync"/> pass.</summary>
/// <param name="Acked">Events acknowledged and marked sent in this pass.</param>
/// <param name="Stalled">True when the pass stopped on a failure or refusal rather than on an empty outbox.</param>
public sealed record ForwardResult(int Acked, bool Stalled);
