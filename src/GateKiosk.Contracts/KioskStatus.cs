namespace GateKiosk.Contracts;

/// <summary>The retained status of a kiosk: the birth message (<c>online</c>) or the will (<c>offline</c>).</summary>
/// <param name="State"><c>online</c> or <c>offline</c>.</param>
/// <param name="KioskId">The kiosk.</param>
/// <param name="SiteId">Its site.</param>
/// <param name="Version">Software version; null in the will.</param>
/// <param name="At">When the kiosk went online; null in the will, which is written at connect time.</param>
/// <param name="Config">A short summary of the configuration that matters to a facility manager.</param>
public sealed record KioskStatus(
    string State,
    string KioskId,
    string SiteId,
    string? Version = null,
    DateTimeOffset? At = null,
    IReadOnlyDictionary<string, string>? Config = null)
{
    public const string Online = "online";
    public const string Offline = "offline";
}
