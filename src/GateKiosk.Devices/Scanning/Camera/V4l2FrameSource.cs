using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Iot.Device.Media;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// Frames from a V4L2 webcam (<c>/dev/videoN</c>) through Iot.Device.Media, asked for as YUYV (4:2:2 packed, which
/// every UVC webcam offers): the luminance is every other byte.
/// </summary>
public sealed class V4l2FrameSource : IFrameSource
{
    private readonly int _busId;
    private readonly int _width;
    private readonly int _height;
    private readonly TimeProvider _time;

    public V4l2FrameSource(string devicePath, int width, int height, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(devicePath);
        Name = $"v4l2:{devicePath}";
        _busId = int.TryParse(devicePath.AsSpan(devicePath.LastIndexOf("video", StringComparison.Ordinal) + 5), out var n) ? n : 0;
        _width = width;
        _height = height;
        _time = time;
    }

    public string Name { get; }

    public async IAsyncEnumerable<LuminanceFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists($"/dev/video{_busId}"))
        {
            throw new IOException($"/dev/video{_busId} is not present");
        }

        V4l2Marshalling.Ensure();
        var settings = new VideoConnectionSettings(_busId, ((uint)_width, (uint)_height), VideoPixelFormat.YUYV);
        using var device = VideoDevice.Create(settings);

        // Only the newest frame is kept: the decoder takes whatever is current when it is free.
        var frames = Channel.CreateBounded<LuminanceFrame>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        device.NewImageBufferReady += (_, e) => frames.Writer.TryWrite(ToLuma(e.ImageBuffer, e.Length));
        device.StartCaptureContinuous();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var capture = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    device.CaptureContinuous(stop.Token);
                    frames.Writer.TryComplete();
                }
#pragma warning disable CA1031 // Any failure of the capture loop (camera unplugged) ends this camera session.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    frames.Writer.TryComplete(new IOException(CameraScanSource.Reason(ex), ex));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            await foreach (var frame in frames.Reader.ReadAllAsync(cancellationToken))
            {
                yield return frame;
            }
        }
        finally
        {
            await stop.CancelAsync();
            device.StopCaptureContinuous();
            await capture.WaitAsync(TimeSpan.FromSeconds(2), _time, CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    private LuminanceFrame ToLuma(byte[] yuyv, int length)
    {
        var luma = new byte[_width * _height];
        var n = Math.Min(luma.Length, length / 2);
        for (var i = 0; i < n; i++)
        {
            luma[i] = yuyv[i * 2];
        }

        return new LuminanceFrame(luma, _width, _height, _time.GetTimestamp());
    }
}
