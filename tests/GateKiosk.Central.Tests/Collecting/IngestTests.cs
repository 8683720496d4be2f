using System.Buffers;
using System.Text;
using System.Text.Json;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Mqtt;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Collecting;

/// <summary>The collector's loop body, called directly: what it stores, what it quarantines, and what it does not acknowledge.</summary>
public sealed class IngestTests : IDisposable
{
    private const string EventsTopic = "gatekiosk/v1/site-1/kiosk-1/events";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-ingest-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _store;
    private readonly FakeEntryJournal _journal = new();

    public IngestTests() => _store = new SqliteEventStore(Path.Combine(_folder, "central.db"), _time);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private MqttEventCollector Collector(IIngestWriter? writer = null) =>
        new(writer ?? _store, _store, Options.Create(new MqttOptions { Host = "127.0.0.1" }), _time, NullLoggerFactory.Instance);

    private JournaledEvent Next(string detail = "e") =>
        _journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = _time.GetUtcNow(), TimeSource = TimeSources.Ntp, Detail = detail });

    private static ReadOnlySequence<byte> Bytes(ReadOnlyMemory<byte> payload) => new(payload);

    public static TheoryData<string> PoisonKinds()
    {
        var data = new TheoryData<string>();
        foreach (var (kind, _, _) in PoisonMessages.Build("site-1", "kiosk-1", Encoding.UTF8.GetBytes("{}"), 1))
        {
            data.Add(kind);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PoisonKinds))]
    public void Ingest_MalformedMessage_AcknowledgedQuarantinedAndCounted_NextEventStored(string kind)
    {
        using var collector = Collector();
        var first = Next();
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, Bytes(first.Payload)).Outcome);
        var (_, topic, payload) = PoisonMessages.Build("site-1", "kiosk-1", first.Payload.ToArray(), 1).Single(p => p.Kind == kind);

        var result = collector.Ingest(topic, new ReadOnlySequence<byte>(payload));

        Assert.Equal(IngestOutcome.Rejected, result.Outcome);
        Assert.True(result.Acknowledge);
        Assert.Equal(1, _store.GetKiosks().Single().Rejected);
        Assert.Equal(1, _store.GetRejectedTotal());
        var quarantined = _store.GetQuarantine().Single();
        Assert.Equal((topic, payload.Length), (quarantined.Topic, quarantined.Size));
        Assert.Equal(payload.AsSpan(0, Math.Min(payload.Length, SqliteEventStore.QuarantinePrefixBytes)).ToArray(), quarantined.Prefix);
        Assert.Equal(EventChain.Hash(payload), quarantined.Sha256);

        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, Bytes(Next().Payload)).Outcome);
        Assert.Equal(2, _store.GetKiosks().Single().Events);
    }

    [Fact]
    public void Ingest_DuplicateEventIdWithOtherContent_RecordedAsChainBreak_FirstKept()
    {
        using var collector = Collector();
        var first = Next();
        collector.Ingest(EventsTopic, Bytes(first.Payload));
        var forged = PoisonMessages.Build("site-1", "kiosk-1", first.Payload.ToArray(), 1).Single(p => p.Kind == "duplicate eventId with other content").Payload;

        Assert.Equal(IngestOutcome.Rejected, collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(forged)).Outcome);
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, Bytes(first.Payload)).Outcome); // a genuine resend is a duplicate

        Assert.Equal([(1L, ChainBreakKinds.EventIdReused)], _store.GetChainBreaks("site-1", "kiosk-1").Select(b => (b.Seq, b.Kind)));
        Assert.Equal((1L, 1L, 1L), (_store.GetKiosks().Single().Events, _store.GetKiosks().Single().ChainBreaks, _store.GetKiosks().Single().Rejected));
        Assert.Equal((1L, 1L, 1L), collector.Counters);
    }

    [Fact]
    public void Ingest_SeqAhead_AcceptedWithinTheKioskRate_RejectedBeyond()
    {
        using var collector = Collector();
        collector.Ingest(EventsTopic, Bytes(Next().Payload));
        var template = Next().Payload.ToArray();
        byte[] At(long seq) => Reseq(template, seq);

        // Right after seq 1 was received, a kiosk cannot be 20 000 events further.
        Assert.Equal(IngestOutcome.Rejected, collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(At(1 + MqttEventCollector.MinSeqJump + 1))).Outcome);
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(At(1 + MqttEventCollector.MinSeqJump))).Outcome);

        // An hour later it may be an hour of events further.
        _time.Advance(TimeSpan.FromHours(1));
        var last = 1 + MqttEventCollector.MinSeqJump;
        var hour = MqttEventCollector.MinSeqJump + (3600 * MqttEventCollector.MaxEventsPerSecond);
        Assert.Equal(IngestOutcome.Rejected, collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(At(last + hour + 1))).Outcome);
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(At(last + hour))).Outcome);
        Assert.Equal(2, _store.GetKiosks().Single().Rejected);
    }

    private static byte[] Reseq(byte[] template, long seq)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(template)!.AsObject();
        node["seq"] = seq;
        node["eventId"] = Guid.CreateVersion7().ToString();
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    [Fact]
    public void Ingest_Batch_StoresEachEventsExactBytes_ServedAsJson_ChainHolds()
    {
        using var collector = Collector();
        // Escapes and spacing a serialiser would not reproduce: only the exact bytes keep the chain's hashes.
        var first = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(EventChain.Serialize(EventChain.Seal(
            new EventDraft { Type = EventTypes.System, OccurredAt = _time.GetUtcNow(), TimeSource = TimeSources.Ntp }, "site-1", "kiosk-1", 1, EventChain.Genesis, Guid.CreateVersion7())))
            .Replace("{\"schemaVersion\"", "{ \"extra\": \"caf\\u00e9 \u00e9\",  \"schemaVersion\"", StringComparison.Ordinal));
        var second = EventChain.Serialize(EventChain.Seal(
            new EventDraft { Type = EventTypes.System, OccurredAt = _time.GetUtcNow(), TimeSource = TimeSources.Ntp }, "site-1", "kiosk-1", 2, EventChain.Hash(first), Guid.CreateVersion7()));
        byte[] batch = [.. " [ "u8, .. first, .. " ,\n"u8, .. second, .. "]"u8];

        Assert.Equal(new IngestResult(IngestOutcome.Stored, 2), collector.Ingest(EventsTopic, new ReadOnlySequence<byte>(batch)));

        Assert.Empty(_store.GetChainBreaks("site-1", "kiosk-1"));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            _store.WriteEvents(writer, new EventQuery());
        }

        using var page = JsonDocument.Parse(buffer.ToArray());
        var items = page.RootElement.GetProperty("items").EnumerateArray().Select(i => Encoding.UTF8.GetBytes(i.GetRawText())).ToList();
        Assert.Equal(new[] { second, first }, items);
    }

    [Fact]
    public void Ingest_StoreFailsWithAnyException_NotAcknowledged_NothingStored()
    {
        var faulty = new FaultyIngestWriter(_store) { FailAtSeq = 2 };
        using var collector = Collector(faulty);
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, Bytes(Next().Payload)).Outcome);
        var second = Next();

        var result = collector.Ingest(EventsTopic, Bytes(second.Payload));

        Assert.Equal(IngestOutcome.StoreFailed, result.Outcome);
        Assert.False(result.Acknowledge);
        Assert.Equal((1L, 0L), (_store.GetKiosks().Single().Events, _store.GetKiosks().Single().Rejected));
        faulty.FailAtSeq = null;
        Assert.Equal(IngestOutcome.Stored, collector.Ingest(EventsTopic, Bytes(second.Payload)).Outcome);
    }

    [Fact]
    public void Ingest_CommandResult_ValidPassedOn_MalformedQuarantined()
    {
        using var collector = Collector();
        var received = new List<CommandResultEventArgs>();
        collector.CommandResultReceived += (_, e) => received.Add(e);
        var topic = Topics.CommandResult("site-1", "kiosk-1");
        var id = Guid.CreateVersion7();

        Assert.Equal(IngestOutcome.Stored, collector.Ingest(topic, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes($"{{\"commandId\":\"{id}\",\"status\":\"done\",\"count\":0}}"))).Outcome);
        Assert.Equal(IngestOutcome.Rejected, collector.Ingest(topic, new ReadOnlySequence<byte>("{\"commandId\":\"x\",\"status\":\"done\"}"u8.ToArray())).Outcome);
        Assert.Equal(IngestOutcome.Rejected, collector.Ingest(topic, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes($"{{\"commandId\":\"{id}\",\"status\":\"maybe\"}}"))).Outcome);

        Assert.Equal(("site-1", "kiosk-1", id, 0L), received.Select(r => (r.SiteId, r.KioskId, r.Result.CommandId, r.Result.Count ?? -1)).Single());
    }

    [Theory]
    [InlineData("gatekiosk/v1/site-1/kiosk-1/cmd/result", true)]
    [InlineData("gatekiosk/v1/site-1/kiosk-1/events", true)]
    [InlineData("gatekiosk/v1/site-1/kiosk-1/cmd/other", false)]
    [InlineData("gatekiosk/v1/site-1/kiosk-1/whatever", false)]
    [InlineData("gatekiosk/v1/Site/kiosk-1/events", false)]
    [InlineData("gatekiosk/v1/site-1//events", false)]
    public void TryParseKioskTopic_KnownLeavesAndValidIdsOnly(string topic, bool valid) =>
        Assert.Equal(valid, Topics.TryParseKioskTopic(topic, out _, out _, out _));

    [Fact]
    public void TryParseKioskTopic_TopicLongerThanTheLimit_False() =>
        Assert.False(Topics.TryParseKioskTopic("gatekiosk/v1/site-1/kiosk-1/events" + new string('/', 100_000), out _, out _, out _));
}

/// <summary>The real store, made to fail (not with a SqliteException) on one seq, like a disk error in the middle of a batch.</summary>
internal sealed class FaultyIngestWriter(IIngestWriter inner) : IIngestWriter
{
    private long _failAtSeq = -1;
    private int _failures;

    /// <summary>The seq whose store fails; null for none.</summary>
    public long? FailAtSeq
    {
        get => Interlocked.Read(ref _failAtSeq) is var seq and >= 0 ? seq : null;
        set => Interlocked.Exchange(ref _failAtSeq, value ?? -1);
    }

    /// <summary>How many times a store attempt failed.</summary>
    public int Failures => Volatile.Read(ref _failures);

    public Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, CancellationToken cancellationToken = default)
    {
        if (FailAtSeq is { } seq && events.Any(e => e.Entry.Seq == seq))
        {
            Interlocked.Increment(ref _failures);
            throw new IOException("injected: the disk failed");
        }

        return inner.StoreAsync(events, cancellationToken);
    }
}
