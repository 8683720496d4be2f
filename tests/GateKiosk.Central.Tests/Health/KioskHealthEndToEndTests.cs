using System.Globalization;
using System.Net;
using System.Text.Json;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Central.Tests.Health;

/// <summary>Kiosk health through a real Mosquitto: <c>/healthz</c> as the broker and the store come and go, and a real kiosk's telemetry and command results.</summary>
public sealed class KioskHealthEndToEndTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-health-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static Dictionary<string, string?> Settings(int port) => new()
    {
        ["Mqtt:Host"] = "127.0.0.1",
        ["Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Mqtt:ReconnectMinDelay"] = "00:00:00.100",
        ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
        ["Mqtt:Timeout"] = "00:00:03",
        ["Logging:LogLevel:Default"] = "Critical",
    };

    [SkippableFact(Timeout = 120_000)]
    public async Task Healthz_BrokerStoppedDuringRun_Returns503_ConnectedAndWritable_Returns200()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), Settings(broker.Port));

        await WaitForHealthAsync(central, HttpStatusCode.OK, "ok", "connected", "writable");

        await broker.StopAsync();
        await WaitForHealthAsync(central, HttpStatusCode.ServiceUnavailable, "unavailable", "disconnected", "writable");

        await broker.StartAsync();
        await WaitForHealthAsync(central, HttpStatusCode.OK, "ok", "connected", "writable");
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Healthz_StoreLockedByAnotherWriter_Returns503UntilReleased()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        var data = Path.Combine(_folder, "central");
        await using var central = await RunningCentral.StartAsync(data, Settings(broker.Port));
        await WaitForHealthAsync(central, HttpStatusCode.OK, "ok", "connected", "writable");

        using (var other = new SqliteConnection($"Data Source={Path.Combine(data, "central.db")};Pooling=False"))
        {
            other.Open();
            using var hold = other.CreateCommand();
            hold.CommandText = "BEGIN IMMEDIATE;";
            hold.ExecuteNonQuery();

            await WaitForHealthAsync(central, HttpStatusCode.ServiceUnavailable, "unavailable", "connected", "not-writable");

            hold.CommandText = "ROLLBACK;";
            hold.ExecuteNonQuery();
        }

        await WaitForHealthAsync(central, HttpStatusCode.OK, "ok", "connected", "writable");
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task RealKiosk_TelemetryAndCommandResult_ReachApiKiosks_MalformedTelemetryCountedWithoutDisturbingEvents()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);

        // A journal whose events 5–10 a broker acknowledged and then lost: central asks for them and the kiosk answers on cmd/result.
        var kioskData = Path.Combine(_folder, "kiosk");
        using (var journal = new SqliteEntryJournal(Path.Combine(kioskData, "journal.db"), "site-1", "gate-1"))
        {
            for (var i = 0; i < 20; i++)
            {
                journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"e{i}" });
            }

            journal.MarkSent([5, 6, 7, 8, 9, 10]);
        }

        await using var broker = await Mosquitto.StartAsync();
        var settings = Settings(broker.Port);
        await using var central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>(settings)
        {
            ["Central:ResendCheckInterval"] = "00:00:01",
            ["Central:TelemetryInterval"] = "00:00:01",
        });

        // A client on the kiosk's telemetry topic that sends nothing valid, before and while the kiosk runs.
        using var hostile = new MqttClientFactory().CreateMqttClient();
        await hostile.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("hostile").Build());
        await Eventually.TrueAsync(() => central.Services.GetRequiredService<GateKiosk.Central.Collecting.MqttEventCollector>().IsSubscribed, TimeSpan.FromSeconds(20), "central subscribed");
        var malformed = HealthSamples.MalformedTelemetry("site-1", "gate-1", DateTimeOffset.UtcNow).ToList();
        foreach (var (_, payload) in malformed)
        {
            await hostile.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gatekiosk/v1/site-1/gate-1/telemetry").WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        using var kiosk = GateKiosk.Program.BuildKioskHost([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
            {
                ["Kiosk:SiteId"] = "site-1",
                ["Kiosk:KioskId"] = "gate-1",
                ["Kiosk:DataDirectory"] = kioskData,
                ["Gpio:Driver"] = "Simulated",
                ["Mqtt:TelemetryInterval"] = "00:00:01",
            });
            b.Services.Replace(ServiceDescriptor.Singleton<IScanSource>(new SimulatedScanSource("test", TimeProvider.System)));
        });
        await kiosk.StartAsync();
        var kioskJournal = kiosk.Services.GetRequiredService<IEntryJournal>();

        await Eventually.TrueAsync(
            async () => await GateAsync(central) is { } k
                && k.GetProperty("health") is { ValueKind: JsonValueKind.Object } h
                && h.GetProperty("telemetry").ValueKind == JsonValueKind.Object
                && h.GetProperty("lastCommandResult").ValueKind == JsonValueKind.Object
                && k.GetProperty("missing").GetInt64() == 0
                && k.GetProperty("lastSeq").GetInt64() >= 21,
            TimeSpan.FromSeconds(60),
            "the kiosk's telemetry and its answer to the resend reach /api/kiosks, and the gap is filled");
        foreach (var i in Enumerable.Range(0, 5))
        {
            await hostile.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gatekiosk/v1/site-1/gate-1/telemetry").WithPayload(malformed[i].Payload).Build());
            kioskJournal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UtcNow, TimeSource = TimeSources.Ntp, Detail = $"live{i}" });
        }

        var lastSeq = kioskJournal.GetStats().LastSeq;
        await Eventually.TrueAsync(
            async () => (await GateAsync(central))!.Value.GetProperty("events").GetInt64() == lastSeq,
            TimeSpan.FromSeconds(30),
            "every event the kiosk journaled is stored");
        await Eventually.TrueAsync(
            async () => MetricsText.Value(await central.Http.GetStringAsync("/metrics"), "gatekiosk_central_messages_malformed_total{topic=\"telemetry\"}") == malformed.Count + 5,
            TimeSpan.FromSeconds(30),
            "every malformed telemetry message is counted");

        var gate = (await GateAsync(central))!.Value;
        Assert.Equal(("online", false), (gate.GetProperty("state").GetString(), gate.GetProperty("stale").GetBoolean()));
        Assert.Equal(0, gate.GetProperty("missing").GetInt64());
        var health = gate.GetProperty("health");
        var telemetry = health.GetProperty("telemetry");
        Assert.Equal("gate-1", telemetry.GetProperty("kioskId").GetString());
        Assert.Contains(telemetry.GetProperty("clockSource").GetString(), new[] { "ntp", "rtc", "none" });
        Assert.True(telemetry.GetProperty("outbox").GetProperty("lastSeq").GetInt64() >= 21);
        Assert.Equal(0, telemetry.GetProperty("outbox").GetProperty("setAside").GetInt64());
        Assert.Equal(JsonValueKind.String, telemetry.GetProperty("scanner").GetProperty("source").ValueKind);
        Assert.Equal("normal", telemetry.GetProperty("journal").GetProperty("pressure").GetString());
        Assert.Equal("done", health.GetProperty("lastCommandResult").GetProperty("status").GetString());
        Assert.Equal(6, health.GetProperty("lastCommandResult").GetProperty("count").GetInt64());
        Assert.Equal(JsonValueKind.Object, health.GetProperty("config").ValueKind);
        Assert.Equal(JsonValueKind.String, health.GetProperty("onlineAt").ValueKind);
        Assert.True(gate.GetProperty("rejected").GetInt64() >= malformed.Count + 5);

        await kiosk.StopAsync();
        await Eventually.TrueAsync(async () => (await GateAsync(central))!.Value.GetProperty("state").GetString() == "offline", TimeSpan.FromSeconds(20), "offline after the kiosk stops");
        await central.StopAsync();
    }

    private static async Task<JsonElement?> GateAsync(RunningCentral central)
    {
        using var doc = JsonDocument.Parse(await central.Http.GetStringAsync("/api/kiosks"));
        foreach (var k in doc.RootElement.EnumerateArray())
        {
            if (k.GetProperty("kioskId").GetString() == "gate-1")
            {
                return k.Clone();
            }
        }

        return null;
    }

    private static async Task WaitForHealthAsync(RunningCentral central, HttpStatusCode code, string status, string collector, string store)
    {
        var last = "";
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    using var response = await central.Http.GetAsync("/healthz");
                    last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var body = doc.RootElement;
                    return response.StatusCode == code
                        && body.GetProperty("status").GetString() == status
                        && body.GetProperty("collector").GetString() == collector
                        && body.GetProperty("store").GetString() == store;
                },
                TimeSpan.FromSeconds(30),
                $"/healthz answers {(int)code} {status}/{collector}/{store}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last answer: {last}", ex);
        }
    }
}
