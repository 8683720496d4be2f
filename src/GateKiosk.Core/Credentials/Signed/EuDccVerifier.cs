using System.Globalization;
using System.Text.RegularExpressions;
using GateKiosk.Contracts;
using GateKiosk.Core.Decoding;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// EU Digital COVID Certificates (<c>HC1:</c>), Vietnam's vaccine passport included: signature by a trusted document
/// signer certificate (kid = first 8 bytes of SHA-256 of its DER), the certificate's validity and DCC key usage,
/// CWT times, the payload's structure, and the site's business rules. Events carry a keyed hash of name and birth
/// date, never the name.
/// </summary>
public sealed partial class EuDccVerifier : ICredentialVerifier
{
    public const string Prefix = "HC1:";

    /// <summary>CWT claim of the health certificate container (<c>hcert</c>).</summary>
    private const long HcertClaim = -260;

    /// <summary>SNOMED "COVID-19" — the only disease agent these certificates may target.</summary>
    private const string Covid19 = "840539006";

    /// <summary>SNOMED "not detected": the only test result that opens.</summary>
    private const string NotDetected = "260415000";

    private static readonly string[] Types = ["v", "t", "r"];

    private readonly SignedCredentialSettings _settings;

    public EuDccVerifier(SignedCredentialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    public string Kind => CredentialKinds.EuDcc;

    public bool Recognizes(ScannedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return code.Text.StartsWith(Prefix, StringComparison.Ordinal);
    }

    public CredentialCheck Verify(ScannedCode code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var unknown = new CredentialRef(Kind, null, null);
        if (!Recognizes(code))
        {
            return new CredentialCheck(ReasonCodes.Unreadable, unknown);
        }

        var opened = SignedCode.OpenBase45(code.Text.AsSpan(Prefix.Length), _settings);
        var kid = opened.Kid is null ? null : Convert.ToBase64String(opened.Kid);
        if (opened.Content is not { } content)
        {
            return new CredentialCheck(opened.Reason, unknown) { KeyId = kid };
        }

        if (!TryReadPayload(content.Claims, out var dcc) || SchemaProblem(dcc, now) is not null || TypeOf(dcc) is not { } type)
        {
            return new CredentialCheck(ReasonCodes.Unreadable, new CredentialRef(Kind, content.Issuer, null)) { KeyId = kid };
        }

        var subject = SubjectHash(dcc, _settings.SubjectHashKey);
        var credential = new CredentialRef(Kind, content.Issuer, subject);
        var check = new CredentialCheck(Decide(content, dcc, type, subject, now), credential) { KeyId = kid, Expires = content.Expires };
        return check;
    }

    private string Decide(SignedClaims content, CborMap dcc, string type, string subject, DateTimeOffset now)
    {
        if (!content.Key.Allows(UsageOf(type)))
        {
            return ReasonCodes.WrongKeyUsage;
        }

        var times = SignedCode.CheckTimes(content, now, _settings.ClockLeeway);
        if (times != ReasonCodes.Valid)
        {
            return times;
        }

        var entry = (CborMap)((List<object?>)dcc.Get(type)!)[0]!;
        if (_settings.Revoked.Contains(subject) || (entry.Text("ci") is { } uvci && _settings.Revoked.Contains(uvci)))
        {
            return ReasonCodes.Revoked;
        }

        return CheckRules(type, entry, now, _settings.DccRules);
    }

    /// <summary>The site's business rules for one certificate entry (v, t or r).</summary>
    public static string CheckRules(string type, CborMap entry, DateTimeOffset now, DccRules rules)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(rules);
        switch (type)
        {
            case "v":
                if (!rules.AcceptVaccination || (rules.RequireCompleteVaccination && (long)entry.Get("dn")! < (long)entry.Get("sd")!))
                {
                    return ReasonCodes.RulesNotMet;
                }

                var dose = ParseDate(entry.Text("dt")!);
                return dose + rules.MinTimeSinceVaccination > now ? ReasonCodes.NotYetValid : ReasonCodes.Valid;
            case "t":
                if (!rules.AcceptTest || entry.Text("tr") != NotDetected)
                {
                    return ReasonCodes.RulesNotMet;
                }

                var sampled = ParseDateTime(entry.Text("sc")!);
                return sampled > now + TimeSpan.FromMinutes(5) ? ReasonCodes.NotYetValid
                    : now - sampled > rules.MaxTestAge ? ReasonCodes.Expired : ReasonCodes.Valid;
            default:
                if (!rules.AcceptRecovery)
                {
                    return ReasonCodes.RulesNotMet;
                }

                return ParseDate(entry.Text("df")!) > now ? ReasonCodes.NotYetValid
                    : ParseDate(entry.Text("du")!).AddDays(1) <= now ? ReasonCodes.Expired : ReasonCodes.Valid;
        }
    }

    /// <summary>The DCC payload: claim -260 → map → key 1.</summary>
    public static bool TryReadPayload(CborMap claims, out CborMap dcc)
    {
        ArgumentNullException.ThrowIfNull(claims);
        dcc = [];
        if (claims.Get(HcertClaim) is CborMap hcert && hcert.Get(1) is CborMap payload)
        {
            dcc = payload;
            return true;
        }

        return false;
    }

    /// <summary><c>v</c>, <c>t</c> or <c>r</c> when exactly one of them is present with exactly one entry.</summary>
    public static string? TypeOf(CborMap dcc)
    {
        ArgumentNullException.ThrowIfNull(dcc);
        var present = Types.Where(k => dcc.ContainsKey(k)).ToList();
        return present.Count == 1 && dcc.Get(present[0]) is List<object?> { Count: 1 } list && list[0] is CborMap ? present[0] : null;
    }

    /// <summary>The key usage a certificate type needs.</summary>
    public static string UsageOf(string type) => type switch
    {
        "v" => KeyUsages.DccVaccination,
        "t" => KeyUsages.DccTest,
        _ => KeyUsages.DccRecovery,
    };

    /// <summary>
    /// The structural rules of the DCC schema (1.0–1.3) a decision depends on: required fields and their types, the
    /// date formats, non-empty codes, the COVID-19 target, a birth date not in the future. Null when it conforms.
    /// </summary>
    public static string? SchemaProblem(CborMap dcc, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(dcc);
        if (dcc.Text("ver") is not { } ver || !VersionPattern().IsMatch(ver))
        {
            return "ver";
        }

        if (dcc.Get("nam") is not CborMap nam || nam.Text("fnt") is not { } fnt || !TransliteratedPattern().IsMatch(fnt)
            || (nam.Get("gnt") is { } gnt && (gnt is not string g || !TransliteratedPattern().IsMatch(g))))
        {
            return "nam";
        }

        if (dcc.Text("dob") is not { } dob || !DobPattern().IsMatch(dob) || (dob.Length >= 4 && int.Parse(dob[..4], CultureInfo.InvariantCulture) > now.Year)
            || (dob.Length >= 10 && DateTime.TryParseExact(dob[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var born) && born > now.UtcDateTime))
        {
            return "dob";
        }

        if (TypeOf(dcc) is not { } type)
        {
            return "v/t/r";
        }

        var e = (CborMap)((List<object?>)dcc.Get(type)!)[0]!;
        string[] common = ["tg", "co", "is", "ci"];
        string[] specific = type switch
        {
            "v" => ["vp", "mp", "ma", "dt"],
            "t" => ["tt", "sc", "tr", "tc"],
            _ => ["fr", "df", "du"],
        };
        foreach (var field in common.Concat(specific))
        {
            var optional = type == "t" && field == "tc";
            if (e.Get(field) is not string s || s.Length == 0 || s.Length > 80)
            {
                if (!(optional && e.Get(field) is null or string))
                {
                    return $"{type}.{field}";
                }
            }
        }

        if (e.Text("tg") != Covid19 || !CountryPattern().IsMatch(e.Text("co")!))
        {
            return $"{type}.tg/co";
        }

        switch (type)
        {
            case "v":
                if (e.Get("dn") is not (long and >= 1 and <= 9) || e.Get("sd") is not (long and >= 1 and <= 9) || !IsDate(e.Text("dt")!))
                {
                    return "v.dn/sd/dt";
                }

                break;
            case "t":
                if (!DateTimeOffset.TryParse(e.Text("sc"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                {
                    return "t.sc";
                }

                break;
            default:
                if (!IsDate(e.Text("fr")!) || !IsDate(e.Text("df")!) || !IsDate(e.Text("du")!))
                {
                    return "r.dates";
                }

                break;
        }

        return null;
    }

    /// <summary>HMAC-SHA-256 of the transliterated names and birth date under the site's key, first 16 bytes, hex.</summary>
    public static string SubjectHash(CborMap dcc, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(dcc);
        var nam = dcc.Get("nam") as CborMap;
        var text = $"{nam?.Text("fnt")}\n{nam?.Text("gnt")}\n{dcc.Text("dob")}";
        return Credentials.SubjectHash.Of("dcc", text, key);
    }

    private static bool IsDate(string text) =>
        text.Length >= 10 && DatePattern().IsMatch(text)
        && DateTimeOffset.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private static DateTimeOffset ParseDate(string text) =>
        DateTimeOffset.ParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset ParseDateTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[A-Z<]{1,80}$")]
    private static partial Regex TransliteratedPattern();

    [GeneratedRegex(@"^((19|20)\d\d(-\d\d){0,2}){0,1}$")]
    private static partial Regex DobPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex DatePattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();
}
