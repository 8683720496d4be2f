using GateKiosk.Central.Collecting;
using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Collecting;

/// <summary>The collector's lanes: one kiosk's messages in order, kiosks side by side, no wait on the store, faults not acknowledged.</summary>
public sealed class IngestLanesTests
{
    private static readonly IngestResult Stored = new(IngestOutcome.Stored, 1);

    [Fact(Timeout = 30_000)]
    public async Task Post_ManyKiosksInterleaved_EachKiosksMessagesHandledInOrder_EveryResultDelivered()
    {
        var handled = new List<(string Topic, int N)>();
        await using var lanes = new IngestLanes(4, (topic, payload) =>
        {
            lock (handled)
            {
                handled.Add((topic, BitConverter.ToInt32(payload)));
            }

            return Task.FromResult(Stored);
        });

        var results = new List<Task<IngestResult>>();
        for (var n = 0; n < 2000; n++)
        {
            results.Add(lanes.Post($"gatekiosk/v1/site-{n % 3}/kiosk-{n % 7}/events", BitConverter.GetBytes(n)));
        }

        Assert.All(await Task.WhenAll(results), r => Assert.Equal(Stored, r));
        lock (handled)
        {
            Assert.Equal(2000, handled.Count);
            foreach (var kiosk in handled.GroupBy(h => h.Topic))
            {
                var order = kiosk.Select(h => h.N).ToList();
                Assert.Equal(order.Order(), order);
            }
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_StoreNotDoneForTheFirst_NextOfTheSameKioskStartedAnyway_ResultsFollowTheStore()
    {
        var store = new TaskCompletionSource<IngestResult>();
        var started = new List<int>();
        await using var lanes = new IngestLanes(2, (topic, payload) =>
        {
            lock (started)
            {
                started.Add(payload[0]);
            }

            return payload[0] == 1 ? store.Task : Task.FromResult(Stored);
        });

        var first = lanes.Post("gatekiosk/v1/site-1/kiosk-1/events", [1]);
        var second = lanes.Post("gatekiosk/v1/site-1/kiosk-1/events", [2]);

        Assert.Equal(Stored, await second);
        Assert.False(first.IsCompleted);
        store.SetResult(new IngestResult(IngestOutcome.Rejected));
        Assert.Equal(IngestOutcome.Rejected, (await first).Outcome);
        lock (started)
        {
            Assert.Equal([1, 2], started);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_HandlerThrowsOrItsTaskFaults_StoreFailed_LaneGoesOn()
    {
        await using var lanes = new IngestLanes(1, (topic, payload) => payload[0] switch
        {
            1 => throw new InvalidOperationException("the store is gone"),
            2 => Task.FromException<IngestResult>(new IOException("disk")),
            3 => FaultLaterAsync(),
            _ => Task.FromResult(Stored),
        });

        Assert.Equal(IngestOutcome.StoreFailed, (await lanes.Post("gatekiosk/v1/s/k/events", [1])).Outcome);
        Assert.Equal(IngestOutcome.StoreFailed, (await lanes.Post("gatekiosk/v1/s/k/events", [2])).Outcome);
        Assert.Equal(IngestOutcome.StoreFailed, (await lanes.Post("gatekiosk/v1/s/k/events", [3])).Outcome);
        Assert.Equal(Stored, await lanes.Post("gatekiosk/v1/s/k/events", [4]));

        static async Task<IngestResult> FaultLaterAsync()
        {
            await Task.Yield();
            throw new IOException("disk");
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_AfterComplete_StoreFailed_SoTheBrokerDeliversItAgain()
    {
        var lanes = new IngestLanes(2, (topic, payload) => Task.FromResult(Stored));
        await lanes.DisposeAsync();

        Assert.Equal(IngestOutcome.StoreFailed, (await lanes.Post("gatekiosk/v1/site-1/kiosk-1/events", [1])).Outcome);
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_TwoKiosksOneStuckInItsHandler_TheOtherLaneGoesOn()
    {
        using var release = new ManualResetEventSlim();
        await using var lanes = new IngestLanes(8, (topic, payload) =>
        {
            if (payload[0] == 1)
            {
                release.Wait(TimeSpan.FromSeconds(20)); // parsing that takes long, on its lane's thread
            }

            return Task.FromResult(Stored);
        });

        // Two topics on different lanes.
        var topics = Enumerable.Range(0, 64).Select(i => $"gatekiosk/v1/site-1/kiosk-{i}/events").ToList();
        var stuck = lanes.Post(topics[0], [1]);
        var others = topics.Skip(1).Select(t => lanes.Post(t, [2])).ToList();

        await Eventually.TrueAsync(() => others.Count(o => o.IsCompleted) >= others.Count / 2, TimeSpan.FromSeconds(10), "the other kiosks' messages are handled");
        Assert.False(stuck.IsCompleted);
        release.Set();
        Assert.Equal(Stored, await stuck);
    }
}
