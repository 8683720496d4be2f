using System.Text.Json;
using GateKiosk.Testing;

namespace GateKiosk.Contracts.Tests;

public sealed class SchemaTests
{
    [Fact]
    public void EventSchema_ListsEveryFieldTheKioskWrites()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "contracts", "event.schema.json")));
        var documented = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var entry = new EntryEvent
        {
            EventId = Guid.CreateVersion7(),
            KioskId = "k",
            SiteId = "s",
            Seq = 1,
            PrevHash = new string('0', 64),
            OccurredAt = DateTimeOffset.UnixEpoch,
            TimeSource = TimeSources.None,
            Type = EventTypes.Entry,
            Direction = "in",
            Decision = Decisions.Allow,
            Reason = ReasonCodes.Valid,
            Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", "E1"),
            LatencyUs = 1,
            Detail = "x",
            LostSeqs = new LostSeqRange(1, 1),
        };

        using var written = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(entry, ContractsJsonContext.Default.EntryEvent));

        Assert.All(written.RootElement.EnumerateObject(), p => Assert.Contains(p.Name, documented));
        var lostSeqs = schema.RootElement.GetProperty("properties").GetProperty("lostSeqs").GetProperty("properties").EnumerateObject().Select(p => p.Name);
        Assert.Equal(lostSeqs.Order(), written.RootElement.GetProperty("lostSeqs").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("1970-01-01T00:00:00.000Z", written.RootElement.GetProperty("occurredAt").GetString());
    }

    [Fact]
    public void TelemetrySchema_ListsEveryFieldTheKioskWrites()
    {
        var telemetry = new KioskTelemetry(
            "k",
            "s",
            DateTimeOffset.UnixEpoch,
            1,
            TimeSources.Ntp,
            new OutboxTelemetry(1, 2.5, 1, 1, 1),
            "closed",
            40.5,
            new ScannerTelemetry("stdin", true, DateTimeOffset.UnixEpoch, 1, 1, 1),
            new JournalTelemetry(1, 2, JournalTelemetry.Normal),
            PolicyVersion: 7);
        using var written = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(telemetry, ContractsJsonContext.Default.KioskTelemetry));

        AssertDocumented("telemetry.schema.json", written.RootElement);
        Assert.Null(ContractValidation.CheckTelemetry(telemetry));
    }

    [Fact]
    public void CommandResultSchema_ListsEveryFieldTheKioskWrites()
    {
        var result = new CommandResult(Guid.CreateVersion7(), "done", 3, "truncated");
        using var written = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(result, ContractsJsonContext.Default.CommandResult));

        AssertDocumented("command-result.schema.json", written.RootElement);
    }

    /// <summary>Every property of <paramref name="written"/>, nested objects too, is in the schema's <c>properties</c> at the same place.</summary>
    private static void AssertDocumented(string file, JsonElement written)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "contracts", file)));
        Check(schema.RootElement, written, "");

        static void Check(JsonElement schema, JsonElement written, string path)
        {
            var properties = schema.GetProperty("properties");
            foreach (var p in written.EnumerateObject())
            {
                Assert.True(properties.TryGetProperty(p.Name, out var documented), $"{path}{p.Name} is not in the schema");
                if (p.Value.ValueKind == JsonValueKind.Object)
                {
                    Check(documented, p.Value, $"{path}{p.Name}.");
                }
            }
        }
    }
}
