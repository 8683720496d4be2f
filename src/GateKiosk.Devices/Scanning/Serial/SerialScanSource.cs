using System.IO.Ports;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GateKiosk.Core.Scanning;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning.Serial;

/// <summary>
/// A scanner on a serial port (USB CDC-ACM or a UART): bytes up to the configured terminator are one code. When the
/// port goes away (a USB scanner unplugged) it is opened again until it is back.
/// </summary>
internal sealed class SerialScanSource : IScanSource
{
    private readonly Func<Stream> _open;
    private readonly SerialTerminator _terminator;
    private readonly TimeSpan _gap;
    private readonly ScannerPresence _presence;
    private readonly ScannerHealthTracker _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <param name="open">Opens the port; throws when it is absent. Tests give a pseudo-terminal.</param>
    /// <param name="gap">With <see cref="SerialTerminator.None"/>, a pause this long ends a code.</param>
    public SerialScanSource(
        string name,
        Func<Stream> open,
        SerialTerminator terminator,
        TimeSpan gap,
        TimeSpan reconnectDelay,
        ScannerHealthTracker health,
        TimeProvider time,
        ILogger logger)
    {
        Name = name;
        _open = open;
        _terminator = terminator;
        _gap = gap;
        _presence = new ScannerPresence(name, reconnectDelay, health, time, logger);
        _health = health;
        _time = time;
        _logger = logger;
    }

    public string Name { get; }

    /// <summary>Opens <paramref name="port"/> at <paramref name="baud"/> 8N1 with System.IO.Ports.</summary>
    public static Stream OpenPort(string port, int baud)
    {
        var serial = new SerialPort(port, baud, Parity.None, 8, StopBits.One) { Handshake = Handshake.None };
        try
        {
            serial.Open();
            return new PortStream(serial);
        }
        catch
        {
            serial.Dispose();
            throw;
        }
    }

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                stream = _open();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                await _presence.LostAsync(ex.Message, cancellationToken);
                continue;
            }

            _presence.MarkConnected();
            var splitter = new TerminatorSplitter(_terminator);
            var chunks = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pump = Task.Run(() => PumpAsync(stream, chunks.Writer, stop.Token), CancellationToken.None);
            string? lostReason = null;
            try
            {
                while (lostReason is null)
                {
                    var pending = _terminator == SerialTerminator.None && splitter.HasPending;
                    byte[]? chunk = null;
                    using (var gap = pending ? new CancellationTokenSource(_gap, _time) : new CancellationTokenSource())
                    using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, gap.Token))
                    {
                        try
                        {
                            if (!chunks.Reader.TryRead(out chunk))
                            {
                                chunk = await chunks.Reader.WaitToReadAsync(wait.Token) && chunks.Reader.TryRead(out var c) ? c : null;
                                lostReason = chunk is null ? "end of stream" : null;
                            }
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            // A pause after bytes without a terminator: the code is complete.
                        }
                        catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException or InvalidOperationException)
                        {
                            lostReason = ex.Message;
                        }
                    }

                    if (chunk is null)
                    {
                        // A pause, or the port went away: what arrived without a terminator is not trusted unless
                        // this scanner sends none.
                        var rest = splitter.Flush();
                        if (_terminator == SerialTerminator.None && rest is { } r && Finish(r.Text, r.Length) is { } paused)
                        {
                            yield return paused;
                        }

                        continue;
                    }

                    foreach (var text in splitter.Add(chunk))
                    {
                        if (Finish(text, text?.Length ?? 0) is { } scan)
                        {
                            yield return scan;
                        }
                    }
                }
            }
            finally
            {
                // Also when the kiosk stops mid-read: close the port at once.
                await stop.CancelAsync();
                await stream.DisposeAsync();
                await pump.WaitAsync(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);
            }

            await _presence.LostAsync(lostReason ?? "end of stream", cancellationToken);
        }
    }

    private static async Task PumpAsync(Stream stream, ChannelWriter<byte[]> writer, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                await writer.WriteAsync(buffer[..read], cancellationToken);
            }

            writer.TryComplete();
        }
#pragma warning disable CA1031 // Whatever ends the read (EIO on unplug, a closed port) ends this port session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            writer.TryComplete(ex);
        }
    }

    private RawScan? Finish(string? text, int length)
    {
        if (length == 0)
        {
            return null; // the empty piece between CR and LF with Terminator Any
        }

        if (text is null || text.Any(c => char.IsControl(c) && c != '\t'))
        {
            _health.RecordDecodeFailure();
            _logger.InputRejected(Name, "not text", text ?? string.Empty);
            return null;
        }

        _health.RecordRead();
        _logger.CodeRead(Name, text);
        return new RawScan(text, _time.GetTimestamp(), Name);
    }

    /// <summary>The port's stream, closing the port with it.</summary>
    private sealed class PortStream(SerialPort port) : ForwardingReadStream(port.BaseStream)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                port.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
