using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GateKiosk.Core.Scanning;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning.Evdev;

/// <summary>
/// A keyboard-wedge (USB HID) scanner read through Linux evdev. The device is taken exclusively, its key events are
/// turned into text with the configured layout, bursts typed by a person or holding characters outside the allowed
/// set are dropped, and when the device goes away (unplugged) it is opened again until it is back.
/// </summary>
internal sealed class EvdevScanSource : IScanSource
{
    private readonly Func<Stream> _open;
    private readonly KeyboardLayout _layout;
    private readonly KeystrokeRules _rules;
    private readonly ScannerPresence _presence;
    private readonly ScannerHealthTracker _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="name">Name for logs and health.</param>
    /// <param name="open">Opens (and grabs) the device; tests return recorded bytes. Throws when the device is absent.</param>
    public EvdevScanSource(
        string name,
        Func<Stream> open,
        KeyboardLayout layout,
        KeystrokeRules rules,
        TimeSpan reconnectDelay,
        ScannerHealthTracker health,
        TimeProvider time,
        ILogger logger)
    {
        Name = name;
        _open = open;
        _layout = layout;
        _rules = rules;
        _presence = new ScannerPresence(name, reconnectDelay, health, time, logger);
        _health = health;
        _time = time;
        _logger = logger;
    }

    public string Name { get; }

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var assembler = new KeystrokeAssembler(_layout, _rules);
        while (!cancellationToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                stream = _open();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await _presence.LostAsync(ex.Message, cancellationToken);
                continue;
            }

            _presence.MarkConnected();
            var events = Channel.CreateUnbounded<InputEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

            // A read on a device blocks in the kernel and ignores cancellation, so it runs apart from the assembly,
            // which must also notice a pause when no key comes at all.
            var pump = Task.Run(() => PumpAsync(stream, events.Writer, stop.Token), CancellationToken.None);
            string? lostReason = null;
            try
            {
                while (lostReason is null)
                {
                    InputEvent e;
                    var next = await NextAsync(events.Reader, assembler.HasPending, cancellationToken);
                    switch (next.Outcome)
                    {
                        case NextOutcome.Event:
                            e = next.Event;
                            break;
                        case NextOutcome.Pause:
                            if (Finish(assembler.Flush()) is { } paused)
                            {
                                yield return paused;
                            }

                            continue;
                        default:
                            lostReason = next.Reason ?? "end of stream";
                            Finish(assembler.Abandon());
                            continue;
                    }

                    if (Finish(assembler.Add(e)) is { } scan)
                    {
                        yield return scan;
                    }
                }
            }
            finally
            {
                // Also when the kiosk stops mid-read: give the device (and its grab) back at once.
                await stop.CancelAsync();
                await stream.DisposeAsync();
            }

            await _presence.LostAsync(lostReason ?? "end of stream", cancellationToken);
        }
    }

    private static async Task PumpAsync(Stream stream, ChannelWriter<InputEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in InputEvent.ReadAllAsync(stream, cancellationToken))
            {
                await writer.WriteAsync(e, cancellationToken);
            }

            writer.TryComplete();
        }
#pragma warning disable CA1031 // Whatever ends the read (ENODEV on unplug, a closed handle) ends this device session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            writer.TryComplete(ex);
        }
    }

    private async Task<Next> NextAsync(ChannelReader<InputEvent> reader, bool pending, CancellationToken cancellationToken)
    {
        if (reader.TryRead(out var ready))
        {
            return new Next(NextOutcome.Event, ready, null);
        }

        // Keys are waiting: if none follows within the gap, the burst is over (scanners without a suffix).
        using var gap = pending ? new CancellationTokenSource(_rules.KeyGap, _time) : new CancellationTokenSource();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, gap.Token);
        try
        {
            var more = await reader.WaitToReadAsync(wait.Token);
            return more && reader.TryRead(out var e)
                ? new Next(NextOutcome.Event, e, null)
                : new Next(NextOutcome.Lost, default, "end of stream");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Next(NextOutcome.Pause, default, null);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return new Next(NextOutcome.Lost, default, ex.Message);
        }
    }

    private RawScan? Finish(KeystrokeResult? result)
    {
        if (result is not { } r)
        {
            return null;
        }

        if (!r.Accepted)
        {
            _health.RecordDecodeFailure();
            _logger.InputRejected(Name, r.Rejection.ToString(), r.Text);
            return null;
        }

        _health.RecordRead();
        _logger.CodeRead(Name, r.Text);
        return new RawScan(r.Text, _time.GetTimestamp(), Name);
    }

    private enum NextOutcome
    {
        Event,
        Pause,
        Lost,
    }

    private readonly record struct Next(NextOutcome Outcome, InputEvent Event, string? Reason);
}
