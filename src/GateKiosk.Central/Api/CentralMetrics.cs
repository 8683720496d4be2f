using GateKiosk.Central.Storage;
using Prometheus;

namespace GateKiosk.Central.Api;

/// <summary>
/// Central's Prometheus series, in a registry of its own (one per central, so two in one process never mix):
/// events stored, store batch latency, malformed messages by topic kind, API latency by route, and, computed at each
/// scrape, the collector's broker connection and how many kiosks are online, stale and offline.
/// </summary>
public sealed class CentralMetrics
{
    /// <summary>The HTTP methods named in the API latency series; any other is counted as <c>other</c>.</summary>
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"];

    /// <summary>The topic kinds named in the malformed series; a message on any other topic is counted as <c>other</c>.</summary>
    private static readonly string[] TopicKinds = ["events", "status", "telemetry", "cmd-result", "other"];

    private readonly Counter _eventsStored;
    private readonly Histogram _storeBatch;
    private readonly Histogram _api;
    private readonly Gauge _mqttConnected;
    private readonly Gauge _kiosks;
    private readonly Counter _malformed;

    public CentralMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _eventsStored = factory.CreateCounter("gatekiosk_central_events_stored_total", "Events stored (duplicates not counted); its rate is the ingest rate.");
        _storeBatch = factory.CreateHistogram("gatekiosk_central_store_batch_seconds", "Time the collector waited for the store to take one events message (a single event or a batch).", new HistogramConfiguration
        {
            Buckets = Histogram.ExponentialBuckets(0.0001, 2, 16),
        });
        _api = factory.CreateHistogram("gatekiosk_central_http_request_seconds", "Time to answer an HTTP request, by route pattern, method and status code.", new HistogramConfiguration
        {
            LabelNames = ["route", "method", "code"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14),
        });
        _mqttConnected = factory.CreateGauge("gatekiosk_central_mqtt_connected", "1 while the collector is connected to the broker, else 0.");
        _kiosks = factory.CreateGauge("gatekiosk_central_kiosks", "Kiosks by state: online, stale (online by status, no telemetry for three intervals), offline, unknown.", "state");
        _malformed = factory.CreateCounter("gatekiosk_central_messages_malformed_total", "Messages set aside as not valid for the contract, by topic kind (events, status, telemetry, cmd-result, other).", "topic");
        foreach (var kind in TopicKinds)
        {
            _malformed.WithLabels(kind); // every kind is shown from the start, at 0
        }
    }

    internal CollectorRegistry Registry { get; }

    /// <summary>Counts events newly stored and how long the store took for their message.</summary>
    public void StoreBatch(int added, TimeSpan elapsed)
    {
        _eventsStored.Inc(added);
        _storeBatch.Observe(elapsed.TotalSeconds);
    }

    /// <summary>Counts one malformed message on a kiosk topic whose last part is <paramref name="leaf"/> (null: not a kiosk topic).</summary>
    public void Malformed(string? leaf) => _malformed.WithLabels(leaf switch
    {
        "events" or "status" or "telemetry" => leaf,
        "cmd/result" => "cmd-result",
        _ => "other",
    }).Inc();

    internal void ApiRequest(string route, string method, int code, TimeSpan elapsed) =>
        _api.WithLabels(route, Array.IndexOf(Methods, method) >= 0 ? method : "other", code.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Observe(elapsed.TotalSeconds);

    /// <summary>Sets the gauges that are read at scrape time from the collector and the health store.</summary>
    internal void ObserveAtScrape(Func<bool> connected, KioskHealthStore health) => Registry.AddBeforeCollectCallback(() =>
    {
        _mqttConnected.Set(connected() ? 1 : 0);
        foreach (var (state, count) in health.CountByState())
        {
            _kiosks.WithLabels(state).Set(count);
        }
    });

    /// <summary>Writes every series in the Prometheus text format.</summary>
    internal Task WriteAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);
}
