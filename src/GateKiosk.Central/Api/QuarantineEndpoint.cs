using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Api;

/// <summary>
/// <c>GET /api/quarantine</c>: the newest messages central set aside as not valid messages of their kiosk, for an admin
/// to inspect. Each carries its first bytes (which may hold what a kiosk or an attacker sent), so only admins may read it.
/// </summary>
internal static class QuarantineEndpoint
{
    /// <summary>Largest and default number of messages returned.</summary>
    public const int MaxLimit = 500;

    public static async Task<IResult> GetAsync(HttpContext context, IQuarantine store)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        var limit = 100;
        if (context.Request.Query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            return Results.Json(new ApiError("bad-request", $"'limit' must be 1–{MaxLimit}."), CentralJsonContext.Default.ApiError, statusCode: 400);
        }

        var newest = await store.GetQuarantineAsync(limit, context.RequestAborted);
        var total = await store.GetRejectedTotalAsync(context.RequestAborted);
        var items = newest.Select(m => new QuarantineItem(m.ReceivedAt, m.Topic, m.SiteId, m.KioskId, m.Reason, m.Size, m.Sha256, Convert.ToBase64String(m.Prefix))).ToList();
        return Results.Json(new QuarantinePage(total, items), QuarantineJsonContext.Default.QuarantinePage);
    }
}

/// <summary>Body of <c>GET /api/quarantine</c>: the messages rejected over the store's life, and the newest of those still kept.</summary>
public sealed record QuarantinePage(long RejectedTotal, IReadOnlyList<QuarantineItem> Items);

/// <summary>One quarantined message; <paramref name="PrefixBase64"/> is its first bytes (at most 1 KiB), base64.</summary>
public sealed record QuarantineItem(DateTimeOffset ReceivedAt, string Topic, string? SiteId, string? KioskId, string Reason, long Size, string Sha256, string PrefixBase64);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(QuarantinePage))]
internal sealed partial class QuarantineJsonContext : JsonSerializerContext
{
}
