using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary><c>GET /api/trace</c>: a person's stays and contacts in a window (docs/tracing.md); every call is audited.</summary>
internal static class TraceEndpoints
{
    /// <summary>Widest window one trace may ask for.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(60);

    /// <summary>Longest subject id accepted (subject ids are badge numbers, pass subjects or hex hashes).</summary>
    public const int MaxSubjectLength = 256;

    public static async Task<IResult> GetTraceAsync(HttpContext context, ContactFinder finder, IAuditLog audit, TimeProvider time)
    {
        var q = context.Request.Query;
        var errors = new List<string>();
        var kind = q["kind"].ToString();
        var subject = q["subject"].ToString();
        if (!Ids.IsValid(kind))
        {
            errors.Add("'kind' must be a credential kind such as badge (of [a-z0-9-]).");
        }

        if (subject.Length is 0 or > MaxSubjectLength || subject.Any(char.IsControl))
        {
            errors.Add($"'subject' must be a subject id of 1–{MaxSubjectLength} characters.");
        }

        var from = Time(q["from"].ToString(), "from", errors);
        var to = Time(q["to"].ToString(), "to", errors);
        if (from is { } f && to is { } t && (t < f || t - f > MaxWindow))
        {
            errors.Add($"'to' must not be before 'from', and the window may span at most {MaxWindow.TotalDays:0} days.");
        }

        if (q["depth"].ToString() is { Length: > 0 } depth && depth != "1")
        {
            errors.Add("'depth' must be 1 (contacts of contacts are not offered).");
        }

        var actor = Actor(context.User);
        var asked = $"kind={(Ids.IsValid(kind) ? kind : "?")} subject#={SubjectHash(kind, subject)} from={q["from"]} to={q["to"]}";
        if (errors.Count > 0)
        {
            await audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), actor, "trace", $"{Clip(asked)} refused=bad-request"), context.RequestAborted);
            return Results.Json(new ApiError("bad-request", string.Join(" ", errors)), CentralJsonContext.Default.ApiError, statusCode: 400);
        }

        var result = await finder.TraceAsync(new Person(kind, subject), from!.Value, to!.Value, context.RequestAborted);
        if (result.TooManyEvents)
        {
            await audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), actor, "trace", $"{asked} refused=too-many-events"), context.RequestAborted);
            return Results.Json(new ApiError("window-too-large", $"The window holds more than {ContactFinder.MaxEvents} events to read; ask for a shorter one."), CentralJsonContext.Default.ApiError, statusCode: 422);
        }

        await audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), actor, "trace", $"{asked} stays={result.Stays.Count} contacts={result.Contacts.Count}"), context.RequestAborted);
        return Results.Bytes(Json(result), "application/json; charset=utf-8");
    }

    /// <summary>
    /// <c>{"stays":[{"site","from","to","doors":[…]}],"contacts":[{"kind","subject","site","from","to","overlapMinutes"}]}</c>,
    /// times RFC 3339 UTC with milliseconds; <c>"timeSourceNone": true</c> is added to a stay or contact resting on an
    /// event stamped without a trusted clock.
    /// </summary>
    public static byte[] Json(TraceResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("stays");
            foreach (var stay in result.Stays)
            {
                w.WriteStartObject();
                w.WriteString("site", stay.Site);
                w.WriteString("from", Rfc3339(stay.From));
                w.WriteString("to", Rfc3339(stay.To));
                w.WriteStartArray("doors");
                foreach (var door in stay.Doors)
                {
                    w.WriteStringValue(door);
                }

                w.WriteEndArray();
                if (stay.TimeSourceNone)
                {
                    w.WriteBoolean("timeSourceNone", true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("contacts");
            foreach (var contact in result.Contacts)
            {
                w.WriteStartObject();
                w.WriteString("kind", contact.Person.Kind);
                w.WriteString("subject", contact.Person.Subject);
                w.WriteString("site", contact.Site);
                w.WriteString("from", Rfc3339(contact.From));
                w.WriteString("to", Rfc3339(contact.To));
                w.WriteNumber("overlapMinutes", contact.OverlapMinutes);
                if (contact.TimeSourceNone)
                {
                    w.WriteBoolean("timeSourceNone", true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>RFC 3339 in UTC with milliseconds, as events carry their times.</summary>
    public static string Rfc3339(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Who asked, for the audit trail: the user name, <c>api-token</c>, or <c>anonymous</c> (loopback before the first account).</summary>
    public static string Actor(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.Name)?.Value is { Length: > 0 } name ? name : "anonymous";

    /// <summary>The first 16 hex digits of SHA-256 over kind and subject: names the person asked for without holding the id itself.</summary>
    public static string SubjectHash(string kind, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + subject)))[..16];

    /// <summary>An RFC 3339 time with a zone (or UTC assumed), or null with an error naming <paramref name="key"/>.</summary>
    public static DateTimeOffset? Time(string value, string key, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value.Length is > 0 and <= 64 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            return t;
        }

        errors.Add($"'{key}' must be an RFC 3339 time such as 2026-11-27T08:00:00Z.");
        return null;
    }

    private static string Clip(string text) => text.Length <= 512 ? text : text[..512];
}
