using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary>
/// The rows of <c>GET /api/kiosks</c>: the store's kiosk summaries, each with <c>stale</c> and a <c>health</c> object,
/// as UTF-8 JSON ordered by site and kiosk id. A kiosk online by its status but silent for three telemetry intervals
/// shows <c>stale</c> as its state; kiosks central knows only from telemetry are listed too.
/// <para>
/// Each row is serialised straight to UTF-8 (no document tree) and kept: a row whose summary and health are the same
/// as at the last call is not serialised again. With ten thousand kiosks, serialising every row cost more than reading
/// the summaries, and between two calls of a dashboard few kiosks change.
/// </para>
/// </summary>
public sealed class KioskList(IKioskSummaries store, KioskHealthStore health)
{
    private static readonly Comparer<(string Site, string Kiosk)> SiteKioskOrder = Comparer<(string Site, string Kiosk)>.Create(static (a, b) =>
    {
        var c = string.CompareOrdinal(a.Site, b.Site);
        return c != 0 ? c : string.CompareOrdinal(a.Kiosk, b.Kiosk);
    });

    private readonly Lock _lock = new();
    private Dictionary<(string, string), Row> _last = [];

    /// <summary>Every kiosk's row, ordered by site then kiosk id (ordinal).</summary>
    public async Task<IReadOnlyList<byte[]>> GetRowsAsync(CancellationToken cancellationToken)
    {
        var summaries = await store.GetKiosksAsync(cancellationToken);
        var healths = health.GetAll();
        lock (_lock)
        {
            var rows = new Dictionary<(string, string), Row>(summaries.Count + 16);
            var byKiosk = new Dictionary<(string, string), KioskHealth>(healths.Count);
            foreach (var (site, kiosk, h) in healths)
            {
                byKiosk[(site, kiosk)] = h;
            }

            foreach (var summary in summaries)
            {
                var key = (summary.SiteId, summary.KioskId);
                rows[key] = RowOf(key, summary, byKiosk.GetValueOrDefault(key));
            }

            // A kiosk central knows only from its health messages gets a summary of its status.
            foreach (var (site, kiosk, h) in healths)
            {
                if (!rows.ContainsKey((site, kiosk)))
                {
                    rows[(site, kiosk)] = RowOf((site, kiosk), new KioskSummary(site, kiosk, h.State, null, h.StatusReceivedAt, 0, 0, null, 0), h);
                }
            }

            _last = rows;
            var ordered = rows.Keys.ToArray();
            Array.Sort(ordered, SiteKioskOrder);
            return [.. ordered.Select(k => rows[k].Json)];
        }
    }

    /// <summary>The row of one kiosk: the one kept from the last call when nothing in it changed, else serialised anew.</summary>
    private Row RowOf((string, string) key, KioskSummary summary, KioskHealth? h)
    {
        var shown = h?.State == KioskHealthStates.Stale && summary.State == KioskStatus.Online ? summary with { State = KioskHealthStates.Stale } : summary;
        if (_last.TryGetValue(key, out var kept) && kept.Summary == shown && kept.Health == h)
        {
            return kept;
        }

        return new Row(shown, h, Serialise(shown, h));
    }

    /// <summary>The summary's own properties (it always has some), then "stale" and "health", as one JSON object.</summary>
    private static byte[] Serialise(KioskSummary summary, KioskHealth? h)
    {
        var own = JsonSerializer.SerializeToUtf8Bytes(summary, CentralJsonContext.Default.KioskSummary);
        var health = h is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(h, CentralJsonContext.Default.KioskHealth);
        var stale = h?.State == KioskHealthStates.Stale ? ",\"stale\":true,\"health\":"u8 : ",\"stale\":false,\"health\":"u8;
        var row = new byte[own.Length - 1 + stale.Length + health.Length + 1];
        own.AsSpan(0, own.Length - 1).CopyTo(row);
        stale.CopyTo(row.AsSpan(own.Length - 1));
        health.CopyTo(row.AsSpan(own.Length - 1 + stale.Length));
        row[^1] = (byte)'}';
        return row;
    }

    private readonly record struct Row(KioskSummary Summary, KioskHealth? Health, byte[] Json);
}
