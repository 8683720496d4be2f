using System.Collections.Frozen;
using GateKiosk.Contracts;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>Signed credentials: trust, clock leeway, limits, revocations and DCC rules (configuration section <c>Credentials</c>).</summary>
public sealed class CredentialOptions
{
    public const string SectionName = "Credentials";

    /// <summary>The trust file (JSON array of {certificate | key, kid?, usages?, issuer?}); empty trusts nobody.</summary>
    public string TrustListPath { get; set; } = "";

    /// <summary>Tolerance for a kiosk clock that is a little off (0 to 1 hour).</summary>
    public TimeSpan ClockLeeway { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Hard cap on a code's inflated size in bytes (1,024 to 1,048,576).</summary>
    public int MaxInflatedBytes { get; set; } = 64 * 1024;

    /// <summary>The site's IANA time zone: schedules and same-day declarations are read in it.</summary>
    public string TimeZone { get; set; } = "Asia/Ho_Chi_Minh";

    /// <summary>Revoked pass ids (lower-case hex) and subject ids (badge subject, DCC hash or UVCI).</summary>
    public IList<string> Revoked { get; } = [];

    /// <summary>
    /// Base64 key (16+ bytes) of the hash recorded for a DCC holder, a personal ID number or a badge that is not enrolled;
    /// required when the door accepts <c>eu-dcc</c>, <c>vn-cccd</c> or <c>vn-pccovid</c>.
    /// </summary>
    public string SubjectHashKey { get; set; } = "";

    /// <summary>Business rules for EU DCCs.</summary>
    public DccRules Dcc { get; } = new();

    /// <summary>The settings the verifiers run with; <paramref name="trust"/> overrides the trust file.</summary>
    public SignedCredentialSettings ToSettings(string? siteId, TrustList? trust = null) => new()
    {
        Trust = trust ?? (string.IsNullOrWhiteSpace(TrustListPath) ? TrustList.Empty : TrustList.Parse(File.ReadAllText(TrustListPath))),
        ClockLeeway = ClockLeeway,
        MaxInflatedBytes = MaxInflatedBytes,
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        SiteId = siteId,
        Revoked = Revoked.ToFrozenSet(StringComparer.Ordinal),
        DccRules = Dcc,
        SubjectHashKey = SubjectHashKey.Length > 0 ? Convert.FromBase64String(SubjectHashKey) : System.Security.Cryptography.RandomNumberGenerator.GetBytes(32),
    };
}

/// <summary>Names the bad key in the <c>Credentials</c> section.</summary>
public sealed class CredentialOptionsValidator(IOptions<KioskOptions> kiosk) : IValidateOptions<CredentialOptions>
{
    public ValidateOptionsResult Validate(string? name, CredentialOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.TrustListPath))
        {
            try
            {
                TrustList.Parse(File.ReadAllText(options.TrustListPath));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                errors.Add($"Credentials:TrustListPath '{options.TrustListPath}' cannot be used: {ex.Message}");
            }
        }

        if (options.ClockLeeway < TimeSpan.Zero || options.ClockLeeway > TimeSpan.FromHours(1))
        {
            errors.Add($"Credentials:ClockLeeway must be between 00:00:00 and 01:00:00 (got {options.ClockLeeway}).");
        }

        if (options.MaxInflatedBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"Credentials:MaxInflatedBytes must be 1024–1048576 (got {options.MaxInflatedBytes}).");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            errors.Add($"Credentials:TimeZone '{options.TimeZone}' is not a known time zone (for example Asia/Ho_Chi_Minh).");
        }

        if (options.SubjectHashKey.Length > 0)
        {
            var bytes = new byte[options.SubjectHashKey.Length];
            if (!Convert.TryFromBase64String(options.SubjectHashKey, bytes, out var length) || length < 16)
            {
                errors.Add("Credentials:SubjectHashKey must be base64 of at least 16 bytes.");
            }
        }
        else if (kiosk?.Value.AcceptedKindsOrDefault().FirstOrDefault(k => k == CredentialKinds.EuDcc || KioskOptions.IsPersonalIdCode(k)) is { } kind)
        {
            // Without a shared key every kiosk (and every restart) would hash the same person differently: no visit log, no tracing.
            errors.Add($"Credentials:SubjectHashKey is required when Kiosk:AcceptedKinds includes {kind} (base64 of at least 16 random bytes, the same on every kiosk of the organisation).");
        }

        if (options.Dcc.MaxTestAge <= TimeSpan.Zero || options.Dcc.MinTimeSinceVaccination < TimeSpan.Zero)
        {
            errors.Add("Credentials:Dcc:MaxTestAge must be positive and Credentials:Dcc:MinTimeSinceVaccination not negative.");
        }

        for (var i = 0; i < options.Revoked.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Revoked[i]))
            {
                errors.Add($"Credentials:Revoked:{i} is empty.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
