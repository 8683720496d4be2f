using System.Device.Gpio;
using System.Diagnostics;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Simulated;
using GateKiosk.Storage;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Benchmarks;

/// <summary>
/// Scan complete → relay on, in process, through the real pipeline (allowlist verifier, decider, the given journal
/// and a GPIO gate signal on a simulated driver): the measuring part shared by the benchmarks that time the scan path.
/// </summary>
internal static class RelayLatency
{
    /// <summary>The site and kiosk the measured pipeline decides for.</summary>
    public const string SiteId = "bench";

    /// <summary>The kiosk id of the measured pipeline.</summary>
    public const string KioskId = "gate-1";

    /// <summary>
    /// Time between the end of one measured scan and the next: 100 scans a second, about a hundred times what the
    /// busiest gate sees (a person every second or two), and still close enough that the journal's work between scans
    /// (its background checkpoint) must fit in the gaps. Scans back to back would measure a saturated journal instead.
    /// </summary>
    public static readonly TimeSpan ScanGap = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Runs <paramref name="warmUp"/> + <paramref name="scans"/> allowed scans through the pipeline over
    /// <paramref name="journal"/>, <see cref="ScanGap"/> apart, and returns the scan → relay-on latency in milliseconds
    /// of the last <paramref name="scans"/>; the relay is released after each scan, outside the measurement.
    /// </summary>
    public static double[] Measure(IEntryJournal journal, int scans, int warmUp)
    {
        var time = TimeProvider.System;
        var driver = new SimulatedGpioDriver();
        var gpio = new GpioOptions { Driver = GpioDriverKind.Simulated };
        long relayOnAt = 0;
        driver.PinWritten += (pin, value) =>
        {
            if (pin == gpio.RelayPin && value == PinValue.Low)
            {
                relayOnAt = Stopwatch.GetTimestamp();
            }
        };

        var badges = new BadgeOptions();
        badges.Allowlist.Add("E1001");
        var kiosk = Options.Create(new KioskOptions { SiteId = SiteId, KioskId = KioskId });
        using var signal = new GpioGateSignal(new GpioController(driver), Options.Create(gpio), time, shouldDispose: true);
        var pipeline = new GatePipeline(
            new CredentialVerifier([new BadgeAllowlistVerifier(Options.Create(badges))]),
            new AccessDecider(kiosk),
            journal,
            signal,
            new FakeTimeSourceProbe(),
            time,
            NullLogger<GatePipeline>.Instance);

        var samples = new double[scans];
        for (var i = 0; i < warmUp + scans; i++)
        {
            var scan = new RawScan("E1001", Stopwatch.GetTimestamp(), "bench");
            relayOnAt = 0;
            pipeline.Process(scan);
            if (relayOnAt == 0)
            {
                throw new InvalidOperationException("the relay was not driven on for an allow");
            }

            if (i >= warmUp)
            {
                samples[i - warmUp] = Stopwatch.GetElapsedTime(scan.CompletedAt, relayOnAt).TotalMilliseconds;
            }

            // Release the relay (outside the measurement) so the next allow drives it on again.
            signal.SetSafeState();
            Thread.Sleep(ScanGap);
        }

        return samples;
    }

    /// <summary>Appends <paramref name="count"/> allowed entries in transactions of 1,000, as a journal holds them after a day.</summary>
    public static void Fill(SqliteEntryJournal journal, int count)
    {
        var template = new EventDraft { Type = Contracts.EventTypes.Entry, OccurredAt = TimeProvider.System.GetUtcNow(), TimeSource = "ntp", Decision = "allow", Reason = "valid" };
        for (var i = 0; i < count; i += 1000)
        {
            journal.AppendRange([.. Enumerable.Repeat(template, Math.Min(1000, count - i))]);
        }
    }

    public static string Describe(double[] samples) =>
        $"p50 {Percentile(samples, 0.50):F3} ms  p99 {Percentile(samples, 0.99):F3} ms  max {samples.Max():F3} ms";

    public static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
