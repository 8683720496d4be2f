using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The SQLite store's single writer: reads never wait on it, and a write that fails stores nothing of itself.</summary>
public sealed class SqliteWriterTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-writer-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _store;
    private readonly EventStoreContractTests.KioskChain _chain = new();

    public SqliteWriterTests() => _store = new SqliteEventStore(Path.Combine(_folder, "central.db"), _time);

    public void Dispose()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Reads_WhileAWriteBatchIsHeldOpen_AnswerAtOnceWithTheLastCommit()
    {
        await _store.StoreAsync(_chain.Range(1, 3));
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        _store.BeforeCommit = () =>
        {
            inside.Release();
            release.Wait(Patience);
        };

        var write = _store.StoreAsync(_chain.Range(4, 6));
        Assert.True(await inside.WaitAsync(Patience), "the writer reaches its commit");
        try
        {
            // Off the test's thread, so a read that waited on the writer would show as a timeout, not a hang.
            var reads = Task.Run(async () => (
                await _store.GetKiosksAsync(),
                await _store.GetEventsAsync(new EventQuery()),
                await _store.GetLatestAsync("site-1", "kiosk-1"),
                await _store.GetGapsAsync("site-1", "kiosk-1")));
            var (kiosks, page, latest, gaps) = await reads.WaitAsync(Patience);

            Assert.False(write.IsCompleted);
            Assert.Equal((3L, 3L), (kiosks.Single().Events, kiosks.Single().LastSeq));
            Assert.Equal(3, page.Payloads.Count);
            Assert.Equal(3L, latest!.Seq);
            Assert.Empty(gaps);
        }
        finally
        {
            _store.BeforeCommit = null;
            release.Set();
        }

        Assert.Equal(3, (await write.WaitAsync(Patience)).Added);
        Assert.Equal(6L, (await _store.GetKiosksAsync()).Single().Events);
    }

    [Fact]
    public async Task StoreAsync_FailsInTheMiddleOfABatch_NothingOfItStored_SummaryUnchanged_StoredOnRetry()
    {
        await _store.StoreAsync(_chain.Range(1, 2));
        var before = (await _store.GetKiosksAsync()).Single();
        _store.BeforeInsert = e =>
        {
            if (e.Seq == 5)
            {
                throw new IOException("injected: the disk failed");
            }
        };

        await Assert.ThrowsAsync<IOException>(() => _store.StoreAsync(_chain.Range(3, 7)));

        Assert.Equal(before, (await _store.GetKiosksAsync()).Single());
        Assert.Equal(2, (await _store.GetEventsAsync(new EventQuery())).Payloads.Count);
        Assert.Equal(2L, (await _store.GetLatestAsync("site-1", "kiosk-1"))!.Seq);

        _store.BeforeInsert = null;
        Assert.Equal(5, (await _store.StoreAsync(_chain.Range(3, 7))).Added);
        var after = (await _store.GetKiosksAsync()).Single();
        Assert.Equal((7L, 7L, 0L, 0L), (after.Events, after.LastSeq, after.Missing, after.ChainBreaks));
    }

    [Fact]
    public async Task StoreAsync_CommitFails_EveryWriteOfTheTransactionFails_NoneStored()
    {
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var calls = 0;
        _store.BeforeCommit = () =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // Hold the first transaction so the next writes queue up and go into one transaction together.
                inside.Release();
                release.Wait(Patience);
                return;
            }

            throw new IOException("injected: the commit failed");
        };

        var first = _store.StoreAsync([_chain[1]]);
        Assert.True(await inside.WaitAsync(Patience));
        var second = _store.StoreAsync([_chain[2]]);
        var status = _store.SetStatusAsync(new KioskStatus(KioskStatus.Online, "kiosk-1", "site-1", "1.0.0"));
        release.Set();

        Assert.Equal(1, (await first.WaitAsync(Patience)).Added);
        await Assert.ThrowsAsync<IOException>(() => second.WaitAsync(Patience));
        await Assert.ThrowsAsync<IOException>(() => status.WaitAsync(Patience));
        var kiosk = (await _store.GetKiosksAsync()).Single();
        Assert.Equal((1L, "unknown"), (kiosk.Events, kiosk.State));
    }

    [Fact]
    public async Task StoreAsync_OneWriteOfAGroupFails_TheOthersCommitted()
    {
        using var inside = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var calls = 0;
        _store.BeforeCommit = () =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                inside.Release();
                release.Wait(Patience);
            }
        };

        var first = _store.StoreAsync([_chain[1]]);
        Assert.True(await inside.WaitAsync(Patience));
        _store.BeforeInsert = e =>
        {
            if (e.Seq == 3)
            {
                throw new IOException("injected: the disk failed");
            }
        };
        var failing = _store.StoreAsync(_chain.Range(2, 3));
        _store.BeforeInsert = null;
        var other = _store.StoreAsync([_chain[4]]);
        release.Set();

        await first.WaitAsync(Patience);
        await Assert.ThrowsAsync<IOException>(() => failing.WaitAsync(Patience));
        Assert.Equal(1, (await other.WaitAsync(Patience)).Added);
        var kiosk = (await _store.GetKiosksAsync()).Single();
        Assert.Equal((2L, 4L, 2L), (kiosk.Events, kiosk.LastSeq, kiosk.Missing));
        Assert.Equal(2, calls);
    }
}
