using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Contracts;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Health;

/// <summary><c>GET /api/kiosks</c> and <c>/metrics</c> over HTTP against a running central with fake time and no broker.</summary>
public sealed class KioskHealthApiTests : IAsyncLifetime
{
    private const string Token = "test-token-0123456789abcdef";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-health-api-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact(Timeout = 60_000)]
    public async Task GetKiosks_NoTelemetryForThreeIntervals_ShowsStaleThoughStatusOnline()
    {
        await using var central = await StartAsync(token: null);
        var collector = central.Services.GetRequiredService<MqttEventCollector>();
        var now = _time.GetUtcNow();
        Ingest(collector, "status", HealthSamples.StatusBytes("site-1", "gate-1", KioskStatus.Online, now));
        Ingest(collector, "telemetry", HealthSamples.TelemetryBytes("site-1", "gate-1", now, unsent: 17));

        var fresh = await KioskAsync(central);
        Assert.Equal("online", fresh.GetProperty("state").GetString());
        Assert.False(fresh.GetProperty("stale").GetBoolean());
        var telemetry = fresh.GetProperty("health").GetProperty("telemetry");
        Assert.Equal(17, telemetry.GetProperty("outbox").GetProperty("unsent").GetInt64());
        Assert.Equal(4.5, telemetry.GetProperty("outbox").GetProperty("oldestUnsentAgeSeconds").GetDouble());
        Assert.Equal(1, telemetry.GetProperty("outbox").GetProperty("setAside").GetInt64());
        Assert.Equal("ntp", telemetry.GetProperty("clockSource").GetString());
        Assert.True(telemetry.GetProperty("scanner").GetProperty("connected").GetBoolean());
        Assert.Equal("closed", telemetry.GetProperty("door").GetString());
        Assert.Equal(51.5, telemetry.GetProperty("cpuTemperatureC").GetDouble());
        Assert.Equal("normal", telemetry.GetProperty("journal").GetProperty("pressure").GetString());
        Assert.Equal("Simulated", fresh.GetProperty("health").GetProperty("config").GetProperty("Gpio:Driver").GetString());
        Assert.Equal(now, fresh.GetProperty("health").GetProperty("onlineAt").GetDateTimeOffset());

        _time.Advance((3 * new CentralOptions().TelemetryInterval) + TimeSpan.FromSeconds(1));

        var silent = await KioskAsync(central);
        Assert.Equal("stale", silent.GetProperty("state").GetString());
        Assert.True(silent.GetProperty("stale").GetBoolean());
        Assert.Equal("stale", silent.GetProperty("health").GetProperty("state").GetString());
        Assert.Equal(17, silent.GetProperty("health").GetProperty("telemetry").GetProperty("outbox").GetProperty("unsent").GetInt64());

        Ingest(collector, "telemetry", HealthSamples.TelemetryBytes("site-1", "gate-1", _time.GetUtcNow(), unsent: 0));
        Assert.False((await KioskAsync(central)).GetProperty("stale").GetBoolean());
    }

    [Fact(Timeout = 60_000)]
    public async Task Metrics_WithoutToken_Returns401_WithToken_NamedSeries()
    {
        await using var central = await StartAsync(Token);
        var collector = central.Services.GetRequiredService<MqttEventCollector>();
        Ingest(collector, "status", HealthSamples.StatusBytes("site-1", "gate-1", KioskStatus.Online, _time.GetUtcNow()));
        Ingest(collector, "status", HealthSamples.StatusBytes("site-1", "gate-2", KioskStatus.Offline, _time.GetUtcNow()));
        Ingest(collector, "telemetry", "{}"u8.ToArray());

        using var anonymous = await central.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token + "x") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await central.Http.SendAsync(wrong)).StatusCode);
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/kiosks") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        Assert.Equal(HttpStatusCode.OK, (await central.Http.SendAsync(api)).StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        using var response = await central.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(0, MetricsText.Value(text, "gatekiosk_central_events_stored_total"));
        Assert.Contains("# TYPE gatekiosk_central_events_stored_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE gatekiosk_central_store_batch_seconds histogram", text, StringComparison.Ordinal);
        Assert.Equal(0, MetricsText.Value(text, "gatekiosk_central_mqtt_connected"));
        Assert.Equal(1, MetricsText.Value(text, "gatekiosk_central_kiosks{state=\"online\"}"));
        Assert.Equal(1, MetricsText.Value(text, "gatekiosk_central_kiosks{state=\"offline\"}"));
        Assert.Equal(0, MetricsText.Value(text, "gatekiosk_central_kiosks{state=\"stale\"}"));
        Assert.Equal(1, MetricsText.Value(text, "gatekiosk_central_messages_malformed_total{topic=\"telemetry\"}"));

        // The API latency of a request is observed as its response completes: the scrape after it shows it.
        await Eventually.TrueAsync(
            async () => (await ScrapeAsync(central)).Contains("gatekiosk_central_http_request_seconds_count{route=\"/api/kiosks\",method=\"GET\",code=\"200\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the /api/kiosks request is in the API latency histogram");

        _time.Advance((3 * new CentralOptions().TelemetryInterval) + TimeSpan.FromSeconds(1));
        var later = await ScrapeAsync(central);
        Assert.Equal(1, MetricsText.Value(later, "gatekiosk_central_kiosks{state=\"stale\"}"));
        Assert.Equal(0, MetricsText.Value(later, "gatekiosk_central_kiosks{state=\"online\"}"));
    }

    private static async Task<string> ScrapeAsync(RunningCentral central)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        using var response = await central.Http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static void Ingest(MqttEventCollector collector, string leaf, byte[] payload)
    {
        var site = "site-1";
        var kiosk = leaf == "status" ? JsonDocument.Parse(payload).RootElement.GetProperty("kioskId").GetString()! : "gate-1";
        collector.Ingest($"gatekiosk/v1/{site}/{kiosk}/{leaf}", new ReadOnlySequence<byte>(payload));
    }

    private static async Task<JsonElement> KioskAsync(RunningCentral central)
    {
        using var doc = JsonDocument.Parse(await central.Http.GetStringAsync("/api/kiosks"));
        return doc.RootElement.EnumerateArray().Single(k => k.GetProperty("kioskId").GetString() == "gate-1").Clone();
    }

    private Task<RunningCentral> StartAsync(string? token) => RunningCentral.StartAsync(
        Path.Combine(_folder, "central"),
        new Dictionary<string, string?>
        {
            ["Central:ApiToken"] = token ?? "",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
        },
        b => b.Services.AddSingleton<TimeProvider>(_time));
}
