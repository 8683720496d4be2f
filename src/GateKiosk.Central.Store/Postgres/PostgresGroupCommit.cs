using System.Threading.Channels;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Storage;

/// <summary>What became of one event of a batch.</summary>
internal enum StoreOutcome
{
    /// <summary>Stored now.</summary>
    Added,

    /// <summary>Already stored with the same bytes.</summary>
    Duplicate,

    /// <summary>Its eventId is stored with other bytes (recorded as a chain break; not stored).</summary>
    Conflict,
}

/// <summary>
/// Group commit for the PostgreSQL store. Each MQTT message is a small batch, often one event; a transaction each would
/// cost one commit (and one flush to disk) per event. Messages that queue while a transaction runs go into the next one
/// together, up to <see cref="MaxEventsPerCommit"/> events, and each message's task completes after that commit with its
/// own share of the result. When a combined transaction fails, its messages are stored again one by one, so one message
/// that cannot be stored fails alone.
/// </summary>
internal sealed class PostgresGroupCommit : IDisposable
{
    /// <summary>Most events in one combined transaction.</summary>
    internal const int MaxEventsPerCommit = 4096;

    private readonly Func<IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)>, StoreOutcome[]> _store;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <param name="store">Stores events in one transaction and returns the outcome of each, in order.</param>
    public PostgresGroupCommit(Func<IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)>, StoreOutcome[]> store)
    {
        _store = store;
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Queues one message's events; the task completes once they are committed.</summary>
    public Task<StoreResult> StoreAsync(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        if (events.Count == 0)
        {
            return Task.FromResult(new StoreResult(0, 0, []));
        }

        var pending = new Pending(events);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return pending.Done.Task;
    }

    /// <summary>The result of the events <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/> of a batch.</summary>
    public static StoreResult Result(StoreOutcome[] outcomes, int offset, int count)
    {
        var added = 0;
        var duplicates = 0;
        var conflicts = new List<int>();
        for (var i = 0; i < count; i++)
        {
            switch (outcomes[offset + i])
            {
                case StoreOutcome.Added: added++; break;
                case StoreOutcome.Duplicate: duplicates++; break;
                default: conflicts.Add(i); break;
            }
        }

        return new StoreResult(added, duplicates, conflicts);
    }

    /// <summary>Lets queued messages be stored, then stops.</summary>
    public void Dispose()
    {
        if (_queue.Writer.TryComplete())
        {
            _loop.GetAwaiter().GetResult();
        }
    }

    private async Task RunAsync()
    {
        var group = new List<Pending>();
        var events = new List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            events.Clear();
            while (events.Count < MaxEventsPerCommit && _queue.Reader.TryRead(out var next))
            {
                group.Add(next);
                events.AddRange(next.Events);
            }

            Commit(group, events);
        }
    }

    private void Commit(List<Pending> group, List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        StoreOutcome[] outcomes;
        try
        {
            outcomes = _store(events);
        }
#pragma warning disable CA1031 // The transaction stored nothing; each message is tried alone below, or told.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (group.Count == 1)
            {
                group[0].Done.TrySetException(ex);
                return;
            }

            foreach (var pending in group)
            {
                Commit([pending], [.. pending.Events]);
            }

            return;
        }

        var offset = 0;
        foreach (var pending in group)
        {
            pending.Done.TrySetResult(Result(outcomes, offset, pending.Events.Count));
            offset += pending.Events.Count;
        }
    }

    private sealed class Pending(IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> events)
    {
        public IReadOnlyList<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Events { get; } = events;

        public TaskCompletionSource<StoreResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
