using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>
/// Kiosks journaling scans in valid hash chains, for tests that need events of many people at given times: each
/// <see cref="Scan"/> seals the next event of that kiosk's chain, with the exact bytes it would publish.
/// </summary>
internal sealed class Gates
{
    private readonly Dictionary<(string Site, string Kiosk), (long Seq, string Hash)> _chains = [];

    public List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Events { get; } = [];

    /// <summary>Seals a scan of (<paramref name="kind"/>, <paramref name="subject"/>) at a site's kiosk.</summary>
    public Gates Scan(
        string site, string kiosk, string subject, string direction, DateTimeOffset at,
        bool allow = true, string kind = CredentialKinds.Badge, string timeSource = TimeSources.Ntp, string? reason = null, string type = EventTypes.Entry)
    {
        var entry = type == EventTypes.Entry;
        var (seq, prev) = _chains.TryGetValue((site, kiosk), out var last) ? (last.Seq + 1, last.Hash) : (1L, EventChain.Genesis);
        var draft = new EventDraft
        {
            Type = type,
            OccurredAt = at,
            TimeSource = timeSource,
            Direction = entry ? direction : null,
            Decision = entry ? (allow ? Decisions.Allow : Decisions.Deny) : null,
            Reason = entry ? reason ?? (allow ? ReasonCodes.Valid : ReasonCodes.Expired) : null,
            Credential = entry ? new CredentialRef(kind, "allowlist", subject) : null,
        };
        var bytes = EventChain.Serialize(EventChain.Seal(draft, site, kiosk, seq, prev, Guid.CreateVersion7()));
        Events.Add((JsonSerializer.Deserialize(bytes, ContractsJsonContext.Default.EntryEvent)!, bytes));
        _chains[(site, kiosk)] = (seq, EventChain.Hash(bytes));
        return this;
    }

    /// <summary>Stores every event sealed so far.</summary>
    public async Task StoreAsync(IIngestWriter store)
    {
        var result = await store.StoreAsync(Events);
        Assert.Equal(Events.Count, result.Added);
    }
}
