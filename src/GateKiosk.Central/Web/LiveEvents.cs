using System.Text.Json;
using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Web;

/// <summary>One row of the live table; <see cref="Subject"/> is null for roles that may not see personal fields.</summary>
/// <param name="TimeSource">How far the kiosk's clock was trusted: <c>ntp</c>, <c>rtc</c> or <c>none</c>.</param>
public sealed record EventRow(
    string EventId, DateTimeOffset OccurredAt, string SiteId, string KioskId, long Seq, string Type, string? Decision, string? Reason, string? CredentialKind, string? Subject, double? LatencyMs,
    string? TimeSource = null, string? Direction = null);

/// <summary>The latest events as rows of the live table, read from the store's published payloads.</summary>
public static class LiveEvents
{
    public const int Count = 50;

    public static async Task<IReadOnlyList<EventRow>> LatestAsync(IEventQueries store, bool withPersonalFields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var page = await store.GetEventsAsync(new EventQuery(Limit: Count), cancellationToken);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            page.WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.ToArray());
        var rows = new List<EventRow>();
        foreach (var e in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            rows.Add(ToRow(e, withPersonalFields));
        }

        return rows;
    }

    /// <summary>One published event as a row; the subject only when <paramref name="withPersonalFields"/>.</summary>
    public static EventRow ToRow(JsonElement e, bool withPersonalFields)
    {
        static string? Text(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        var credential = e.TryGetProperty("credential", out var c) ? c : default;
        return new EventRow(
            Text(e, "eventId") ?? "",
            e.TryGetProperty("occurredAt", out var at) && at.TryGetDateTimeOffset(out var t) ? t : default,
            Text(e, "siteId") ?? "",
            Text(e, "kioskId") ?? "",
            e.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var s) ? s : 0,
            Text(e, "type") ?? "",
            Text(e, "decision"),
            Text(e, "reason") ?? Text(e, "detail"),
            Text(credential, "kind"),
            withPersonalFields ? Text(credential, "subjectId") : null,
            e.TryGetProperty("latencyUs", out var l) && l.TryGetInt64(out var us) ? us / 1000.0 : null,
            Text(e, "timeSource"),
            Text(e, "direction"));
    }
}
