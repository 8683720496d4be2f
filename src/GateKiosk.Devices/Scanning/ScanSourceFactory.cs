using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Scanning.Camera;
using GateKiosk.Devices.Scanning.Evdev;
using GateKiosk.Devices.Scanning.Serial;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning;

/// <summary>Creates the scan source the <c>Scanner</c> section describes.</summary>
public static class ScanSourceFactory
{
    /// <summary>The name the configured reader goes by in logs, health and telemetry.</summary>
    public static string SourceName(ScannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Source switch
        {
            ScannerKind.File => $"file:{options.Path}",
            ScannerKind.Fifo => $"fifo:{options.Path}",
            ScannerKind.Evdev => $"evdev:{options.Path}",
            ScannerKind.Serial => $"serial:{options.Path}",
            ScannerKind.V4l2 => $"v4l2:{V4l2Path(options)}",
            ScannerKind.RpiCam => $"rpicam:{options.Width}x{options.Height}",
            _ => "stdin",
        };
    }

    /// <summary>Creates the reader; it keeps <paramref name="health"/> up to date.</summary>
    public static IScanSource Create(ScannerOptions options, ScannerHealthTracker health, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var name = SourceName(options);
        var logger = loggers.CreateLogger("GateKiosk.Devices.Scanning");
        switch (options.Source)
        {
            case ScannerKind.File:
                health.MarkConnected();
                return new LineScanSource(
                    name,
                    () => new FileStream(options.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous),
                    time);
            case ScannerKind.Fifo:
                // Read-write: opening never waits for a writer, and the pipe never reports end of stream when one leaves.
                health.MarkConnected();
                return new LineScanSource(
                    name,
                    () => new FileStream(options.Path!, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1),
                    time);
            case ScannerKind.Evdev:
                return new EvdevScanSource(
                    name,
                    () =>
                    {
                        var (stream, errno) = EvdevDevice.Open(options.Path!, options.Grab);
                        if (errno != 0)
                        {
                            logger.GrabFailed(name, errno);
                        }

                        return stream;
                    },
                    KeyboardLayout.For(options.KeyboardLayout),
                    KeystrokeRules.From(options),
                    options.ReconnectDelay,
                    health,
                    time,
                    logger);
            case ScannerKind.Serial:
                return new SerialScanSource(
                    name,
                    () => SerialScanSource.OpenPort(options.Path!, options.Baud),
                    options.Terminator,
                    options.KeyGap,
                    options.ReconnectDelay,
                    health,
                    time,
                    logger);
            case ScannerKind.V4l2:
                return Camera(new V4l2FrameSource(V4l2Path(options), options.Width, options.Height, time));
            case ScannerKind.RpiCam:
                return Camera(Yuv420StreamFrameSource.RpiCam(options.CameraCommand, options.Width, options.Height, options.FrameRate, time));
            default:
                health.MarkConnected();
                return new LineScanSource(name, Console.OpenStandardInput, time);
        }

        CameraScanSource Camera(IFrameSource frames) =>
            new(frames, options.GetRegionOfInterest(), options.HoldOff, options.ReconnectDelay, health, time, logger);
    }

    private static string V4l2Path(ScannerOptions options) => string.IsNullOrWhiteSpace(options.Path) ? "/dev/video0" : options.Path;
}
