namespace GateKiosk.Contracts;

/// <summary>
/// The size limits of the contract, in one place: what a reader accepts (docs/contracts describes the same numbers).
/// A kiosk never comes near them; anything beyond them is malformed, whoever sent it.
/// </summary>
public static class ContractLimits
{
    /// <summary>Largest MQTT payload on an events topic: a batch is at most 60 KiB (see the AsyncAPI file).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>Largest single event, alone or as an element of a batch.</summary>
    public const int MaxEventBytes = 16 * 1024;

    /// <summary>Most events in one batch.</summary>
    public const int MaxBatchEvents = 500;

    /// <summary>Largest status, command or command result payload.</summary>
    public const int MaxControlBytes = 16 * 1024;

    /// <summary>Highest <c>seq</c> (and lostSeqs bound): the largest integer every JSON reader holds exactly (2^53 − 1).</summary>
    public const long MaxSeq = 9_007_199_254_740_991;

    /// <summary>Longest <c>credential.subjectId</c>.</summary>
    public const int MaxSubjectIdLength = 256;

    /// <summary>Longest <c>credential.issuer</c>.</summary>
    public const int MaxIssuerLength = 256;

    /// <summary>Longest <c>reason</c> code.</summary>
    public const int MaxReasonLength = 64;

    /// <summary>Longest <c>detail</c> of a system event, and of a command result.</summary>
    public const int MaxDetailLength = 4096;

    /// <summary>Longest <c>version</c> in a status.</summary>
    public const int MaxVersionLength = 64;

    /// <summary>Most <c>config</c> entries in a status.</summary>
    public const int MaxConfigEntries = 64;

    /// <summary>Longest <c>config</c> key in a status.</summary>
    public const int MaxConfigKeyLength = 64;

    /// <summary>Longest <c>config</c> value in a status.</summary>
    public const int MaxConfigValueLength = 256;
}
