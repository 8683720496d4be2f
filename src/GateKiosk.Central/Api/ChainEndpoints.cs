using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Api;

/// <summary><c>GET /api/kiosks/{site}/{kiosk}/chain</c> (paged) and <c>GET /api/ingest</c> (the collector's counters).</summary>
internal static class ChainEndpoints
{
    /// <summary>Largest and default page of the chain report.</summary>
    public const int MaxLimit = 1000;

    /// <summary>One page of a kiosk's chain report: <c>limit</c> items per list at most, from after <c>cursor</c> (a seq).</summary>
    public static async Task<IResult> GetChain(string site, string kiosk, HttpContext context, IChainReports store)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        if (!Ids.IsValid(site) || !Ids.IsValid(kiosk))
        {
            return BadRequest("site and kiosk must be ids of [a-z0-9-].");
        }

        var q = context.Request.Query;
        var limit = MaxLimit;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            return BadRequest($"'limit' must be 1–{MaxLimit}.");
        }

        long after = 0;
        if (q["cursor"].ToString() is { Length: > 0 } c && (!long.TryParse(c, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            return BadRequest("'cursor' must be the nextCursor of a previous page.");
        }

        var page = await store.GetChainPageAsync(site, kiosk, limit, after, context.RequestAborted);
        return Results.Json(
            new ChainReport(site, kiosk, page.Gaps, page.Breaks, page.DeclaredLost, page.Unrecoverable, page.NextCursor?.ToString(CultureInfo.InvariantCulture)),
            CentralJsonContext.Default.ChainReport);
    }

    /// <summary>What the collector has done since start, and the messages rejected over the store's life.</summary>
    public static async Task<IResult> GetIngest(MqttEventCollector collector, IQuarantine store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(store);
        var (stored, duplicates, rejected) = collector.Counters;
        return Results.Json(new IngestCounters(collector.IsConnected, stored, duplicates, rejected, await store.GetRejectedTotalAsync(cancellationToken)), IngestJsonContext.Default.IngestCounters);
    }

    private static IResult BadRequest(string message) =>
        Results.Json(new ApiError("bad-request", message), CentralJsonContext.Default.ApiError, statusCode: 400);
}

/// <summary>
/// What central knows of one kiosk's sequence: the missing ranges (asked for again), the breaks of its hash chain, the
/// ranges the kiosk declared lost and those it answered it cannot send (neither asked for again). Paged by seq:
/// <c>NextCursor</c> is passed back as <c>cursor</c> for the next page, and is null on the last.
/// </summary>
public sealed record ChainReport(
    string SiteId,
    string KioskId,
    IReadOnlyList<SeqRange> Gaps,
    IReadOnlyList<ChainBreak> Breaks,
    IReadOnlyList<SeqRange> DeclaredLost,
    IReadOnlyList<SeqRange>? Unrecoverable = null,
    string? NextCursor = null);

/// <summary>Body of <c>GET /api/ingest</c>.</summary>
/// <param name="Connected">Whether the collector is connected to the broker.</param>
/// <param name="Stored">Events stored since start.</param>
/// <param name="Duplicates">Events received again since start (already stored).</param>
/// <param name="Rejected">Messages rejected since start (quarantined).</param>
/// <param name="RejectedTotal">Messages rejected over the store's life, all kiosks together.</param>
public sealed record IngestCounters(bool Connected, long Stored, long Duplicates, long Rejected, long RejectedTotal);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IngestCounters))]
internal sealed partial class IngestJsonContext : JsonSerializerContext
{
}
