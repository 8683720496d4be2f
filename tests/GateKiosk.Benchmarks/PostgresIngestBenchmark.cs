using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Central's PostgreSQL store ingesting kiosks' chains in batches, through binary COPY into staging (what central uses)
/// next to multi-row INSERT into staging (the peer), each into a fresh database of one throwaway cluster, the two
/// alternating so that the machine's load falls on both alike. Target: COPY at least 0.9× the INSERT rate.
/// </summary>
internal sealed class PostgresIngestBenchmark : IBenchmark
{
    public string Name => "postgres-ingest";

    public string Description => "PostgreSQL store: batches via binary COPY vs multi-row INSERT (events/s, ratio); --short for a quick run";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var verdict = new TargetVerdict();
        const string target = "COPY ingest ≥ 0.9× multi-row INSERT";
        if (PostgresServer.BinDirectory is null)
        {
            verdict.NotMeasured(target, PostgresServer.NotInstalled);
            return await verdict.ReportAsync(output);
        }

        var isShort = args.Contains("--short");
        var (kiosks, perKiosk, batch, rounds) = isShort ? (50, 200, 250, 2) : (200, 500, 500, 3);
        var events = Generate(kiosks, perKiosk);
        await output.WriteLineAsync($"{events.Count:N0} events of {kiosks} kiosks, batches of {batch}, {rounds} rounds each; server: Debian PostgreSQL, fsync off (a throwaway cluster): figures are relative");

        await using var server = await PostgresServer.StartAsync("bench");
        var rates = new Dictionary<PostgresIngestMode, List<double>> { [PostgresIngestMode.Copy] = [], [PostgresIngestMode.Insert] = [] };
        var n = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var mode in round % 2 == 0 ? new[] { PostgresIngestMode.Copy, PostgresIngestMode.Insert } : [PostgresIngestMode.Insert, PostgresIngestMode.Copy])
            {
                var database = "b" + (++n).ToString(CultureInfo.InvariantCulture);
                await server.CreateDatabaseAsync(database);
                using var store = new PostgresEventStore(server.ConnectionStringFor(database), TimeProvider.System) { IngestMode = mode };
                var watch = Stopwatch.StartNew();
                var added = 0;
                foreach (var chunk in events.Chunk(batch))
                {
                    added += store.Store(chunk).Added;
                }

                watch.Stop();
                if (added != events.Count)
                {
                    verdict.NotMeasured(target, $"{mode} stored {added} of {events.Count} events");
                    return await verdict.ReportAsync(output);
                }

                var rate = events.Count / watch.Elapsed.TotalSeconds;
                rates[mode].Add(rate);
                await output.WriteLineAsync($"round {round + 1} {mode,-6}: {rate,10:N0} events/s ({watch.Elapsed.TotalMilliseconds:N0} ms)");
            }
        }

        var copy = Median(rates[PostgresIngestMode.Copy]);
        var insert = Median(rates[PostgresIngestMode.Insert]);
        var ratio = copy / insert;
        await output.WriteLineAsync($"median: COPY {copy:N0} events/s, multi-row INSERT {insert:N0} events/s, ratio {ratio:0.00}×");
        verdict.Check(target, ratio >= 0.9, $"{ratio:0.00}×");
        return await verdict.ReportAsync(output);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Valid chains of <paramref name="kiosks"/> kiosks, interleaved as they reach central from many kiosks at once.</summary>
    private static List<(EntryEvent Entry, ReadOnlyMemory<byte> Payload)> Generate(int kiosks, int perKiosk)
    {
        var heads = Enumerable.Repeat(EventChain.Genesis, kiosks).ToArray();
        var start = new DateTimeOffset(2026, 11, 27, 7, 0, 0, TimeSpan.Zero);
        var all = new List<(EntryEvent, ReadOnlyMemory<byte>)>(kiosks * perKiosk);
        for (var seq = 1; seq <= perKiosk; seq++)
        {
            for (var k = 0; k < kiosks; k++)
            {
                var at = start.AddSeconds((seq * kiosks) + k);
                var draft = new EventDraft
                {
                    Type = EventTypes.Entry,
                    OccurredAt = at,
                    TimeSource = TimeSources.Ntp,
                    Direction = "in",
                    Decision = Decisions.Allow,
                    Reason = ReasonCodes.Valid,
                    Credential = new CredentialRef(CredentialKinds.StaffPass, "org", $"S{(seq * 7919 + k) % 5000:D5}"),
                };
                var kiosk = $"kiosk-{k:D4}";
                var payload = EventChain.Serialize(EventChain.Seal(draft, $"site-{k % 10}", kiosk, seq, heads[k], Guid.CreateVersion7(at)));
                heads[k] = EventChain.Hash(payload);
                all.Add((JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.EntryEvent)!, payload));
            }
        }

        return all;
    }
}
