namespace GateKiosk.Core.Journaling;

/// <summary>
/// Keeps a size-bounded journal within its bound: prunes acknowledged events and reports how full it is.
/// Apart from <see cref="IEntryJournal"/> so that journals without a bound (test fakes) need not implement it.
/// </summary>
public interface IJournalMaintenance
{
    /// <summary>
    /// Deletes acknowledged events older than the retention, then, while the journal is at or above the alarm level,
    /// the oldest acknowledged events regardless of age down to the low-water mark. Never deletes an event that is
    /// still unsent or set aside, nor the newest event (the chain continues from it). Journals a <c>journal-pressure</c>
    /// system event when pruning cannot bring usage below the alarm level, once per entry into that state.
    /// </summary>
    JournalPruneResult Prune();

    /// <summary>How full the journal is now, and its pressure state.</summary>
    JournalUsage GetUsage();
}

/// <summary>How much of its bound the journal uses.</summary>
/// <param name="UsedBytes">Bytes in use (pages holding data, not free pages that SQLite reuses).</param>
/// <param name="MaxBytes">The bound (<c>Journal:MaxSize</c>, rounded down to whole pages).</param>
/// <param name="Pressure">Normal, alarm (≥ 80 % after pruning) or full (entries refused).</param>
public sealed record JournalUsage(long UsedBytes, long MaxBytes, JournalPressure Pressure)
{
    /// <summary>Used fraction of the bound, 0–1.</summary>
    public double Fraction => MaxBytes <= 0 ? 0 : (double)UsedBytes / MaxBytes;
}

/// <summary>The journal's pressure state, for telemetry and the technician.</summary>
public enum JournalPressure
{
    /// <summary>Below the alarm level, or only acknowledged events above it that the next prune removes.</summary>
    Normal,

    /// <summary>At or above 80 % after pruning: what remains is unsent (or set aside) and is kept.</summary>
    Alarm,

    /// <summary>No room for entries: the kiosk denies scans with <c>internal-error</c> until events are sent and pruned.</summary>
    Full,
}

/// <summary>What one <see cref="IJournalMaintenance.Prune"/> did.</summary>
/// <param name="ExpiredPruned">Acknowledged events deleted because they were older than the retention.</param>
/// <param name="PressurePruned">Acknowledged events deleted, oldest first, because the journal was at or above the alarm level.</param>
/// <param name="Before">Usage before pruning.</param>
/// <param name="After">Usage after pruning.</param>
/// <param name="PressureEventSeq">The <c>journal-pressure</c> event journaled by this prune, if any.</param>
public sealed record JournalPruneResult(long ExpiredPruned, long PressurePruned, JournalUsage Before, JournalUsage After, long? PressureEventSeq)
{
    /// <summary>Events deleted in all.</summary>
    public long Pruned => ExpiredPruned + PressurePruned;
}
