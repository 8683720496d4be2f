using System.Diagnostics;
using System.Globalization;
using GateKiosk.Central;
using GateKiosk.Central.Storage;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace GateKiosk.Benchmarks;

/// <summary>
/// A day of a large site in the SQLite store: 10,000,000 entries (one site, 400 kiosks, 100,000 people, most between
/// 06:00 and 22:00), then <c>GET /api/events</c> through a real central, filtered by site and an hour and by subject and
/// a day. Each is printed beside the same filter as one plain SELECT on the store file (the floor), in the same run.
/// Targets: p95 ≤ 50 ms for each. Also prints the store's size on disk per million events.
/// </summary>
internal sealed class LargeSiteDayBenchmark : IBenchmark
{
    private const double TargetP95Ms = 50;
    private const string Site = "large-site";
    private const int Kiosks = 400;

    /// <summary>Local midnight in Asia/Ho_Chi_Minh of the day loaded.</summary>
    private static readonly DateTimeOffset Day = new(2026, 11, 30, 17, 0, 0, TimeSpan.Zero);

    public string Name => "large-site-day";

    public string Description =>
        "SQLite store holding 10,000,000 events of one site's day: GET /api/events by site+hour and by subject+day (p95) vs a plain SELECT; [events] [samples]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var events = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
        var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var people = (int)Math.Clamp(events / 100, 100, 100_000);
        var verdict = new TargetVerdict();
        var folder = Path.Combine(Path.GetTempPath(), "gk-bench-day-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(folder, "central");
        Directory.CreateDirectory(data);
        try
        {
            var path = Path.Combine(data, "central.db");
            new SqliteEventStore(path, TimeProvider.System).Dispose(); // creates the schema
            var load = Stopwatch.StartNew();
            Load(path, events, people);
            var bytes = new FileInfo(path).Length;
            await output.WriteLineAsync(
                $"loaded {events:N0} events of {people:N0} people at {Kiosks} kiosks of one site in {load.Elapsed.TotalSeconds:N0} s; " +
                $"store {bytes / 1048576.0:N0} MiB on disk, {bytes / (events / 1e6) / 1048576.0:N0} MiB per million events (events, payloads and indexes)");

            var port = Mosquitto.FreePort();
            await using var app = CentralApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Central:DataDirectory"] = data,
                ["Central:Urls"] = $"http://127.0.0.1:{port}",
                ["Central:PersonalDataRetention"] = "3650.00:00:00", // the day loaded is kept whole while measured
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture), // no broker: reads need none
                ["Logging:LogLevel:Default"] = "Warning",
            }));
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            using var floor = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
            floor.Open();

            var random = new Random(11);
            for (var i = 0; i < 20; i++)
            {
                await ApiAsync(http, SiteHour(random)); // warm-up: JIT, connections, the first pages
            }

            var (api, plain, rows) = (new List<double>(), new List<double>(), 0L);
            for (var i = 0; i < samples; i++)
            {
                var (from, to) = HourOf(random);
                var (ms, count) = await ApiAsync(http, $"/api/events?site={Site}&from={Iso(from)}&to={Iso(to)}");
                api.Add(ms);
                rows += count;
                plain.Add(Select(floor, "site_id = $v", Site, from, to));
            }

            Report(output, verdict, "site and an hour", api, plain, rows, samples);

            (api, plain, rows) = ([], [], 0L);
            for (var i = 0; i < samples; i++)
            {
                var subject = Subject(random.Next(people));
                var (ms, count) = await ApiAsync(http, $"/api/events?subject={subject}&from={Iso(Day)}&to={Iso(Day.AddDays(1))}");
                api.Add(ms);
                rows += count;
                plain.Add(Select(floor, "subject = $v", subject, Day, Day.AddDays(1)));
            }

            Report(output, verdict, "subject and a day", api, plain, rows, samples);
            await app.StopAsync();
            await output.WriteLineAsync("PostgreSQL: not measured by this run");
            return await verdict.ReportAsync(output);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string SiteHour(Random random)
    {
        var (from, to) = HourOf(random);
        return $"/api/events?site={Site}&from={Iso(from)}&to={Iso(to)}";
    }

    private static (DateTimeOffset From, DateTimeOffset To) HourOf(Random random)
    {
        var from = Day.AddHours(random.Next(24));
        return (from, from.AddHours(1));
    }

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    private static string Subject(int person) => "P" + person.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>One call: its time from sending to the last byte of the answer, and the events it listed.</summary>
    private static async Task<(double Ms, int Events)> ApiAsync(HttpClient http, string url)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        watch.Stop();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(body);
        return (watch.Elapsed.TotalMilliseconds, json.RootElement.GetProperty("items").GetArrayLength());
    }

    /// <summary>The floor: the same filter and page size (100, newest first) as one SELECT of the payloads.</summary>
    private static double Select(SqliteConnection connection, string where, string value, DateTimeOffset from, DateTimeOffset to)
    {
        var watch = Stopwatch.StartNew();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT payload FROM events WHERE {where} AND occurred_at >= $from AND occurred_at < $to ORDER BY occurred_at DESC LIMIT 100";
        cmd.Parameters.AddWithValue("$v", value);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            _ = reader.GetFieldValue<byte[]>(0);
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static void Report(TextWriter output, TargetVerdict verdict, string filter, List<double> api, List<double> plain, long rows, int samples)
    {
        var (apiP95, plainP95) = (Percentile(api, 0.95), Percentile(plain, 0.95));
        output.WriteLine(
            $"GET /api/events by {filter}: p95 {apiP95:N1} ms (median {Percentile(api, 0.5):N1} ms, {rows / (double)samples:N0} events a page); " +
            $"plain SELECT of the same page: p95 {plainP95:N2} ms; ratio {apiP95 / Math.Max(plainP95, 0.001):N1}×");
        verdict.Check($"GET /api/events by {filter} p95 ≤ {TargetP95Ms:N0} ms", apiP95 <= TargetP95Ms, $"{apiP95:N1} ms");
    }

    /// <summary>
    /// The day: each person comes in through one of the site's kiosks at a time between 06:00 and 22:00 (one in fifty at
    /// night), and leaves 15 minutes to 10 hours later; one entry in twenty is denied. Events are written in time order.
    /// </summary>
    private static void Load(string path, long events, int people)
    {
        var random = new Random(42);
        var visits = new List<(DateTimeOffset At, int Person, string Direction, bool Allow)>();
        using var loader = new EventTableLoader(path);
        const int Chunk = 2_000_000;
        var minutes = 0;
        while (loader.Written < events)
        {
            // Generate a slice of the day's traffic, sort it, write it: time order without holding the whole day.
            visits.Clear();
            for (var i = 0; i < Chunk / 2 && loader.Written + visits.Count < events; i++)
            {
                var night = random.Next(50) == 0;
                var at = Day.AddMinutes(night ? random.Next(24 * 60) : (6 * 60) + random.Next(16 * 60)).AddMilliseconds(random.Next(60_000));
                var person = random.Next(people);
                var allow = random.Next(20) != 0;
                visits.Add((at, person, "in", allow));
                if (allow && loader.Written + visits.Count < events)
                {
                    visits.Add((at.AddMinutes(15 + random.Next(585)), person, "out", true));
                }
            }

            foreach (var v in visits.OrderBy(v => v.At))
            {
                var kiosk = "k" + ((v.Person + minutes) % Kiosks).ToString(CultureInfo.InvariantCulture);
                loader.Write(Site, kiosk, Subject(v.Person), v.At, v.Direction, v.Allow);
            }

            minutes++;
        }
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }
}
