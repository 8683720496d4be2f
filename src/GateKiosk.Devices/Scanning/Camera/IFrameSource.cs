namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>Where grey frames come from: a V4L2 webcam, <c>rpicam-vid</c>'s raw stream, or (in tests) image files.</summary>
public interface IFrameSource
{
    string Name { get; }

    /// <summary>
    /// Frames as fast as the camera delivers them, until the camera stops (the sequence ends or throws
    /// <see cref="IOException"/>; the caller opens it again) or <paramref name="cancellationToken"/> fires.
    /// </summary>
    IAsyncEnumerable<LuminanceFrame> ReadFramesAsync(CancellationToken cancellationToken);
}
