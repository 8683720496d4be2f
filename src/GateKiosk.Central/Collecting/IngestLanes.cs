using System.Threading.Channels;

namespace GateKiosk.Central.Collecting;

/// <summary>
/// Hands messages to a few lanes that parse and check them in parallel, so the MQTT client's receive loop only copies
/// each message and moves on. A message's lane is chosen by the kiosk in its topic: one kiosk's messages are handled,
/// and reach the store's writer, in the order they came; different kiosks' side by side. A lane starts a message's
/// handling and takes the next one at once, without waiting for the store, so the writer still commits what queued up
/// together. Nothing here grows without bound: what is unacknowledged is capped by the broker's in-flight window.
/// </summary>
internal sealed class IngestLanes : IAsyncDisposable
{
    private readonly Channel<Item>[] _lanes;
    private readonly Task[] _loops;
    private readonly Func<string, byte[], Task<IngestResult>> _handle;

    /// <param name="count">How many lanes.</param>
    /// <param name="handle">Handles one message; its task completes once the store has what the message carries.</param>
    public IngestLanes(int count, Func<string, byte[], Task<IngestResult>> handle)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _handle = handle;
        _lanes = [.. Enumerable.Range(0, count).Select(_ => Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true }))];
        _loops = [.. _lanes.Select(lane => Task.Run(() => RunAsync(lane.Reader)))];
    }

    /// <summary>The lanes a collector uses on this machine: one per core, at least two, at most eight.</summary>
    public static int DefaultCount => Math.Clamp(Environment.ProcessorCount, 2, 8);

    /// <summary>Queues a message on its kiosk's lane; the task is its result (a store failure when the lanes are stopping).</summary>
    public Task<IngestResult> Post(string topic, byte[] payload)
    {
        var item = new Item(topic, payload, new TaskCompletionSource<IngestResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_lanes[LaneOf(topic)].Writer.TryWrite(item))
        {
            item.Result.SetResult(new IngestResult(IngestOutcome.StoreFailed));
        }

        return item.Result.Task;
    }

    /// <summary>Takes no more messages; the lanes end once they have started what they hold.</summary>
    public void Complete()
    {
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Complete();
        await Task.WhenAll(_loops);
    }

    /// <summary>The lane of a topic's kiosk: the text up to the kiosk id (<c>gatekiosk/v1/{site}/{kiosk}</c>) picks it.</summary>
    private int LaneOf(string topic)
    {
        var end = 0;
        for (var slashes = 0; end < topic.Length; end++)
        {
            if (topic[end] == '/' && ++slashes == 4)
            {
                break;
            }
        }

        var hash = string.GetHashCode(topic.AsSpan(0, end), StringComparison.Ordinal);
        return (int)((uint)hash % (uint)_lanes.Length);
    }

    private async Task RunAsync(ChannelReader<Item> reader)
    {
        await foreach (var item in reader.ReadAllAsync(CancellationToken.None))
        {
            Task<IngestResult> handled;
            try
            {
                handled = _handle(item.Topic, item.Payload);
            }
#pragma warning disable CA1031 // The handler reports its own faults as results; anything left is a store failure: not acknowledged.
            catch (Exception)
#pragma warning restore CA1031
            {
                handled = Task.FromResult(new IngestResult(IngestOutcome.StoreFailed));
            }

            if (handled.IsCompleted)
            {
                item.Result.SetResult(handled.IsCompletedSuccessfully ? handled.Result : new IngestResult(IngestOutcome.StoreFailed));
            }
            else
            {
                _ = ForwardAsync(handled, item.Result);
            }
        }
    }

    private static async Task ForwardAsync(Task<IngestResult> handled, TaskCompletionSource<IngestResult> result)
    {
        try
        {
            result.SetResult(await handled);
        }
#pragma warning disable CA1031 // As above: a fault is a store failure.
        catch (Exception)
#pragma warning restore CA1031
        {
            result.SetResult(new IngestResult(IngestOutcome.StoreFailed));
        }
    }

    private sealed record Item(string Topic, byte[] Payload, TaskCompletionSource<IngestResult> Result);
}
