using System.Text;
using System.Text.Json;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Health;

/// <summary>The rows of <c>GET /api/kiosks</c>: kept between calls while a kiosk's summary and health stay the same, made anew when either changes.</summary>
public sealed class KioskListTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-kiosklist-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _store;
    private readonly KioskHealthStore _health;
    private readonly KioskList _list;

    public KioskListTests()
    {
        _store = new SqliteEventStore(Path.Combine(_folder, "events.db"), _time);
        _health = new KioskHealthStore(Path.Combine(_folder, "central.db"), _time, TimeSpan.FromSeconds(30));
        _list = new KioskList(_store, _health);
    }

    public void Dispose()
    {
        _health.Dispose();
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task GetRows_NothingChanged_SameRowsAgain_OneKioskChanged_OnlyItsRowMadeAnew()
    {
        var now = _time.GetUtcNow();
        foreach (var kiosk in new[] { "gate-b", "gate-a", "gate-c" })
        {
            await SetStatusAsync(kiosk, now);
            _health.SetTelemetry(HealthSamples.Telemetry("site-1", kiosk, now, unsent: 5));
        }

        var first = await _list.GetRowsAsync(CancellationToken.None);
        var again = await _list.GetRowsAsync(CancellationToken.None);

        Assert.Equal(["gate-a", "gate-b", "gate-c"], first.Select(r => Field(r, "kioskId")));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Same(first[i], again[i]));

        _health.SetTelemetry(HealthSamples.Telemetry("site-1", "gate-b", now, unsent: 9));
        var changed = await _list.GetRowsAsync(CancellationToken.None);

        Assert.Same(first[0], changed[0]);
        Assert.NotSame(first[1], changed[1]);
        Assert.Same(first[2], changed[2]);
        using (var row = JsonDocument.Parse(changed[1]))
        {
            Assert.Equal(9, row.RootElement.GetProperty("health").GetProperty("telemetry").GetProperty("outbox").GetProperty("unsent").GetInt64());
        }
    }

    [Fact]
    public async Task GetRows_TelemetryStopsForThreeIntervals_RowShowsStaleWithoutAnyWrite()
    {
        var now = _time.GetUtcNow();
        await SetStatusAsync("gate-a", now);
        _health.SetTelemetry(HealthSamples.Telemetry("site-1", "gate-a", now));
        Assert.Equal("online", Field(Assert.Single(await _list.GetRowsAsync(CancellationToken.None)), "state"));

        _time.Advance(TimeSpan.FromSeconds(91));

        var row = Assert.Single(await _list.GetRowsAsync(CancellationToken.None));
        Assert.Equal("stale", Field(row, "state"));
        Assert.Contains("\"stale\":true", Encoding.UTF8.GetString(row), StringComparison.Ordinal);
    }

    /// <summary>A retained status as the collector records it: in the store and in the health store.</summary>
    private async Task SetStatusAsync(string kiosk, DateTimeOffset at)
    {
        var status = new KioskStatus(KioskStatus.Online, kiosk, "site-1", "1.2.3", at);
        await _store.SetStatusAsync(status);
        _health.SetStatus(status);
    }

    private static string? Field(byte[] row, string name)
    {
        using var doc = JsonDocument.Parse(row);
        return doc.RootElement.GetProperty(name).GetString();
    }
}
