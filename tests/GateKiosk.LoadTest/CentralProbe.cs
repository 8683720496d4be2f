using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace GateKiosk.LoadTest;

/// <summary>What <c>GET /api/kiosks</c> says of this run's kiosks, and how long the call took.</summary>
internal sealed record KiosksSnapshot(int Kiosks, int Online, long Events, long Missing, long ChainBreaks, TimeSpan Elapsed);

/// <summary>Reads central's store through its HTTP API, as a manager's dashboard would.</summary>
internal sealed class CentralProbe : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _sitePrefix;
    private readonly TimeProvider _time;

    public CentralProbe(Uri central, string? token, string sitePrefix, TimeProvider time)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = central,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        _sitePrefix = sitePrefix;
        _time = time;
    }

    /// <summary>Sums the per-kiosk summaries of this run's sites.</summary>
    public async Task<KiosksSnapshot> GetKiosksAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var response = await _http.GetAsync(new Uri("/api/kiosks", UriKind.Relative), HttpCompletionOption.ResponseContentRead, cancellationToken);
        var elapsed = _time.GetElapsedTime(started);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var rows = doc.RootElement.ValueKind == JsonValueKind.Array
            ? doc.RootElement
            : doc.RootElement.GetProperty("items");
        int kiosks = 0, online = 0;
        long events = 0, missing = 0, breaks = 0;
        foreach (var row in rows.EnumerateArray())
        {
            if (!(Text(row, "siteId")?.StartsWith(_sitePrefix, StringComparison.Ordinal) ?? false))
            {
                continue;
            }

            if (!row.TryGetProperty("events", out _))
            {
                // A renamed field would otherwise read as nothing stored, and the run would wait out its cap.
                throw new InvalidOperationException("GET /api/kiosks returned a kiosk without an 'events' count; the load test reads that field.");
            }

            kiosks++;
            online += Text(row, "state") == "online" ? 1 : 0;
            events += Number(row, "events");
            missing += Number(row, "missing");
            breaks += Number(row, "chainBreaks");
        }

        return new KiosksSnapshot(kiosks, online, events, missing, breaks, elapsed);
    }

    /// <summary>True when <c>GET /api/events</c>, filtered by the event's site, kiosk and millisecond, returns it.</summary>
    public async Task<bool> IsVisibleAsync(string site, string kiosk, Guid eventId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        var from = occurredAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var to = occurredAt.AddMilliseconds(1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var uri = new Uri($"/api/events?site={site}&kiosk={kiosk}&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}&limit=1000", UriKind.Relative);
        using var response = await _http.GetAsync(uri, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            if (item.TryGetProperty("eventId", out var id) && id.TryGetGuid(out var g) && g == eventId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Resident memory of a process (<c>VmRSS</c> in /proc/PID/status), in bytes; null when unreadable.</summary>
    public static long? ResidentBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    public void Dispose() => _http.Dispose();

    private static string? Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Number(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
}

/// <summary>Percentiles of a list of durations (nearest rank).</summary>
internal static class Percentile
{
    public static TimeSpan Of(IReadOnlyList<TimeSpan> values, double p)
    {
        if (values.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(double perSecond) => perSecond.ToString("#,0", CultureInfo.InvariantCulture) + "/s";
}
