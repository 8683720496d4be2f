using System.Collections.Frozen;
using System.Security.Cryptography;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>What every signed-credential verifier needs: trust, clock leeway, limits, the site and its rules.</summary>
public sealed class SignedCredentialSettings
{
    /// <summary>The keys trusted to sign.</summary>
    public required TrustList Trust { get; init; }

    /// <summary>Tolerance for a kiosk clock that is a little off, applied to every time check.</summary>
    public TimeSpan ClockLeeway { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Hard cap on a code's inflated size; a zlib bomb stops here.</summary>
    public int MaxInflatedBytes { get; init; } = 64 * 1024;

    /// <summary>The site's time zone: schedules and "valid until the end of the day" are read in it.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>This kiosk's site; null skips the site check (the verify command).</summary>
    public string? SiteId { get; init; }

    /// <summary>Revoked pass ids (lower-case hex of <c>cti</c>) and subject ids.</summary>
    public FrozenSet<string> Revoked { get; init; } = FrozenSet<string>.Empty;

    /// <summary>Business rules for EU DCCs.</summary>
    public DccRules DccRules { get; init; } = new();

    /// <summary>Key of the hash that stands for a DCC holder's name and birth date in events.</summary>
    public byte[] SubjectHashKey { get; init; } = RandomNumberGenerator.GetBytes(32);
}

/// <summary>What a site asks of an EU DCC beyond a valid signature (configuration section <c>Credentials:Dcc</c>).</summary>
public sealed class DccRules
{
    /// <summary>Accept vaccination certificates.</summary>
    public bool AcceptVaccination { get; set; } = true;

    /// <summary>Only a completed series (dose number ≥ total doses) counts.</summary>
    public bool RequireCompleteVaccination { get; set; } = true;

    /// <summary>Time after the last dose before the certificate counts.</summary>
    public TimeSpan MinTimeSinceVaccination { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Accept negative test certificates.</summary>
    public bool AcceptTest { get; set; } = true;

    /// <summary>Oldest sample time accepted for a test.</summary>
    public TimeSpan MaxTestAge { get; set; } = TimeSpan.FromHours(72);

    /// <summary>Accept recovery certificates (within their own validity dates).</summary>
    public bool AcceptRecovery { get; set; } = true;
}
