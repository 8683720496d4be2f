using System.Text;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using Npgsql;

namespace GateKiosk.Central.Tests.Storage.Postgres;

/// <summary>What the PostgreSQL store does beyond the shared contract: its schema steps, both ingest paths, several writers at once, and text PostgreSQL cannot hold.</summary>
public sealed class PostgresEventStoreTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static (EntryEvent Entry, ReadOnlyMemory<byte> Payload) Parsed(ReadOnlyMemory<byte> payload) =>
        (JsonSerializer.Deserialize(payload.Span, ContractsJsonContext.Default.EntryEvent)!, payload);

    /// <summary>Events 1–<paramref name="count"/> of <c>site-1/kiosk-1</c>, chained as a kiosk journals them.</summary>
    private static List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Chain(int count, Func<int, string>? subject = null)
    {
        var chain = new List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)>(count);
        var prev = EventChain.Genesis;
        for (var i = 0; i < count; i++)
        {
            var draft = new EventDraft
            {
                Type = EventTypes.Entry,
                OccurredAt = DateTimeOffset.UnixEpoch.AddDays(20_000).AddSeconds(i),
                TimeSource = TimeSources.Ntp,
                Decision = Decisions.Allow,
                Reason = ReasonCodes.Valid,
                Credential = new CredentialRef(CredentialKinds.Badge, "allowlist", subject is null ? $"E{i}" : subject(i)),
            };
            var payload = EventChain.Serialize(EventChain.Seal(draft, "site-1", "kiosk-1", i + 1, prev, Guid.CreateVersion7(draft.OccurredAt)));
            prev = EventChain.Hash(payload);
            chain.Add(Parsed(payload));
        }

        return chain;
    }

    /// <summary><paramref name="e"/> with the JSON text <paramref name="from"/> of its payload replaced by <paramref name="to"/>, parsed again.</summary>
    private static (EntryEvent Entry, ReadOnlyMemory<byte> Payload) Edited((EntryEvent Entry, ReadOnlyMemory<byte> Payload) e, string from, string to) =>
        Parsed(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Payload.Span).Replace(from, to, StringComparison.Ordinal)));

    private static string Page(PostgresEventStore store, EventQuery query)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            store.WriteEvents(writer, query);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [SkippableFact]
    public async Task Migrate_EmptyDatabase_EachStepRecordedOnce_SecondOpenAppliesNothing()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        using (new PostgresEventStore(connectionString, TimeProvider.System))
        {
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        Assert.Equal(PostgresMigrator.All.Count, PostgresMigrator.CurrentVersion(connection));
        Assert.Empty(PostgresMigrator.Migrate(connection, TimeProvider.System));
        await using var rows = new NpgsqlCommand("SELECT version FROM schema_version ORDER BY version", connection);
        await using var reader = await rows.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        Assert.Equal(Enumerable.Range(1, PostgresMigrator.All.Count), versions);
    }

    [SkippableFact]
    public async Task Migrate_TwoCollectorsStartAtOnce_EveryStepAppliedOnce()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresEventStore(connectionString, TimeProvider.System))));
        foreach (var store in opened)
        {
            store.Dispose();
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM schema_version", connection);
        Assert.Equal((long)PostgresMigrator.All.Count, (long)(await count.ExecuteScalarAsync())!);
    }

    [SkippableFact]
    public async Task Migrate_StoreFromNewerRelease_RefusedNamingTheVersion()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        using (new PostgresEventStore(connectionString, TimeProvider.System))
        {
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var newer = new NpgsqlCommand("INSERT INTO schema_version VALUES (99, 'from the future', now())", connection);
            await newer.ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<InvalidOperationException>(() => new PostgresEventStore(connectionString, TimeProvider.System));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("Copy")]
    [InlineData("Insert")]
    public async Task Store_ResendAndOtherContentUnderSameEventId_DuplicateChangesNothing_ConflictIsChainBreak(string mode)
    {
        using var store = new PostgresEventStore(await cluster.NewDatabaseAsync(), TimeProvider.System) { IngestMode = Enum.Parse<PostgresIngestMode>(mode) };
        var events = Chain(5);
        Assert.Equal(5, store.Store(events).Added);
        var before = store.GetKiosks().Single();

        // The same batch again, and event 3 with an edited payload under its own eventId.
        var result = store.Store([.. events, Edited(events[2], "\"E2\"", "\"E9\"")]);

        Assert.Equal((0, 5), (result.Added, result.Duplicates));
        Assert.Equal([5], result.Conflicts);
        var after = store.GetKiosks().Single();
        Assert.Equal(before with { ChainBreaks = 1 }, after);
        Assert.Equal([(3L, ChainBreakKinds.EventIdReused)], store.GetChainBreaks("site-1", "kiosk-1").Select(b => (b.Seq, b.Kind)));
        Assert.Contains("\"E2\"", Page(store, new EventQuery(Subject: "E2")), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("Copy")]
    [InlineData("Insert")]
    public async Task Store_PayloadWithSpacingAndEscapes_ReturnedByteForByte(string mode)
    {
        using var store = new PostgresEventStore(await cluster.NewDatabaseAsync(), TimeProvider.System) { IngestMode = Enum.Parse<PostgresIngestMode>(mode) };
        var (entry, payload) = Chain(1)[0];
        var odd = Encoding.UTF8.GetBytes("{ \"note\" : \"caf\\u00e9 \u00e9\" ,\n" + Encoding.UTF8.GetString(payload.Span)[1..]);
        store.Store([(entry, odd)]);

        var page = Encoding.UTF8.GetBytes(Page(store, new EventQuery()));
        Assert.True(page.AsSpan().IndexOf(odd) >= 0, "the stored payload is not returned byte for byte");
    }

    [SkippableFact]
    public async Task Store_TwoCollectorsInterleaveOneKiosksBatches_SummaryCountsAndChainAsIfOne()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        using var first = new PostgresEventStore(connectionString, TimeProvider.System);
        using var second = new PostgresEventStore(connectionString, TimeProvider.System);
        var events = Chain(2000);
        var batches = events.Chunk(25).ToList();

        // Each collector gets every other batch (and a few of the other's, as a redelivery after a reconnect would).
        using var start = new Barrier(2);
        var a = Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return batches.Where((_, i) => i % 2 == 0 || i % 7 == 0).Sum(b => first.Store(b).Added);
        });
        var b = Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return batches.Where((_, i) => i % 2 == 1 || i % 7 == 0).Sum(b => second.Store(b).Added);
        });
        var added = await a + await b;

        Assert.Equal(2000, added);
        var kiosk = first.GetKiosks().Single();
        Assert.Equal((2000L, 2000L, 0L, 0L), (kiosk.Events, kiosk.LastSeq, kiosk.Missing, kiosk.ChainBreaks));
        Assert.Empty(first.GetGaps("site-1", "kiosk-1"));
        Assert.Equal(events[^1].Entry.OccurredAt, kiosk.LastEventAt);
        Assert.Equal(2000, second.GetLatest("site-1", "kiosk-1")!.Value.Seq);
    }

    [SkippableFact]
    public async Task StoreAsync_ManyOneEventMessagesAtOnce_CommittedInFarFewerTransactions_EachCountedOnce()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        using var store = new PostgresEventStore(connectionString, TimeProvider.System);
        var events = Chain(400);
        var before = await CommitsAsync(connectionString);

        // As the collector does: each message is started without waiting for the previous one's commit.
        var results = await Task.WhenAll(events.Select(e => store.StoreAsync([e])));

        var commits = await CommitsAsync(connectionString) - before;
        Assert.All(results, r => Assert.Equal((1, 0), (r.Added, r.Duplicates)));
        Assert.InRange(commits, 2, 200); // at least one for the events and one for the second reading
        var kiosk = store.GetKiosks().Single();
        Assert.Equal((400L, 400L, 0L, 0L), (kiosk.Events, kiosk.LastSeq, kiosk.Missing, kiosk.ChainBreaks));

        // Sent again (a redelivery), each is a duplicate of its own message.
        var again = await Task.WhenAll(events.Take(50).Select(e => store.StoreAsync([e])));
        Assert.All(again, r => Assert.Equal((0, 1), (r.Added, r.Duplicates)));
    }

    /// <summary>
    /// The cluster's next transaction id: each transaction that writes takes one (this query's own included), so the
    /// difference between two readings counts the writing transactions in between, at once and exactly.
    /// </summary>
    private static async Task<long> CommitsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [SkippableFact]
    public async Task Store_SummaryAfterGapsDuplicateSeqsAndResends_EqualsARecountOfTheEvents()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        using var store = new PostgresEventStore(connectionString, TimeProvider.System);
        var events = Chain(300);
        var other = Chain(300, subject: i => $"X{i}"); // the same seqs of the same kiosk, other events: duplicate seqs

        store.Store([.. events.Where(e => e.Entry.Seq % 10 != 3)]);
        store.Store([.. events.Where(e => e.Entry.Seq < 50)]);
        store.Store([.. other.Where(e => e.Entry.Seq is 7 or 8 or 250)]);
        store.Store([.. other.Where(e => e.Entry.Seq is 250 or 253)]);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var recount = new NpgsqlCommand("""
            SELECT COUNT(*), MAX(seq), MAX(seq) - COUNT(DISTINCT seq), MAX(occurred_at),
                   (SELECT COUNT(*) FROM chain_breaks)
            FROM events
            """, connection);
        await using var reader = await recount.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var kiosk = store.GetKiosks().Single();
        Assert.Equal(
            (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt64(4)),
            (kiosk.Events, kiosk.LastSeq, kiosk.Missing, kiosk.LastEventAt!.Value, kiosk.ChainBreaks));
        // 270 events, then 5 of the 30 seqs ending in 3 (those below 50), then 7, 8 and 250 again and 253 from the other chain.
        Assert.Equal((279L, 24L), (kiosk.Events, kiosk.Missing));
        Assert.True(kiosk.ChainBreaks > 0);
    }

    [SkippableTheory]
    [InlineData("Copy")]
    [InlineData("Insert")]
    public async Task Store_SubjectWithNul_StoredAndFoundBySubject(string mode)
    {
        using var store = new PostgresEventStore(await cluster.NewDatabaseAsync(), TimeProvider.System) { IngestMode = Enum.Parse<PostgresIngestMode>(mode) };
        var events = Chain(2, subject: i => $"S{i}");
        events = [Edited(events[0], "\"S0\"", "\"A\\u0000B\""), events[1]];
        Assert.Equal("A\0B", events[0].Entry.Credential!.SubjectId);

        Assert.Equal(2, store.Store(events).Added);

        Assert.Contains("A\\u0000B", Page(store, new EventQuery(Subject: "A\0B")), StringComparison.Ordinal);
        Assert.Contains("\"S1\"", Page(store, new EventQuery(Subject: "S1")), StringComparison.Ordinal);
    }
}
