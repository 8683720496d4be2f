using System.Text;
using System.Text.Json;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// Central's store in SQLite, the embedded default. Every write goes through one writing connection on its own thread
/// (<see cref="SqliteWriter"/>), in batches committed together; reads use connections of their own
/// (<see cref="SqliteReaders"/>), which in WAL mode neither wait for the writer nor hold it up. Events are stored once
/// by <c>eventId</c> with the exact payload the kiosk published, so the hash chain can be checked later, and each
/// kiosk's summary is kept up to date in the same transaction.
/// <para>
/// A kiosk whose journal lost its newest events declares the lost seqs in a <c>journal-tail-lost</c> event
/// (<see cref="EntryEvent.LostSeqs"/>): that event chains to the last event before the range, and the seqs in the range
/// that central does not hold are reported as declared lost instead of as gaps, so they are not asked for again.
/// </para>
/// </summary>
public sealed partial class SqliteEventStore : ICentralStore
{
    /// <summary>Most messages kept in quarantine; the oldest go first.</summary>
    public const int QuarantineMaxRows = StoreLimits.QuarantineMaxRows;

    /// <summary>Most bytes of message prefixes kept in quarantine; the oldest go first.</summary>
    public const long QuarantineMaxBytes = StoreLimits.QuarantineMaxBytes;

    /// <summary>How much of each quarantined message is kept.</summary>
    public const int QuarantinePrefixBytes = StoreLimits.QuarantinePrefixBytes;

    /// <summary>
    /// Most kiosks with a count of rejected messages of their own; beyond it rejections are counted under an empty
    /// site and kiosk, so made-up kiosk ids in topics cannot grow the table.
    /// </summary>
    public const int RejectedMaxKiosks = StoreLimits.RejectedMaxKiosks;

    private readonly SqliteWriter _writer;
    private readonly SqliteReaders _readers;
    private readonly SqliteConnection _stampConnection;
    private readonly ChangeStampedCache<IReadOnlyList<KioskSummary>> _kiosks;
    private readonly TimeProvider _time;

    public SqliteEventStore(string databasePath, TimeProvider time)
    {
        GateKiosk.Core.PrivateFiles.PrepareDatabase(databasePath);
        _time = time;
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;";
                cmd.ExecuteNonQuery();
            }

            Migrations.StoreMigrator.Migrate(connection, databasePath);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = new SqliteWriter(connection);
        _readers = new SqliteReaders(connectionString);

        // data_version changes on this connection whenever another connection (the writer, or another process) commits.
        _stampConnection = new SqliteConnection(connectionString);
        _stampConnection.Open();
        _kiosks = new ChangeStampedCache<IReadOnlyList<KioskSummary>>(DataVersion, () => _readers.Read(SqliteKioskQueries.Kiosks));
    }

    private string DataVersion()
    {
        using var cmd = _stampConnection.CreateCommand();
        cmd.CommandText = "PRAGMA data_version";
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    /// <summary>The quarantine's row cap (<see cref="QuarantineMaxRows"/>; smaller in tests).</summary>
    internal int QuarantineRows { get; init; } = QuarantineMaxRows;

    /// <summary>The quarantine's byte cap (<see cref="QuarantineMaxBytes"/>; smaller in tests).</summary>
    internal long QuarantineBytes { get; init; } = QuarantineMaxBytes;

    /// <summary>Runs on the writer thread before a transaction commits (tests hold a transaction open or fail its commit).</summary>
    internal Action? BeforeCommit
    {
        get => _writer.BeforeCommit;
        set => _writer.BeforeCommit = value;
    }

    /// <summary>Writes queued for the writer and not yet taken into a transaction.</summary>
    internal int PendingWrites => _writer.Pending;

    /// <summary>Runs on the writer thread before each new event of a batch is inserted (tests fail a batch in its middle).</summary>
    internal Action<EntryEvent>? BeforeInsert { get; set; }

    public Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<(EntryEvent, byte[])> copies = [.. events.Select(e => (e.Entry, e.Payload.ToArray()))];
        var received = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var beforeInsert = BeforeInsert;
        return _writer.WriteAsync((connection, tx) => SqliteEventWrites.Store(connection, tx, copies, received, beforeInsert));
    }

    public Task SetStatusAsync(KioskStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        var at = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync((connection, tx) => SqliteKioskQueries.SetStatus(connection, tx, status, at));
    }

    public Task QuarantineAsync(RejectedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Topic);
        ArgumentNullException.ThrowIfNull(message.Reason);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var (rows, bytes) = (QuarantineRows, QuarantineBytes);
        return _writer.WriteAsync((connection, tx) => SqliteQuarantine.Add(connection, tx, message, now, rows, bytes));
    }

    public Task MarkUnrecoverableAsync(string site, string kiosk, SeqRange range, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        var at = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync((connection, tx) => SqliteChainQueries.MarkUnrecoverable(connection, tx, site, kiosk, range, at));
    }

    public Task<IReadOnlyList<QuarantinedMessage>> GetQuarantineAsync(int max = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetQuarantine(max));

    public Task<long> GetRejectedTotalAsync(CancellationToken cancellationToken = default) => Task.FromResult(GetRejectedTotal());

    public Task<EventPage> GetEventsAsync(EventQuery query, CancellationToken cancellationToken = default) => Task.FromResult(GetEvents(query));

    public Task<IReadOnlyList<KioskSummary>> GetKiosksAsync(CancellationToken cancellationToken = default) => Task.FromResult(GetKiosks());

    public Task<KioskLatest?> GetLatestAsync(string site, string kiosk, CancellationToken cancellationToken = default) =>
        Task.FromResult(_readers.Read(c => SqliteKioskQueries.Latest(c, site, kiosk)));

    public Task<IReadOnlyList<SeqRange>> GetGapsAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetGaps(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<ChainBreak>> GetChainBreaksAsync(string site, string kiosk, int max = int.MaxValue, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetChainBreaks(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<SeqRange>> GetDeclaredLostAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetDeclaredLost(site, kiosk, max, afterSeq));

    public Task<IReadOnlyList<SeqRange>> GetUnrecoverableAsync(string site, string kiosk, int max = 100, long afterSeq = 0, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetUnrecoverable(site, kiosk, max, afterSeq));

    // The synchronous forms below wait for the writer's commit; the tests and tools call them.

    /// <summary>Stores <paramref name="entry"/> with its exact <paramref name="payload"/>; false when it was already stored.</summary>
    public bool Add(EntryEvent entry, string payload) => AddRange([(entry, payload)]) == 1;

    /// <summary>Stores events whose payload is the UTF-8 of a string; returns how many were new.</summary>
    public int AddRange(IReadOnlyList<(EntryEvent Entry, string Payload)> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return Store([.. events.Select(e => (e.Entry, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(e.Payload)))]).Added;
    }

    /// <summary>Stores events with their exact payload bytes in one transaction (see <see cref="StoreAsync"/>).</summary>
    public StoreResult Store(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events) => StoreAsync(events).GetAwaiter().GetResult();

    /// <summary>The highest seq central holds of a kiosk and when the event carrying it was received; null when none.</summary>
    public (long Seq, DateTimeOffset ReceivedAt)? GetLatest(string site, string kiosk) =>
        _readers.Read(c => SqliteKioskQueries.Latest(c, site, kiosk)) is { } latest ? (latest.Seq, latest.ReceivedAt) : null;

    /// <summary>Keeps a rejected message aside and counts it (see <see cref="IQuarantine.QuarantineAsync"/>).</summary>
    public void Quarantine(string topic, string? site, string? kiosk, string reason, ReadOnlySpan<byte> prefix, long size, string sha256) =>
        QuarantineAsync(new RejectedMessage(topic, site, kiosk, reason, prefix[..Math.Min(prefix.Length, QuarantinePrefixBytes)].ToArray(), size, sha256)).GetAwaiter().GetResult();

    /// <summary>Messages rejected since the store was created (all kiosks, and those no kiosk could be named for).</summary>
    public long GetRejectedTotal() => _readers.Read(SqliteQuarantine.RejectedTotal);

    /// <summary>The quarantined messages, newest first, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<QuarantinedMessage> GetQuarantine(int max = 100) => _readers.Read(c => SqliteQuarantine.Newest(c, max));

    /// <summary>Marks a missing range as one the kiosk cannot send: it is reported apart and no longer asked for.</summary>
    public void MarkUnrecoverable(string site, string kiosk, SeqRange range) => MarkUnrecoverableAsync(site, kiosk, range).GetAwaiter().GetResult();

    /// <summary>Missing seq ranges of one kiosk that may still arrive (see <see cref="IChainReports.GetGapsAsync"/>).</summary>
    public IReadOnlyList<SeqRange> GetGaps(string site, string kiosk, int max = 100, long afterSeq = 0) =>
        _readers.Read(c => SqliteChainQueries.Gaps(c, site, kiosk, max, afterSeq));

    /// <summary>Missing ranges the kiosk answered it cannot send (see <see cref="IChainReports.GetUnrecoverableAsync"/>).</summary>
    public IReadOnlyList<SeqRange> GetUnrecoverable(string site, string kiosk, int max = 100, long afterSeq = 0) =>
        _readers.Read(c => SqliteChainQueries.Unrecoverable(c, site, kiosk, max, afterSeq));

    /// <summary>Ranges the kiosk declared lost (see <see cref="IChainReports.GetDeclaredLostAsync"/>).</summary>
    public IReadOnlyList<SeqRange> GetDeclaredLost(string site, string kiosk, int max = 100, long afterSeq = 0) =>
        _readers.Read(c => SqliteChainQueries.DeclaredLost(c, site, kiosk, max, afterSeq));

    /// <summary>Breaks of one kiosk's hash chain above <paramref name="afterSeq"/>, in seq order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<ChainBreak> GetChainBreaks(string site, string kiosk, int max = int.MaxValue, long afterSeq = 0) =>
        _readers.Read(c => SqliteChainQueries.Breaks(c, site, kiosk, max, afterSeq));

    /// <summary>One page of a kiosk's chain report (see <see cref="ChainReports.GetChainPageAsync"/>).</summary>
    public ChainPage GetChainPage(string site, string kiosk, int limit, long afterSeq = 0) =>
        this.GetChainPageAsync(site, kiosk, limit, afterSeq).GetAwaiter().GetResult();

    /// <summary>Records the retained status a kiosk published.</summary>
    public void SetStatus(KioskStatus status) => SetStatusAsync(status).GetAwaiter().GetResult();

    /// <summary>
    /// Writes a page of events, newest first, as <c>{"items":[...],"nextCursor":"…"}</c> with each item the exact
    /// payload the kiosk published. <c>nextCursor</c> is null on the last page.
    /// </summary>
    public void WriteEvents(Utf8JsonWriter writer, EventQuery query) => GetEvents(query).WriteTo(writer);

    /// <summary>One page of events matching <paramref name="query"/>, newest first by when they happened.</summary>
    public EventPage GetEvents(EventQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return _readers.Read(c => SqliteEventQueries.Page(c, query));
    }

    /// <summary>Every kiosk heard of, with its status and what central holds of its journal (from the summaries).</summary>
    public IReadOnlyList<KioskSummary> GetKiosks() => _kiosks.Get();

    public void Dispose()
    {
        _readers.Dispose();
        _writer.Dispose();
        _stampConnection.Dispose();
    }
}
