namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// Tells whether a single-use pass has already opened a door. It only answers: a pass is used up by the journal, in the
/// same commit as the entry that lets its holder in (<see cref="Journaling.EventDraft.UsesPass"/>), so a scan that is
/// never recorded does not burn the pass, and the memory lasts as long as the journal.
/// </summary>
public interface IPassUseLedger
{
    /// <summary>True when <paramref name="passId"/> has already been used for an entry.</summary>
    bool IsUsed(string passId);
}

/// <summary>A single-use pass an allow uses up: its id and when it expires (after which the journal may forget it).</summary>
/// <param name="PassId">The pass id (hex).</param>
/// <param name="Expires">The pass's expiry.</param>
public sealed record SingleUsePass(string PassId, DateTimeOffset Expires);

/// <summary>Knows of no use: for verifiers whose kind the door does not accept (the decider denies them anyway) and the <c>verify</c> command.</summary>
public sealed class NoPassUseLedger : IPassUseLedger
{
    public static NoPassUseLedger Instance { get; } = new();

    public bool IsUsed(string passId) => false;
}
