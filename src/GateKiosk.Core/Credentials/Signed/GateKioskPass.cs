using System.Formats.Cbor;
using System.Globalization;
using GateKiosk.Contracts;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>One weekly time window of a staff badge's schedule, read in the site's time zone.</summary>
/// <param name="Days">ISO days of week (1 = Monday … 7 = Sunday).</param>
/// <param name="From">Opening time of day (inclusive).</param>
/// <param name="To">Closing time of day (exclusive).</param>
public sealed record ScheduleWindow(IReadOnlyList<int> Days, TimeOnly From, TimeOnly To)
{
    /// <summary>True when <paramref name="local"/> falls in the window.</summary>
    public bool Contains(DateTime local)
    {
        var iso = local.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)local.DayOfWeek;
        var time = TimeOnly.FromDateTime(local);
        return Days.Contains(iso) && time >= From && time < To;
    }
}

/// <summary>
/// A GateKiosk pass: CWT claims <c>iss</c> (1), <c>sub</c> (2), <c>exp</c> (4), <c>nbf</c> (5), <c>iat</c> (6), <c>cti</c> (7)
/// and the private claim <c>"gk"</c> (see docs/contracts/pass-claims.schema.json).
/// </summary>
public sealed record GateKioskPass
{
    /// <summary>Text-keyed private claim holding the GateKiosk fields.</summary>
    public const string ClaimKey = "gk";

    /// <summary>Version of the <c>gk</c> claim layout.</summary>
    public const int Version = 1;

    /// <summary><see cref="CredentialKinds.StaffPass"/>, <see cref="CredentialKinds.VisitorPass"/> or <see cref="CredentialKinds.HealthDeclaration"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The issuing organisation.</summary>
    public required string Issuer { get; init; }

    /// <summary>A stable id of the holder (employee number, visitor registration id); never a name.</summary>
    public required string Subject { get; init; }

    /// <summary>16 random bytes naming this pass (for revocation and single use).</summary>
    public required byte[] PassId { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public required DateTimeOffset Expires { get; init; }

    /// <summary>Sites where the pass opens doors; <c>*</c> for every site.</summary>
    public IReadOnlyList<string> Sites { get; init; } = ["*"];

    /// <summary>Visitor pass: the host's id.</summary>
    public string? Host { get; init; }

    /// <summary>Visitor pass: opens once.</summary>
    public bool SingleUse { get; init; }

    /// <summary>Staff badge: when it opens; empty for always.</summary>
    public IReadOnlyList<ScheduleWindow> Schedule { get; init; } = [];

    /// <summary>Health declaration: the answers reduced to a status (<c>clear</c> opens).</summary>
    public string? Status { get; init; }

    /// <summary>The pass id as lower-case hex, as revocation lists name it.</summary>
    public string PassIdHex => Convert.ToHexStringLower(PassId);

    /// <summary>Encodes the claims as a CBOR map.</summary>
    public byte[] ToCbor()
    {
        var w = new CborWriter(CborConformanceMode.Canonical);
        w.WriteStartMap(NotBefore is null ? 6 : 7);
        w.WriteInt32(1);
        w.WriteTextString(Issuer);
        w.WriteInt32(2);
        w.WriteTextString(Subject);
        w.WriteInt32(4);
        w.WriteInt64(Expires.ToUnixTimeSeconds());
        if (NotBefore is { } nbf)
        {
            w.WriteInt32(5);
            w.WriteInt64(nbf.ToUnixTimeSeconds());
        }

        w.WriteInt32(6);
        w.WriteInt64(IssuedAt.ToUnixTimeSeconds());
        w.WriteInt32(7);
        w.WriteByteString(PassId);
        w.WriteTextString(ClaimKey);
        w.WriteStartMap(3 + (Host is null ? 0 : 1) + (SingleUse ? 1 : 0) + (Schedule.Count > 0 ? 1 : 0) + (Status is null ? 0 : 1));
        w.WriteTextString("v");
        w.WriteInt32(Version);
        w.WriteTextString("kind");
        w.WriteTextString(Kind);
        w.WriteTextString("sites");
        w.WriteStartArray(Sites.Count);
        foreach (var s in Sites)
        {
            w.WriteTextString(s);
        }

        w.WriteEndArray();
        if (Host is not null)
        {
            w.WriteTextString("host");
            w.WriteTextString(Host);
        }

        if (SingleUse)
        {
            w.WriteTextString("single");
            w.WriteBoolean(true);
        }

        if (Schedule.Count > 0)
        {
            w.WriteTextString("sched");
            w.WriteStartArray(Schedule.Count);
            foreach (var window in Schedule)
            {
                w.WriteStartMap(3);
                w.WriteTextString("days");
                w.WriteStartArray(window.Days.Count);
                foreach (var d in window.Days)
                {
                    w.WriteInt32(d);
                }

                w.WriteEndArray();
                w.WriteTextString("from");
                w.WriteTextString(window.From.ToString("HH:mm", CultureInfo.InvariantCulture));
                w.WriteTextString("to");
                w.WriteTextString(window.To.ToString("HH:mm", CultureInfo.InvariantCulture));
                w.WriteEndMap();
            }

            w.WriteEndArray();
        }

        if (Status is not null)
        {
            w.WriteTextString("status");
            w.WriteTextString(Status);
        }

        w.WriteEndMap();
        w.WriteEndMap();
        return w.Encode();
    }

    /// <summary>Reads a pass from verified claims; false when a required claim is missing or mistyped.</summary>
    public static bool TryFrom(CborMap claims, out GateKioskPass? pass)
    {
        ArgumentNullException.ThrowIfNull(claims);
        pass = null;
        if (claims.Get(1) is not string iss || claims.Get(2) is not string sub || claims.Get(7) is not byte[] { Length: >= 8 } cti
            || CborMap.ToDate(claims.Get(4)) is not { } exp || CborMap.ToDate(claims.Get(6)) is not { } iat
            || claims.Get(ClaimKey) is not CborMap gk || gk.Get("v") is not (long)Version
            || gk.Get("kind") is not string kind || gk.Get("sites") is not List<object?> sites || sites.Any(s => s is not string))
        {
            return false;
        }

        var schedule = new List<ScheduleWindow>();
        if (gk.Get("sched") is { } sched)
        {
            if (sched is not List<object?> windows)
            {
                return false;
            }

            foreach (var item in windows)
            {
                if (item is not CborMap m || m.Get("days") is not List<object?> days || days.Any(d => d is not (long and >= 1 and <= 7))
                    || !TimeOnly.TryParseExact(m.Text("from"), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
                    || !TimeOnly.TryParseExact(m.Text("to"), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
                {
                    return false;
                }

                schedule.Add(new ScheduleWindow([.. days.Select(d => (int)(long)d!)], from, to));
            }
        }

        pass = new GateKioskPass
        {
            Kind = kind,
            Issuer = iss,
            Subject = sub,
            PassId = cti,
            IssuedAt = iat,
            NotBefore = CborMap.ToDate(claims.Get(5)),
            Expires = exp,
            Sites = [.. sites.Cast<string>()],
            Host = gk.Text("host"),
            SingleUse = gk.Get("single") is true,
            Schedule = schedule,
            Status = gk.Text("status"),
        };
        return true;
    }
}
