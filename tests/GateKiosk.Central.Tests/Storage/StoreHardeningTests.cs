using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The store's quarantine bounds, the paged chain report, and the upgrade of a store written by an earlier version.</summary>
public sealed class StoreHardeningTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-store-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string DbPath => Path.Combine(_folder, "central.db");

    private static (EntryEvent Entry, ReadOnlyMemory<byte> Payload) Parsed(JournaledEvent e) =>
        (JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, e.Payload);

    private static List<JournaledEvent> Chain(int count)
    {
        var journal = new FakeEntryJournal();
        return [.. Enumerable.Range(0, count).Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch.AddSeconds(i), TimeSource = TimeSources.Ntp, Detail = $"e{i}" }))];
    }

    [Fact]
    public void Quarantine_BeyondRowsOrBytes_OldestDropped_CountsKept()
    {
        using var store = new SqliteEventStore(DbPath, TimeProvider.System) { QuarantineRows = 5, QuarantineBytes = 3000 };
        for (var i = 0; i < 8; i++)
        {
            var payload = Encoding.UTF8.GetBytes($"junk {i}");
            store.Quarantine("gatekiosk/v1/site-1/kiosk-1/events", "site-1", "kiosk-1", "not JSON", payload, payload.Length, EventChain.Hash(payload));
        }

        Assert.Equal(["junk 7", "junk 6", "junk 5", "junk 4", "junk 3"], store.GetQuarantine().Select(q => Encoding.UTF8.GetString(q.Prefix)));

        // Large prefixes: each keeps 1 KiB, so 3000 bytes hold two.
        var big = new byte[5000];
        for (var i = 0; i < 3; i++)
        {
            big[0] = (byte)('a' + i);
            store.Quarantine("gatekiosk/v1/site-1/kiosk-1/events", "site-1", "kiosk-1", "too large", big, big.Length, EventChain.Hash(big));
        }

        var kept = store.GetQuarantine();
        Assert.Equal(2, kept.Count);
        Assert.Equal([(byte)'c', (byte)'b'], kept.Select(q => q.Prefix[0]));
        Assert.All(kept, q => Assert.Equal((SqliteEventStore.QuarantinePrefixBytes, 5000L), (q.Prefix.Length, q.Size)));
        Assert.Equal(11, store.GetKiosks().Single().Rejected);
        Assert.Equal(11, store.GetRejectedTotal());
    }

    [Fact]
    public void GetChainPage_ManyGaps_PagedByLimit_EveryGapOnce()
    {
        // Central holds only even seqs up to 2 000: 1 000 gaps of one seq each.
        var events = Chain(2000);
        using var store = new SqliteEventStore(DbPath, TimeProvider.System);
        store.Store([.. events.Where(e => e.Seq % 2 == 0).Select(Parsed)]);

        var all = new List<SeqRange>();
        long cursor = 0;
        var pages = 0;
        while (true)
        {
            var page = store.GetChainPage("site-1", "kiosk-1", limit: 300, afterSeq: cursor);
            Assert.True(page.Gaps.Count <= 300);
            all.AddRange(page.Gaps);
            pages++;
            if (page.NextCursor is not { } next)
            {
                break;
            }

            cursor = next;
        }

        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => new SeqRange((2 * i) + 1, (2 * i) + 1)), all);
        Assert.Equal(1000, store.GetKiosks().Single().Missing);
    }

    [Fact]
    public void Open_StoreOfThePreviousVersion_TextPayloadsServedAndChainedTo_ResendIsADuplicate()
    {
        var events = Chain(3);
        Directory.CreateDirectory(_folder);
        using (var old = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE events(id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, site_id TEXT NOT NULL,
                    kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, occurred_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
                    type TEXT NOT NULL, decision TEXT, reason TEXT, subject TEXT, payload TEXT NOT NULL, hash TEXT NOT NULL,
                    prev_hash TEXT NOT NULL, lost_from INTEGER);
                CREATE TABLE chain_breaks(site_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
                    detected_at INTEGER NOT NULL, PRIMARY KEY(site_id, kiosk_id, seq, kind));
                CREATE TABLE kiosks(site_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, state TEXT NOT NULL, version TEXT,
                    status_at INTEGER NOT NULL, PRIMARY KEY(site_id, kiosk_id));
                INSERT INTO events(event_id, site_id, kiosk_id, seq, occurred_at, received_at, type, payload, hash, prev_hash)
                VALUES ($id, 'site-1', 'kiosk-1', 1, 0, 0, 'system', $payload, $hash, $prev);
                """;
            cmd.Parameters.AddWithValue("$id", events[0].EventId.ToString());
            cmd.Parameters.AddWithValue("$payload", Encoding.UTF8.GetString(events[0].Payload.Span));
            cmd.Parameters.AddWithValue("$hash", EventChain.Hash(events[0].Payload.Span));
            cmd.Parameters.AddWithValue("$prev", EventChain.Genesis);
            cmd.ExecuteNonQuery();
        }

        using var store = new SqliteEventStore(DbPath, TimeProvider.System);
        var result = store.Store([.. events.Select(Parsed)]);

        Assert.Equal((2, 1), (result.Added, result.Duplicates));
        Assert.Empty(result.Conflicts);
        Assert.Empty(store.GetChainBreaks("site-1", "kiosk-1"));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            store.WriteEvents(writer, new EventQuery());
        }

        using var page = JsonDocument.Parse(buffer.ToArray());
        Assert.Equal([3L, 2L, 1L], page.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("seq").GetInt64()));
        var payload = "x"u8.ToArray();
        store.Quarantine("t", null, null, "not a kiosk topic", payload, 1, EventChain.Hash(payload));
        Assert.Equal(1, store.GetRejectedTotal());
    }
}
