using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Mqtt.Tests;

public sealed class MqttEntryPublisherIdleTests
{
    [SkippableFact(Timeout = 60_000)]
    public async Task RunPassAsync_ManyIdlePassesWhileConnected_LeavesNoWaiterOnTheAppendSignal()
    {
        Skip.IfNot(Mosquitto.IsInstalled, Mosquitto.NotInstalled);
        await using var broker = await Mosquitto.StartAsync();
        var journal = new WaitCountingJournal(new FakeEntryJournal());
        var mqtt = new MqttOptions { Host = "127.0.0.1", Port = broker.Port };

        // Fake time parks the publisher's own loop in its idle wait, so only the passes below run.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var publisher = new MqttEntryPublisher(journal, Options.Create(mqtt), Options.Create(new KioskOptions { SiteId = "site-1", KioskId = "kiosk-1" }), time, NullLoggerFactory.Instance);
        await publisher.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => publisher.IsConnected && journal.WaitCount > 0, TimeSpan.FromSeconds(20), "connected and idle");
        using var session = new CancellationTokenSource();

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(await publisher.RunPassAsync(TimeSpan.Zero, session.Token));
        }

        // Every wait handed out must be finished by the end of its pass; a pending one is a waiter (and a
        // registration on the session token) that nothing removes until the next append. The loop's own wait is the one left.
        Assert.True(journal.WaitCount > 1000);
        Assert.Equal(1, journal.Pending);
        await publisher.StopAsync(CancellationToken.None);
    }

    /// <summary>Hands out the real journal's waits and keeps them, to see which are still pending.</summary>
    private sealed class WaitCountingJournal(IEntryJournal inner) : IEntryJournal
    {
        private readonly List<Task> _waits = [];

        public int WaitCount
        {
            get
            {
                lock (_waits)
                {
                    return _waits.Count;
                }
            }
        }

        public int Pending
        {
            get
            {
                lock (_waits)
                {
                    return _waits.Count(w => !w.IsCompleted);
                }
            }
        }

        public JournaledEvent Append(EventDraft draft) => inner.Append(draft);

        public IReadOnlyList<JournaledEvent> ReadUnsent(long afterSeq, int max) => inner.ReadUnsent(afterSeq, max);

        public void MarkSent(IReadOnlyList<long> seqs) => inner.MarkSent(seqs);

        public void SetAside(IReadOnlyList<long> seqs) => inner.SetAside(seqs);

        public int Requeue(long fromSeq, long toSeq) => inner.Requeue(fromSeq, toSeq);

        public int RequeueSetAside() => inner.RequeueSetAside();

        public JournalStats GetStats() => inner.GetStats();

        public Task WaitForAppendAsync(CancellationToken cancellationToken)
        {
            var wait = inner.WaitForAppendAsync(cancellationToken);
            lock (_waits)
            {
                _waits.Add(wait);
            }

            return wait;
        }
    }
}
