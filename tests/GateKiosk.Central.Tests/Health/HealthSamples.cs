using System.Text.Json;
using System.Text.Json.Nodes;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Tests.Health;

/// <summary>Telemetry, statuses and command results as a kiosk publishes them, and ways to break them.</summary>
internal static class HealthSamples
{
    public static KioskTelemetry Telemetry(string site, string kiosk, DateTimeOffset at, long unsent = 3) => new(
        kiosk,
        site,
        at,
        UptimeSeconds: 120,
        TimeSources.Ntp,
        new OutboxTelemetry(unsent, OldestUnsentAgeSeconds: 4.5, SetAside: 1, LastSeq: 42, SizeBytes: 65536),
        "closed",
        CpuTemperatureC: 51.5,
        new ScannerTelemetry("stdin", Connected: true, at, Reads: 10, DecodeFailures: 1, Disconnects: 0),
        new JournalTelemetry(UsedBytes: 65536, MaxBytes: 1 << 30, JournalTelemetry.Normal));

    public static byte[] TelemetryBytes(string site, string kiosk, DateTimeOffset at, long unsent = 3) =>
        JsonSerializer.SerializeToUtf8Bytes(Telemetry(site, kiosk, at, unsent), ContractsJsonContext.Default.KioskTelemetry);

    public static byte[] StatusBytes(string site, string kiosk, string state, DateTimeOffset at) => JsonSerializer.SerializeToUtf8Bytes(
        new KioskStatus(state, kiosk, site, "1.2.3", at, new Dictionary<string, string> { ["Scanner:Source"] = "stdin", ["Gpio:Driver"] = "Simulated" }),
        ContractsJsonContext.Default.KioskStatus);

    /// <summary>Telemetry that breaks the contract one way each (name, payload).</summary>
    public static IEnumerable<(string Kind, byte[] Payload)> MalformedTelemetry(string site, string kiosk, DateTimeOffset at)
    {
        JsonObject Valid() => JsonNode.Parse(TelemetryBytes(site, kiosk, at))!.AsObject();
        byte[] With(Action<JsonObject> change)
        {
            var node = Valid();
            change(node);
            return System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        }

        yield return ("not JSON", "{\"kioskId\":"u8.ToArray());
        yield return ("JSON null", "null"u8.ToArray());
        yield return ("an array", "[1,2,3]"u8.ToArray());
        yield return ("not UTF-8", [0x7b, 0xff, 0xfe, 0x7d]);
        yield return ("over 16 KiB", With(n => n["padding"] = new string('x', ContractLimits.MaxControlBytes)));
        yield return ("another kiosk's id", With(n => n["kioskId"] = "gate-2"));
        yield return ("kioskId not an id", With(n => n["kioskId"] = "GATE/1"));
        yield return ("no at", With(n => n.Remove("at")));
        yield return ("negative uptime", With(n => n["uptimeSeconds"] = -1));
        yield return ("unknown clock source", With(n => n["clockSource"] = "sundial"));
        yield return ("no outbox", With(n => n.Remove("outbox")));
        yield return ("negative unsent", With(n => n["outbox"]!["unsent"] = -5));
        yield return ("negative oldest age", With(n => n["outbox"]!["oldestUnsentAgeSeconds"] = -1.0));
        yield return ("unsent a string", With(n => n["outbox"]!["unsent"] = "many"));
        yield return ("door ajar", With(n => n["door"] = "ajar"));
        yield return ("CPU at a million degrees", With(n => n["cpuTemperatureC"] = 1e6));
        yield return ("scanner source too long", With(n => n["scanner"]!["source"] = new string('s', ContractLimits.MaxConfigValueLength + 1)));
        yield return ("journal pressure unknown", With(n => n["journal"]!["pressure"] = "bursting"));
        yield return ("deeply nested", System.Text.Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200)));
    }
}
