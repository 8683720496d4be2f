namespace GateKiosk.Contracts;

/// <summary>
/// A command to one kiosk on <c>gatekiosk/v1/{site}/{kiosk}/cmd</c> (QoS 1). The site broker's ACL lets only
/// central write there. <c>resend</c> and <c>resync</c> only make the kiosk send again what it already journaled,
/// so they are accepted as they are; commands that act on the door will carry a signature.
/// </summary>
/// <param name="CommandId">Unique id; the result carries it back.</param>
/// <param name="Type">One of <see cref="CommandTypes"/>.</param>
/// <param name="FromSeq">For <c>resend</c>: first seq to send again.</param>
/// <param name="ToSeq">For <c>resend</c>: last seq to send again.</param>
/// <param name="IssuedAt">When central issued it.</param>
public sealed record KioskCommand(Guid CommandId, string Type, long? FromSeq, long? ToSeq, DateTimeOffset IssuedAt)
{
    /// <summary>The contract version of this payload.</summary>
    public int SchemaVersion { get; init; } = 1;
}

/// <summary>The kiosk's answer on <c>…/cmd/result</c>.</summary>
/// <param name="CommandId">The command answered.</param>
/// <param name="Status"><c>done</c> or <c>rejected</c>.</param>
/// <param name="Count">How many events were queued again.</param>
/// <param name="Detail">Why a command was rejected.</param>
public sealed record CommandResult(Guid CommandId, string Status, long? Count, string? Detail);

/// <summary>Command types.</summary>
public static class CommandTypes
{
    /// <summary>Send the events <c>fromSeq</c>–<c>toSeq</c> again (central found a gap).</summary>
    public const string Resend = "resend";

    /// <summary>Send again the events the broker refused earlier (set aside), once the cause is fixed (an ACL, a policy).</summary>
    public const string Resync = "resync";

    /// <summary>Signed: release the door once (a guard lets in someone without a code).</summary>
    public const string OpenOnce = "open-once";

    /// <summary>Signed: deny every entry until <see cref="ReleaseLockdown"/>.</summary>
    public const string Lockdown = "lockdown";

    /// <summary>Signed: end a lockdown.</summary>
    public const string ReleaseLockdown = "release-lockdown";
}
