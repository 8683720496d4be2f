using System.Buffers;
using System.Globalization;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Mqtt;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Scan complete → relay on through the real pipeline, the durable SQLite journal and the real publisher connected to
/// a Mosquitto, first with the command topic quiet and then while another client floods it as fast as it can with
/// <c>resend</c> commands over 1..2^63 (fresh ids, replays, stale and retained ones), as anyone on an open broker
/// could. Exits non-zero when the p99 under the flood is above <see cref="TargetP99Ratio"/> × the quiet p99.
/// </summary>
internal sealed class CommandFloodBenchmark : IBenchmark
{
    /// <summary>Scan → relay-on p99 while commands flood may be at most this many times the p99 without them.</summary>
    private const double TargetP99Ratio = 2.0;

    /// <summary>Events in the journal, all sent, so each admitted resend has real rows to put back.</summary>
    private const int JournalEvents = 20_000;

    /// <summary>Publishes the flooding client keeps in flight (QoS 1, so the broker's per-client queue bounds what it holds).</summary>
    private const int FloodWindow = 64;

    public string Name => "command-flood";

    public string Description => "scan → relay-on p50/p99 through journal and MQTT publisher while the command topic is flooded, vs the same without the flood";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        // Usage: command-flood [samples per phase, default 3000]; a small number (e.g. 500) is a quick check, not a figure.
        var scans = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3000;
        var warmUp = Math.Max(200, scans / 10);
        var verdict = new TargetVerdict();
        var p99Target = $"scan → relay-on p99 with the command flood ≤ {TargetP99Ratio:F1}× p99 without";
        var floodTarget = "the flood reached the kiosk (commands answered or dropped)";
        if (!Mosquitto.IsInstalled)
        {
            verdict.NotMeasured(p99Target, Mosquitto.NotInstalled);
            return await verdict.ReportAsync(output);
        }

        var folder = Path.Combine(Environment.CurrentDirectory, "artifacts", "bench-command-flood");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        await output.WriteLineAsync($"folder: {folder} ({scans} samples per phase after {warmUp} warm-up, scans {RelayLatency.ScanGap.TotalMilliseconds:F0} ms apart, journal of {JournalEvents:N0} events)");

        await using (var broker = await Mosquitto.StartAsync())
        {
            using var journal = new SqliteEntryJournal(Path.Combine(folder, "journal.db"), RelayLatency.SiteId, RelayLatency.KioskId);
            RelayLatency.Fill(journal, JournalEvents);
            var mqtt = new MqttOptions { Host = "127.0.0.1", Port = broker.Port };
            using var publisher = new MqttEntryPublisher(journal, Options.Create(mqtt), Options.Create(new KioskOptions { SiteId = RelayLatency.SiteId, KioskId = RelayLatency.KioskId }), TimeProvider.System, NullLoggerFactory.Instance);
            await using var attacker = await Attacker.ConnectAsync(broker.Port);
            await publisher.StartAsync(CancellationToken.None);
            try
            {
                if (!await WaitAsync(() => publisher.IsConnected && journal.GetStats().Unsent == 0, TimeSpan.FromSeconds(120)))
                {
                    verdict.NotMeasured(p99Target, $"the publisher did not connect and send the journal (connected {publisher.IsConnected}, {journal.GetStats().Unsent} unsent)");
                    return await verdict.ReportAsync(output);
                }

                var quiet = RelayLatency.Measure(journal, scans, warmUp);

                var droppedBefore = publisher.CommandsDropped;
                using var stop = new CancellationTokenSource();
                var flood = attacker.FloodAsync(stop.Token);
                var flooded = RelayLatency.Measure(journal, scans, warmUp);
                await stop.CancelAsync();
                var sent = await flood;

                // Answers to commands admitted during the flood may still be on their way; they count as the flood's.
                await WaitAsync(() => false, TimeSpan.FromSeconds(2));
                var (answered, requeued) = attacker.Answers;
                var dropped = publisher.CommandsDropped - droppedBefore;

                await output.WriteLineAsync($"scan → relay-on, no commands:             {RelayLatency.Describe(quiet)}");
                await output.WriteLineAsync($"scan → relay-on, command topic flooded:   {RelayLatency.Describe(flooded)}");
                await output.WriteLineAsync($"flood: {sent:N0} commands sent, {answered:N0} answered, {dropped:N0} dropped by the rate limit, {requeued:N0} events queued again");
                await output.WriteLineAsync($"flood answers by kind: {attacker.AnswerKinds}");
                var p50Ratio = RelayLatency.Percentile(flooded, 0.50) / RelayLatency.Percentile(quiet, 0.50);
                var p99Ratio = RelayLatency.Percentile(flooded, 0.99) / RelayLatency.Percentile(quiet, 0.99);
                await output.WriteLineAsync($"ratio flooded/quiet: p50 {p50Ratio:F2}  p99 {p99Ratio:F2}");

                verdict.Check(floodTarget, answered + dropped > 0, $"{answered:N0} answered, {dropped:N0} dropped of {sent:N0} sent");
                verdict.Check(p99Target, p99Ratio <= TargetP99Ratio, $"{p99Ratio:F2}×: {RelayLatency.Percentile(flooded, 0.99):F3} ms vs {RelayLatency.Percentile(quiet, 0.99):F3} ms");
            }
            finally
            {
                await publisher.StopAsync(CancellationToken.None);
            }
        }

        Directory.Delete(folder, recursive: true);
        return await verdict.ReportAsync(output);
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>
    /// Another client on the open broker: publishes commands at the kiosk's <c>cmd</c> topic as fast as the broker
    /// takes them and listens on <c>cmd/result</c> for what the kiosk answers.
    /// </summary>
    private sealed class Attacker : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly string _commandTopic = Topics.Command(RelayLatency.SiteId, RelayLatency.KioskId);
        private readonly Lock _lock = new();
        private readonly Dictionary<string, long> _kinds = [];
        private long _answered;
        private long _requeued;

        private Attacker(IMqttClient client) => _client = client;

        public (long Answered, long Requeued) Answers
        {
            get
            {
                lock (_lock)
                {
                    return (_answered, _requeued);
                }
            }
        }

        public string AnswerKinds
        {
            get
            {
                lock (_lock)
                {
                    return _kinds.Count == 0 ? "none" : string.Join(", ", _kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value:N0}"));
                }
            }
        }

        public static async Task<Attacker> ConnectAsync(int port)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var attacker = new Attacker(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                var result = JsonSerializer.Deserialize(e.ApplicationMessage.Payload.ToArray(), ContractsJsonContext.Default.CommandResult);
                lock (attacker._lock)
                {
                    attacker._answered++;
                    attacker._requeued += result is { Status: "done", Count: { } count } ? count : 0;
                    var kind = result is null ? "unreadable" : result.Detail is null ? result.Status : $"{result.Status} {result.Detail}";
                    attacker._kinds[kind] = attacker._kinds.GetValueOrDefault(kind) + 1;
                }

                return Task.CompletedTask;
            };
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-attacker").Build());
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CommandResult(RelayLatency.SiteId, RelayLatency.KioskId), MqttQualityOfServiceLevel.AtLeastOnce).Build());
            return attacker;
        }

        /// <summary>Floods until <paramref name="stop"/>; returns how many commands the broker acknowledged.</summary>
        public async Task<long> FloodAsync(CancellationToken stop)
        {
            long sent = 0;
            var replayable = Guid.NewGuid();
            var inFlight = new List<Task>(FloodWindow);
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                // Fresh resends of everything, replays of one id, stale ones and retained ones, in turn.
                var now = DateTimeOffset.UtcNow;
                var (command, retain) = (i % 4) switch
                {
                    0 => (new KioskCommand(Guid.NewGuid(), CommandTypes.Resend, 1, long.MaxValue, now), false),
                    1 => (new KioskCommand(replayable, CommandTypes.Resend, 1, long.MaxValue, now), false),
                    2 => (new KioskCommand(Guid.NewGuid(), CommandTypes.Resend, 1, long.MaxValue, now.AddMinutes(-30)), false),
                    _ => (new KioskCommand(Guid.NewGuid(), CommandTypes.Resend, 1, long.MaxValue, now), true),
                };
                inFlight.Add(_client.PublishAsync(
                    new MqttApplicationMessage
                    {
                        Topic = _commandTopic,
                        Payload = new ReadOnlySequence<byte>(JsonSerializer.SerializeToUtf8Bytes(command, ContractsJsonContext.Default.KioskCommand)),
                        QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
                        Retain = retain,
                    },
                    CancellationToken.None));
                if (inFlight.Count == FloodWindow)
                {
                    await Task.WhenAll(inFlight);
                    sent += inFlight.Count;
                    inFlight.Clear();
                }
            }

            await Task.WhenAll(inFlight);
            sent += inFlight.Count;

            // Leave no retained command behind on the broker.
            await _client.PublishAsync(new MqttApplicationMessage { Topic = _commandTopic, Payload = ReadOnlySequence<byte>.Empty, Retain = true }, CancellationToken.None);
            return sent;
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }

            _client.Dispose();
        }
    }
}
