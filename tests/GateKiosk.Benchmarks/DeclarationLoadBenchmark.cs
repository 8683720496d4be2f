using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using GateKiosk.Central;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Passes;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Health declarations against a real central (Kestrel on loopback, SQLite store): by default 1,000 submitted at an even
/// pace over one minute, each a different made-up person, with latency measured per request. The peer is the same route
/// for a site that does not exist (routing, rate limiter and JSON error, but no signing and no writes), paced the same.
/// Prints p50/p99 and the store's growth per declaration; exits non-zero when a target is missed.
/// </summary>
internal sealed class DeclarationLoadBenchmark : IBenchmark
{
    private const double TargetP99Ms = 500;
    private const long TargetBytesPerDeclaration = 16 * 1024;

    private static readonly string[] Names = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Đức", "Vũ Thị Hạnh", "Đặng Quốc Huy", "Bùi Thị Lan"];

    public string Name => "declarations";

    public string Description => "POST /api/public/declarations/{site} p50/p99 at 1,000 per minute against a real central and the store's growth, vs the same route for an unknown site";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        // Usage: declarations [count, default 1000] [seconds, default 60]; e.g. "declarations 100 6" is a quick check at the same pace.
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 60;
        var window = TimeSpan.FromSeconds(seconds);
        var verdict = new TargetVerdict();
        var folder = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-declarations");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var data = Path.Combine(folder, "central");
        new IssuerKeyStore(data).Create(KeyAlgorithm.ES256);
        var port = Mosquitto.FreePort();
        await using var app = CentralApp.Build([], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Central:DataDirectory"] = data,
            ["Central:Urls"] = $"http://127.0.0.1:{port}",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture), // no broker: declarations need none
            ["Declarations:SubmissionsPerMinute"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
        }));
        await app.StartAsync();
        var sites = app.Services.GetRequiredService<DeclarationService>().Sites;
        sites.Add(new Site("bench-site", "Công ty Đo tải", "Bắc Ninh", Site.DefaultTimeZone, DeclarationForm.Default), DateTimeOffset.UtcNow);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await output.WriteLineAsync($"folder: {folder}; {count} declarations over {seconds:F0} s ({window.TotalMilliseconds / count:F1} ms apart)");

        // Warm-up: JIT, connections, the first SQLite pages.
        await PacedAsync(http, "bench-site", 30, TimeSpan.FromSeconds(1), seed: 1_000_000);
        var before = StoreBytes(data);
        var started = Stopwatch.GetTimestamp();
        var declared = await PacedAsync(http, "bench-site", count, window, seed: 0);
        var took = Stopwatch.GetElapsedTime(started);
        var after = StoreBytes(data);
        var peerCount = Math.Max(50, count / 5);
        var peer = await PacedAsync(http, "no-such-site", peerCount, window * peerCount / count, seed: 2_000_000);
        await app.StopAsync();

        var ok = declared.Count(r => r.Status == HttpStatusCode.OK);
        var ms = declared.Where(r => r.Status == HttpStatusCode.OK).Select(r => r.Ms).Order().ToArray();
        var peerMs = peer.Select(r => r.Ms).Order().ToArray();
        var growth = after - before;
        await output.WriteLineAsync($"declarations: {ok}/{count} answered 200 in {took.TotalSeconds:F1} s; p50 {Percentile(ms, 0.50):F1} ms, p99 {Percentile(ms, 0.99):F1} ms, max {(ms.Length > 0 ? ms[^1] : double.NaN):F1} ms");
        await output.WriteLineAsync($"peer (unknown site, 404): {peer.Count(r => r.Status == HttpStatusCode.NotFound)}/{peerCount}; p50 {Percentile(peerMs, 0.50):F1} ms, p99 {Percentile(peerMs, 0.99):F1} ms");
        await output.WriteLineAsync($"p99 ratio declaration / peer: {Percentile(ms, 0.99) / Percentile(peerMs, 0.99):F1}×");
        await output.WriteLineAsync($"store: central.db grew (WAL checkpointed) {growth / 1024.0:F0} KiB, {(count > 0 ? growth / count : 0)} bytes per declaration (answers, the web check-in event and their indexes)");

        verdict.Check($"all {count} declarations answered 200", ok == count, $"{ok} of {count}");
        verdict.Check($"{count} declarations answered within {seconds + 1:F0} s", took <= window + TimeSpan.FromSeconds(1), $"{took.TotalSeconds:F1} s");
        verdict.Check($"declaration p99 ≤ {TargetP99Ms:F0} ms", ms.Length > 0 && Percentile(ms, 0.99) <= TargetP99Ms, $"{Percentile(ms, 0.99):F1} ms");
        verdict.Check($"store growth ≤ {TargetBytesPerDeclaration / 1024} KiB per declaration", count > 0 && growth / count <= TargetBytesPerDeclaration, $"{(count > 0 ? growth / count : 0)} bytes");
        return await verdict.ReportAsync(output);
    }

    /// <summary>Sends <paramref name="count"/> declarations evenly over <paramref name="window"/>, each at its time whether or not earlier ones were answered.</summary>
    private static async Task<List<(HttpStatusCode Status, double Ms)>> PacedAsync(HttpClient http, string site, int count, TimeSpan window, int seed)
    {
        var tasks = new List<Task<(HttpStatusCode, double)>>(count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = window * i / count;
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            tasks.Add(SendAsync(http, site, seed + i));
        }

        return [.. await Task.WhenAll(tasks)];
    }

    private static async Task<(HttpStatusCode, double)> SendAsync(HttpClient http, string site, int person)
    {
        var body = new Dictionary<string, object?>
        {
            ["fullName"] = Names[person % Names.Length],
            ["idNumber"] = "0010" + person.ToString("D8", CultureInfo.InvariantCulture),
            ["birthYear"] = 1950 + (person % 55),
            ["sex"] = person % 2 == 0 ? "male" : "female",
            ["category"] = "visitor",
            ["symptoms"] = person % 10 == 0 ? new[] { "cough" } : Array.Empty<string>(),
            ["contact"] = false,
            ["travel"] = "",
        };
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.PostAsJsonAsync($"/api/public/declarations/{site}", body);
            await response.Content.ReadAsByteArrayAsync();
            return (response.StatusCode, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }
        catch (HttpRequestException)
        {
            return (0, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }
        catch (TaskCanceledException)
        {
            return (HttpStatusCode.RequestTimeout, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }
    }

    /// <summary>The database file's size once the WAL is checkpointed into it (the WAL's own size says how often it was checkpointed, not what is kept).</summary>
    private static long StoreBytes(string data)
    {
        var path = Path.Combine(data, "central.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA busy_timeout=10000; PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
        }

        return new FileInfo(path).Length;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
