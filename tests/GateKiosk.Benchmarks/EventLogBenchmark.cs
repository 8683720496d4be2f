using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using GateKiosk.Central;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Benchmarks;

/// <summary>
/// The event log page (<c>/events</c>) of a real central on a SQLite store loaded with N events (default 1,000,000; the
/// first argument lowers it) at 10 sites of 4 kiosks by 5,000 people over 30 days: the time each typical filter takes
/// to answer over loopback (p95 ≤ 100 ms), beside the same filters through <c>GET /api/events</c> (the peer: the same
/// store query without the page). Then who is on site now (<c>/presence</c>, an admin's page of all ten sites, the clock
/// set to the last day of the month at 14:00 local, the sites' staff of 5,000 people named): p95 ≤ 100 ms, beside the
/// store's reads of the same sites' day without the page and the event log page of the same run. Then an XLSX export of 100,000 events (time, managed heap peak above the idle heap,
/// process peak working set), beside the same export as CSV, and an export of 10,000 to show memory does not follow
/// rows.
/// </summary>
internal sealed partial class EventLogBenchmark : IBenchmark
{
    private const int Sites = 10;
    private const int KiosksPerSite = 4;
    private const int People = 5_000;
    private const int Days = 30;
    private const int Rounds = 20;
    private const double TargetP95Ms = 100;
    private const string Password = "benchmark-password";

    /// <summary>Day 0, local midnight in Asia/Ho_Chi_Minh.</summary>
    private static readonly DateTimeOffset Start = new(2026, 10, 31, 17, 0, 0, TimeSpan.Zero);

    public string Name => "event-log";

    public string Description => "the event log and presence pages (p95) on N events (default 1,000,000) of 5,000 people, and an XLSX export of 100,000, vs GET /api/events and the store's reads";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var verdict = new TargetVerdict();
        var folder = Path.Combine(Path.GetTempPath(), "gk-bench-eventlog-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(folder, "central");
        Directory.CreateDirectory(data);
        try
        {
            var path = Path.Combine(data, "central.db");
            new SqliteEventStore(path, TimeProvider.System).Dispose(); // creates the schema
            var load = Stopwatch.StartNew();
            var loaded = Load(path, events);
            await output.WriteLineAsync($"loaded {loaded:N0} events of {People:N0} people at {Sites} sites ({Sites * KiosksPerSite} kiosks) over {Days} days in {load.Elapsed.TotalSeconds:N0} s");

            // The clock stands on the last day of the month at 14:00 local, so "on site now" holds that day's morning.
            var now = Start.AddDays(Days - 1).AddHours(14);
            var port = Mosquitto.FreePort();
            await using var app = CentralApp.Build([], b =>
            {
                b.Services.AddSingleton<TimeProvider>(new FixedClock(now));
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Central:DataDirectory"] = data,
                    ["Central:Urls"] = $"http://127.0.0.1:{port}",
                    ["Central:Collect"] = "false",
                    ["Mqtt:Host"] = "127.0.0.1",
                    ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
                    ["Central:SignInAttemptsPerMinute"] = "1000",
                    ["Logging:LogLevel:Default"] = "Warning",
                });
            });
            await app.StartAsync();
            AddPeople(app.Services.GetRequiredService<SqlitePeopleStore>(), now);
            var siteStore = app.Services.GetRequiredService<GateKiosk.Central.Declarations.SqliteSiteStore>();
            for (var site = 0; site < Sites; site++)
            {
                siteStore.Add(new GateKiosk.Central.Declarations.Site(SiteId(site), "Site " + SiteId(site), "", "Asia/Ho_Chi_Minh", GateKiosk.Central.Declarations.DeclarationForm.Default), now);
            }
            var accounts = app.Services.GetRequiredService<AccountService>();
            accounts.Add("bench-admin", "Benchmark", Password, Roles.Admin, ["*"]);
            var token = accounts.CreateToken(accounts.Store.Find("bench-admin")!, "bench").Token;

            using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
            await SignInAsync(http);
            using var api = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            // The filters managers use: none (the newest), a site, a site's denials, a site's day, a person, a door's
            // expired passes, a week's denied entries, and the next page of a site.
            var day = Start.AddDays(Days / 2);
            var local = (DateTimeOffset t) => t.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);
            var utc = (DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var firstPage = await http.GetStringAsync("/events?site=s03");
            var cursor = NextCursor().Match(firstPage).Groups[1].Value;
            (string Name, string Page, string Api)[] filters =
            [
                ("newest", "", ""),
                ("site", "site=s03", "site=s03"),
                ("site + deny", "site=s03&decision=deny", "site=s03&decision=deny"),
                ("site + one day", $"site=s03&from={local(day)}&to={local(day.AddDays(1))}", $"site=s03&from={utc(day)}&to={utc(day.AddDays(1))}"),
                ("person", "subject=P001234", "subject=P001234"),
                ("door + reason", "site=s05&kiosk=k2&reason=expired", "site=s05&kiosk=k2&reason=expired"),
                ("week of denied entries", $"type=entry&decision=deny&from={local(day)}&to={local(day.AddDays(7))}", $"type=entry&decision=deny&from={utc(day)}&to={utc(day.AddDays(7))}"),
                ("site, next page", $"site=s03&cursor={cursor}", $"site=s03&cursor={cursor}"),
            ];

            foreach (var (_, page, query) in filters)
            {
                await TimeAsync(http, "/events?" + page); // warm-up: JIT and the first SQLite pages
                await TimeAsync(api, "/api/events?limit=50&" + query);
            }

            var all = new List<double>();
            var allPeer = new List<double>();
            foreach (var (name, page, query) in filters)
            {
                var times = new List<double>();
                var peer = new List<double>();
                for (var i = 0; i < Rounds; i++)
                {
                    times.Add(await TimeAsync(http, "/events?" + page));
                    peer.Add(await TimeAsync(api, "/api/events?limit=50&" + query));
                }

                all.AddRange(times);
                allPeer.AddRange(peer);
                await output.WriteLineAsync($"  {name,-24} page p95 {P95(times),6:N1} ms   GET /api/events p95 {P95(peer),6:N1} ms");
            }

            await output.WriteLineAsync($"event log page, {all.Count} requests over {filters.Length} filters: p95 {P95(all):N1} ms (median {P50(all):N1} ms); GET /api/events with the same filters: p95 {P95(allPeer):N1} ms; ratio {P95(all) / P95(allPeer):N1}×");
            verdict.Check($"event log page p95 ≤ {TargetP95Ms:N0} ms", P95(all) <= TargetP95Ms, $"{P95(all):N1} ms");

            // Presence: the admin's page of all ten sites, beside the store's reads of the same sites' day (the page's
            // query without naming, grouping and rendering) and the event log page above.
            var presencePage = await http.GetStringAsync("/presence");
            var onSite = OnSiteRow().Count(presencePage);
            var tracing = app.Services.GetRequiredService<ITracingQueries>();
            var presence = app.Services.GetRequiredService<PresenceService>();
            var siteIds = Enumerable.Range(0, Sites).Select(SiteId).ToList();
            var dayEvents = 0;
            async Task<double> ReadSitesAsync()
            {
                var watch = Stopwatch.StartNew();
                dayEvents = 0;
                foreach (var site in siteIds)
                {
                    dayEvents += (await tracing.GetSitePresenceAsync(site, presence.DayStart(site), now, PresenceService.MaxEvents)).Count;
                }

                return watch.Elapsed.TotalMilliseconds;
            }

            await TimeAsync(http, "/presence");
            await ReadSitesAsync();
            var presenceTimes = new List<double>();
            var presencePeer = new List<double>();
            for (var i = 0; i < Rounds * 2; i++)
            {
                presenceTimes.Add(await TimeAsync(http, "/presence"));
                presencePeer.Add(await ReadSitesAsync());
            }

            await output.WriteLineAsync($"presence page, {Sites} sites, {onSite:N0} people on site from {dayEvents:N0} events of the day, {presenceTimes.Count} requests: p95 {P95(presenceTimes):N1} ms (median {P50(presenceTimes):N1} ms); store reads of the same sites' day: p95 {P95(presencePeer):N1} ms; event log page of this run: p95 {P95(all):N1} ms");
            verdict.Check("presence page lists people on site", onSite > 0, $"{onSite:N0} people");
            verdict.Check($"presence page p95 ≤ {TargetP95Ms:N0} ms", P95(presenceTimes) <= TargetP95Ms, $"{P95(presenceTimes):N1} ms");

            // Exports: a window holding about 100,000 events (the store holds them evenly over the month).
            var span = TimeSpan.FromDays(Days) * Math.Min(1.0, 100_000.0 / Math.Max(1, loaded));
            var window = $"from={utc(Start)}&to={utc(Start + span)}";
            var audit = app.Services.GetRequiredService<IAuditLog>();
            var small = $"from={utc(Start)}&to={utc(Start + (span / 10))}";
            await ExportAsync(api, audit, "xlsx", small); // warm-up
            var xlsx10k = await ExportAsync(api, audit, "xlsx", small);
            var xlsx = await ExportAsync(api, audit, "xlsx", window);
            var csv = await ExportAsync(api, audit, "csv", window);
            await output.WriteLineAsync($"XLSX export of {xlsx.Rows:N0} events: {xlsx.Seconds:N1} s, {xlsx.Bytes / 1048576.0:N1} MiB; managed heap peak {xlsx.HeapPeakMiB:N0} MiB above idle; process peak working set {xlsx.PeakWorkingSetMiB:N0} MiB");
            await output.WriteLineAsync($"XLSX export of {xlsx10k.Rows:N0} events: {xlsx10k.Seconds:N1} s; managed heap peak {xlsx10k.HeapPeakMiB:N0} MiB above idle (memory does not follow rows: ×{xlsx.Rows / (double)Math.Max(1, xlsx10k.Rows):N0} rows, ×{xlsx.HeapPeakMiB / Math.Max(1, xlsx10k.HeapPeakMiB):N1} heap)");
            await output.WriteLineAsync($"peer: CSV export of the same {csv.Rows:N0} events: {csv.Seconds:N1} s, {csv.Bytes / 1048576.0:N1} MiB; managed heap peak {csv.HeapPeakMiB:N0} MiB above idle");
            verdict.Check("XLSX export of 100,000 events holds every row", xlsx.Rows >= Math.Min(100_000, loaded) * 0.9, $"{xlsx.Rows:N0} rows");
            verdict.Check("XLSX export managed heap peak ≤ 256 MiB above idle", xlsx.HeapPeakMiB <= 256, $"{xlsx.HeapPeakMiB:N0} MiB");
            await app.StopAsync();
            return await verdict.ReportAsync(output);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Signs in through the page's form (its anti-forgery token and cookie), leaving the session cookie in <paramref name="http"/>.</summary>
    private static async Task SignInAsync(HttpClient http)
    {
        var form = await http.GetStringAsync("/signin");
        var antiforgery = Antiforgery().Match(form).Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "bench-admin",
            ["password"] = Password,
            ["returnUrl"] = "/",
            ["__antiforgery"] = WebUtility.HtmlDecode(antiforgery),
        });
        using var response = await http.PostAsync("/signin", content);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in answered {(int)response.StatusCode}");
        }
    }

    private static async Task<double> TimeAsync(HttpClient http, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        var ms = watch.Elapsed.TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
        }

        return ms;
    }

    /// <summary>Downloads an export while sampling the managed heap every 5 ms; the rows are counted from the file's lines or from the audit record.</summary>
    private static async Task<(long Rows, double Seconds, long Bytes, double HeapPeakMiB, double PeakWorkingSetMiB)> ExportAsync(HttpClient api, IAuditLog audit, string format, string filter)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var idle = GC.GetTotalMemory(false);
        var peak = idle;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(5);
            }
        });
        var watch = Stopwatch.StartNew();
        using var response = await api.GetAsync($"/api/events/export?format={format}&{filter}", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long bytes = 0;
        long lines = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        var seconds = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        var rows = format == "csv" ? lines - 1 : await AuditedRowsAsync(audit);
        return (rows, seconds, bytes, (peak - idle) / 1048576.0, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
    }

    /// <summary>The row count the last export recorded in the audit trail.</summary>
    private static async Task<long> AuditedRowsAsync(IAuditLog audit)
    {
        var last = (await audit.GetAuditPageAsync(new AuditQuery(Action: "export-events", Limit: 1))).Entries.Single().Record;
        return long.Parse(AuditedRows().Match(last.Detail).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The 5,000 people the events name (badge numbers are the events' subjects), at their home site.</summary>
    private static void AddPeople(SqlitePeopleStore store, DateTimeOffset at)
    {
        string[] given = ["An", "Bình", "Châu", "Dũng", "Hà", "Khánh", "Lan", "Minh", "Nga", "Phúc"];
        string[] family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
        for (var person = 0; person < People; person++)
        {
            var badge = "P" + person.ToString("D6", CultureInfo.InvariantCulture);
            var name = $"{family[person % family.Length]} {given[(person / family.Length) % given.Length]} {person.ToString(CultureInfo.InvariantCulture)}";
            store.Save(new StaffMember(0, "NV" + badge, name, "", [SiteId(person % Sites)], [badge], ""), at);
        }
    }

    private static double P95(List<double> values) => Percentile(values, 0.95);

    private static double P50(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }

    private static string SiteId(int site) => "s" + site.ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the events straight into the table (ingest is measured elsewhere), oldest first and evenly over the month
    /// between 06:00 and 18:00 local time: a random person of 5,000 at their home site (one in ten elsewhere), one of
    /// its four kiosks, in or out; one in twenty denied (expired, revoked or outside-schedule); one in fifty with an RTC clock.
    /// </summary>
    private static long Load(string path, int events)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;";
            pragma.ExecuteNonQuery();
        }

        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            INSERT INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, decision, reason, subject, payload, hash, prev_hash, direction, credential_kind, time_source)
            VALUES ($id, $site, $kiosk, $seq, $at, $at, 'entry', $decision, $reason, $subject, $payload, '', '', $direction, 'badge', $clock)
            """;
        string[] names = ["$id", "$site", "$kiosk", "$seq", "$at", "$decision", "$reason", "$subject", "$payload", "$direction", "$clock"];
        var p = names.ToDictionary(n => n, n => cmd.Parameters.Add(n, n == "$payload" ? SqliteType.Blob : SqliteType.Text));
        string[] denials = ["expired", "revoked", "outside-schedule"];
        var random = new Random(42);
        var seqs = new long[Sites * KiosksPerSite];
        var step = TimeSpan.FromDays(Days).TotalMilliseconds / events;
        var tx = connection.BeginTransaction();
        cmd.Transaction = tx;
        for (var i = 0; i < events; i++)
        {
            var person = random.Next(People);
            var site = random.Next(10) == 0 ? random.Next(Sites) : person % Sites;
            var kiosk = random.Next(KiosksPerSite);
            var k = (site * KiosksPerSite) + kiosk;
            var dayOffset = i * step;
            var at = Start.AddMilliseconds(Math.Floor(dayOffset / 86_400_000) * 86_400_000).AddHours(6).AddMilliseconds(dayOffset % 86_400_000 / 2);
            var allow = random.Next(20) != 0;
            var reason = allow ? "valid" : denials[random.Next(denials.Length)];
            var clock = random.Next(50) == 0 ? "rtc" : "ntp";
            var direction = random.Next(2) == 0 ? "in" : "out";
            var (siteId, kioskId, subject) = (SiteId(site), "k" + kiosk.ToString(CultureInfo.InvariantCulture), "P" + person.ToString("D6", CultureInfo.InvariantCulture));
            p["$id"].Value = Guid.CreateVersion7(at).ToString();
            p["$site"].Value = siteId;
            p["$kiosk"].Value = kioskId;
            p["$seq"].Value = ++seqs[k];
            p["$at"].Value = at.ToUnixTimeMilliseconds();
            p["$decision"].Value = allow ? "allow" : "deny";
            p["$reason"].Value = reason;
            p["$subject"].Value = subject;
            p["$direction"].Value = direction;
            p["$clock"].Value = clock;
            var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            p["$payload"].Value = Encoding.UTF8.GetBytes(string.Create(
                CultureInfo.InvariantCulture,
                $"{{\"schemaVersion\":1,\"eventId\":\"{p["$id"].Value}\",\"kioskId\":\"{kioskId}\",\"siteId\":\"{siteId}\",\"seq\":{seqs[k]},\"occurredAt\":\"{time}\",\"timeSource\":\"{clock}\",\"type\":\"entry\",\"direction\":\"{direction}\",\"decision\":\"{(allow ? "allow" : "deny")}\",\"reason\":\"{reason}\",\"credential\":{{\"kind\":\"badge\",\"issuer\":\"allowlist\",\"subjectId\":\"{subject}\"}},\"latencyUs\":{random.Next(20_000, 90_000)}}}"));
            cmd.ExecuteNonQuery();
            if ((i + 1) % 100_000 == 0)
            {
                tx.Commit();
                tx.Dispose();
                tx = connection.BeginTransaction();
                cmd.Transaction = tx;
            }
        }

        tx.Commit();
        tx.Dispose();
        return events;
    }

    [GeneratedRegex("id=\"page-next\" href=\"[^\"]*cursor=([0-9]+)")]
    private static partial Regex NextCursor();

    [GeneratedRegex("<tr data-subject=")]
    private static partial Regex OnSiteRow();

    [GeneratedRegex("rows=([0-9]+)")]
    private static partial Regex AuditedRows();

    [GeneratedRegex("name=\"__antiforgery\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}

/// <summary>A clock that stands still at one instant (timers and timestamps still run).</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
