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
}
