using GateKiosk.Central.Storage;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>Messages queued while a transaction runs go into the next one together, each with its own result.</summary>
public sealed class PostgresGroupCommitTests
{
    private static IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Message(int events, string tag) =>
        [.. Enumerable.Range(0, events).Select(i => ((EntryEvent)null!, (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes($"{tag}{i}")))];

    private static string Tag((EntryEvent Entry, ReadOnlyMemory<byte> Payload) e) => System.Text.Encoding.UTF8.GetString(e.Payload.Span);

    [Fact]
    public async Task StoreAsync_MessagesQueuedDuringACommit_GoTogetherIntoTheNext_EachGetsItsOwnShare()
    {
        using var firstStarted = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var calls = new List<List<string>>();
        using var group = new PostgresGroupCommit(events =>
        {
            lock (calls)
            {
                calls.Add([.. events.Select(Tag)]);
            }

            if (calls.Count == 1)
            {
                firstStarted.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            // Events tagged 'dup' were stored before; 'bad' ones conflict.
            return [.. events.Select(e => Tag(e).StartsWith("dup", StringComparison.Ordinal) ? StoreOutcome.Duplicate
                : Tag(e).StartsWith("bad", StringComparison.Ordinal) ? StoreOutcome.Conflict : StoreOutcome.Added)];
        });

        var first = group.StoreAsync(Message(1, "a"));
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(30)));
        var second = group.StoreAsync(Message(2, "b"));
        var third = group.StoreAsync([.. Message(1, "dup"), .. Message(1, "bad"), .. Message(1, "c")]);
        release.Set();

        Assert.Equal(new StoreResult(1, 0, []).Added, (await first).Added);
        var b = await second;
        var c = await third;

        Assert.Equal(2, calls.Count);
        Assert.Equal(["b0", "b1", "dup0", "bad0", "c0"], calls[1]);
        Assert.Equal((2, 0), (b.Added, b.Duplicates));
        Assert.Empty(b.Conflicts);
        Assert.Equal((1, 1), (c.Added, c.Duplicates));
        Assert.Equal([1], c.Conflicts); // the index within its own message, not within the combined transaction
    }

    [Fact]
    public async Task StoreAsync_CombinedTransactionFails_EachMessageTriedAlone_OnlyTheFailingOneFails()
    {
        using var firstStarted = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var calls = 0;
        using var group = new PostgresGroupCommit(events =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstStarted.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            if (events.Any(e => Tag(e).StartsWith("poison", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException("cannot store");
            }

            return [.. events.Select(_ => StoreOutcome.Added)];
        });

        var first = group.StoreAsync(Message(1, "a"));
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(30)));
        var good1 = group.StoreAsync(Message(2, "b"));
        var poison = group.StoreAsync(Message(1, "poison"));
        var good2 = group.StoreAsync(Message(3, "c"));
        release.Set();

        await first;
        Assert.Equal(2, (await good1).Added);
        Assert.Equal(3, (await good2).Added);
        await Assert.ThrowsAsync<InvalidOperationException>(() => poison);
        Assert.Equal(1 + 1 + 3, calls); // the first, the combined one that failed, then each of the three alone
    }

    [Fact]
    public async Task Dispose_LetsQueuedMessagesFinish_ThenRefusesNewOnes()
    {
        var group = new PostgresGroupCommit(events => [.. events.Select(_ => StoreOutcome.Added)]);
        var queued = group.StoreAsync(Message(5, "a"));
        group.Dispose();

        Assert.Equal(5, (await queued).Added);
        Assert.Throws<ObjectDisposedException>(() => { _ = group.StoreAsync(Message(1, "b")); });
    }
}
