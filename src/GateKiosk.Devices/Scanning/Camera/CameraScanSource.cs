using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GateKiosk.Core.Scanning;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>Frame counters of a camera reader.</summary>
/// <param name="Frames">Frames the camera delivered.</param>
/// <param name="Decoded">Frames the decoder looked at.</param>
/// <param name="Dropped">Frames skipped because the decoder was busy with an earlier one.</param>
/// <param name="WithCode">Frames in which a code was found.</param>
public sealed record CameraStatistics(long Frames, long Decoded, long Dropped, long WithCode);

/// <summary>
/// A camera as a scan source: the newest frame is decoded whenever the decoder is free (older frames are dropped,
/// never queued, so the code on screen is always the current one), optionally within a region of interest, and a
/// code seen in consecutive frames is reported once per presentation.
/// </summary>
public sealed class CameraScanSource : IScanSource
{
    private readonly IFrameSource _frames;
    private readonly QrFrameDecoder _decoder = new(DecodeEffort.Frame);
    private readonly RegionOfInterest? _roi;
    private readonly PresentationFilter _presentations;
    private readonly ScannerPresence _presence;
    private readonly ScannerHealthTracker _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _frameCount;
    private long _decodedCount;
    private long _droppedCount;
    private long _withCodeCount;

    public CameraScanSource(
        IFrameSource frames,
        RegionOfInterest? roi,
        TimeSpan holdOff,
        TimeSpan reconnectDelay,
        ScannerHealthTracker health,
        TimeProvider time,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(frames);
        _frames = frames;
        _roi = roi;
        _presentations = new PresentationFilter(holdOff, time);
        _presence = new ScannerPresence(frames.Name, reconnectDelay, health, time, logger);
        _health = health;
        _time = time;
        _logger = logger;
    }

    public string Name => _frames.Name;

    public CameraStatistics Statistics => new(
        Interlocked.Read(ref _frameCount),
        Interlocked.Read(ref _decodedCount),
        Interlocked.Read(ref _droppedCount),
        Interlocked.Read(ref _withCodeCount));

    public async IAsyncEnumerable<RawScan> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var latest = CreateLatestFrameSlot(() => Interlocked.Increment(ref _droppedCount));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var pump = Task.Run(() => PumpAsync(latest.Writer, stop.Token), CancellationToken.None);
            string? lostReason = null;
            var reader = latest.Reader;
            while (lostReason is null)
            {
                LuminanceFrame frame;
                try
                {
                    if (!await reader.WaitToReadAsync(cancellationToken) || !reader.TryRead(out frame!))
                    {
                        lostReason = "the camera stream ended";
                        continue;
                    }
                }
                catch (IOException ex)
                {
                    lostReason = ex.Message;
                    continue;
                }

                if (ProcessFrame(frame) is { } scan)
                {
                    yield return scan;
                }
            }

            await stop.CancelAsync();
            await pump;
            await _presence.LostAsync(lostReason, cancellationToken);
        }
    }

    /// <summary>Decodes one frame; returns a scan when it shows a code that starts a new presentation.</summary>
    public RawScan? ProcessFrame(LuminanceFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Interlocked.Increment(ref _decodedCount);
        var text = _decoder.Decode(frame, _roi);
        if (text is null)
        {
            return null;
        }

        Interlocked.Increment(ref _withCodeCount);
        if (!_presentations.IsNewPresentation(text))
        {
            return null;
        }

        _health.RecordRead();
        _logger.CodeRead(Name, text);
        return new RawScan(text, _time.GetTimestamp(), Name);
    }

    /// <summary>A one-frame slot: writing to a full slot replaces the frame in it (and counts it dropped).</summary>
    internal static Channel<LuminanceFrame> CreateLatestFrameSlot(Action dropped) =>
        Channel.CreateBounded<LuminanceFrame>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            _ => dropped());

    private async Task PumpAsync(ChannelWriter<LuminanceFrame> writer, CancellationToken cancellationToken)
    {
        try
        {
            var first = true;
            await foreach (var frame in _frames.ReadFramesAsync(cancellationToken))
            {
                if (first)
                {
                    first = false;
                    _presence.MarkConnected();
                }

                Interlocked.Increment(ref _frameCount);
                writer.TryWrite(frame);
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
#pragma warning disable CA1031 // Whatever stops the camera (unplugged, the camera process died) ends this camera session.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            writer.TryComplete(ex as IOException ?? new IOException(Reason(ex), ex));
        }
    }

    /// <summary>Why a camera stopped, for the log and telemetry: a library's failed type initializer names its cause.</summary>
    internal static string Reason(Exception ex) =>
        ex is TypeInitializationException { InnerException: { } inner } ? inner.Message : ex.Message;
}
