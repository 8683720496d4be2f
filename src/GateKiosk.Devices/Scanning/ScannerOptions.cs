using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Devices.Scanning;

/// <summary>Where scans come from.</summary>
public enum ScannerKind
{
    /// <summary>One code per line on standard input.</summary>
    Stdin,

    /// <summary>One code per line from a file, read once to its end.</summary>
    File,

    /// <summary>
    /// One code per line from a named pipe that a scanner bridge writes to. It is held open for reading and
    /// writing, so writers may come and go without ending the source.
    /// </summary>
    Fifo,

    /// <summary>A USB scanner that types like a keyboard, read through Linux evdev (<c>/dev/input/by-id/*-event-kbd</c>).</summary>
    Evdev,

    /// <summary>A scanner on a serial port (USB CDC-ACM <c>/dev/ttyACM0</c> or a UART).</summary>
    Serial,

    /// <summary>A USB webcam through V4L2 (<c>/dev/videoN</c>), decoded in software.</summary>
    V4l2,

    /// <summary>A Raspberry Pi camera module through <c>rpicam-vid</c>'s raw YUV420 output, decoded in software.</summary>
    RpiCam,
}

/// <summary>What ends a code on a serial scanner.</summary>
public enum SerialTerminator
{
    /// <summary>CR, LF or Tab, whichever comes; empty lines between (CRLF) are skipped.</summary>
    Any,

    /// <summary>Carriage return.</summary>
    Cr,

    /// <summary>Line feed.</summary>
    Lf,

    /// <summary>CR followed by LF.</summary>
    CrLf,

    /// <summary>Horizontal tab.</summary>
    Tab,

    /// <summary>No suffix: a pause longer than <see cref="ScannerOptions.KeyGap"/> ends the code.</summary>
    None,
}

/// <summary>Keyboard layout a keyboard-wedge scanner is set to.</summary>
public enum KeyboardLayoutKind
{
    /// <summary>US English (the factory setting of nearly every scanner).</summary>
    Us,

    /// <summary>German QWERTZ.</summary>
    De,
}

/// <summary>The scan source (configuration section <c>Scanner</c>).</summary>
public sealed class ScannerOptions
{
    public const string SectionName = "Scanner";

    private static readonly int[] StandardBauds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

    public ScannerKind Source { get; set; } = ScannerKind.Stdin;

    /// <summary>
    /// The file (<see cref="ScannerKind.File"/>), the named pipe (<see cref="ScannerKind.Fifo"/>), the input device
    /// (<see cref="ScannerKind.Evdev"/>, best a <c>/dev/input/by-id/…-event-kbd</c> link), the port
    /// (<see cref="ScannerKind.Serial"/>) or the video device (<see cref="ScannerKind.V4l2"/>, default <c>/dev/video0</c>).
    /// </summary>
    public string? Path { get; set; }

    /// <summary>Evdev: the layout the scanner types in.</summary>
    public KeyboardLayoutKind KeyboardLayout { get; set; } = KeyboardLayoutKind.Us;

    /// <summary>Evdev: take the device exclusively so its keystrokes never reach a console or another program.</summary>
    public bool Grab { get; set; } = true;

    /// <summary>Evdev, and serial without a terminator: a pause longer than this between characters ends a code.</summary>
    public TimeSpan KeyGap { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Evdev: a code whose keys came on average slower than this was typed by a person, not a scanner, and is dropped.
    /// Scanners type a key every 1–10 ms; people at best every 60 ms.
    /// </summary>
    public TimeSpan MaxMeanKeyInterval { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Evdev: shorter codes are dropped (stray key presses).</summary>
    public int MinLength { get; set; } = 4;

    /// <summary>
    /// Evdev: the characters a code may hold, as the inside of a regular-expression character class; a code with any
    /// other character (or a key the layout does not know) is dropped. Default: printable ASCII.
    /// </summary>
    public string AllowedCharacters { get; set; } = @"\x20-\x7E";

    /// <summary>Serial: bits per second.</summary>
    public int Baud { get; set; } = 9600;

    /// <summary>Serial: what ends a code.</summary>
    public SerialTerminator Terminator { get; set; } = SerialTerminator.Any;

    /// <summary>How long to wait before opening a reader again after it went away or failed to open.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Camera: frame width in pixels.</summary>
    public int Width { get; set; } = 640;

    /// <summary>Camera: frame height in pixels.</summary>
    public int Height { get; set; } = 480;

    /// <summary>Camera (<see cref="ScannerKind.RpiCam"/>): frames per second asked of the camera.</summary>
    public int FrameRate { get; set; } = 30;

    /// <summary>Camera: decode only this part of the frame, <c>x,y,width,height</c> in pixels; empty for the whole frame.</summary>
    public string? RegionOfInterest { get; set; }

    /// <summary>
    /// Camera: the same code seen again within this time of its last sighting belongs to the same presentation and
    /// is not reported again.
    /// </summary>
    public TimeSpan HoldOff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Camera (<see cref="ScannerKind.RpiCam"/>): the program that streams raw YUV420 frames to its standard output.</summary>
    public string CameraCommand { get; set; } = "rpicam-vid";

    /// <summary>The parsed <see cref="RegionOfInterest"/>, or null for the whole frame.</summary>
    public RegionOfInterest? GetRegionOfInterest() =>
        Devices.Scanning.RegionOfInterest.TryParse(RegionOfInterest, out var roi) ? roi : null;

    internal static bool IsStandardBaud(int baud) => StandardBauds.Contains(baud);

    internal static string StandardBaudList => string.Join(", ", StandardBauds);
}

/// <summary>A rectangle of the frame, in pixels.</summary>
public readonly record struct RegionOfInterest(int X, int Y, int Width, int Height)
{
    /// <summary>Parses <c>x,y,width,height</c>; false when <paramref name="text"/> is empty or malformed.</summary>
    public static bool TryParse(string? text, out RegionOfInterest roi)
    {
        roi = default;
        var parts = text?.Split(',', StringSplitOptions.TrimEntries);
        if (parts is not { Length: 4 })
        {
            return false;
        }

        var values = new int[4];
        for (var i = 0; i < 4; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                return false;
            }
        }

        roi = new RegionOfInterest(values[0], values[1], values[2], values[3]);
        return roi.Width > 0 && roi.Height > 0;
    }

    /// <summary>Whether the rectangle lies inside a <paramref name="width"/> × <paramref name="height"/> frame.</summary>
    public bool FitsIn(int width, int height) => X + Width <= width && Y + Height <= height;
}

/// <summary>Names the bad key in the <c>Scanner</c> section.</summary>
public sealed class ScannerOptionsValidator : IValidateOptions<ScannerOptions>
{
    public ValidateOptionsResult Validate(string? name, ScannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var source = options.Source;
        if (source is ScannerKind.File or ScannerKind.Fifo or ScannerKind.Evdev or ScannerKind.Serial && string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"Scanner:Path is required when Scanner:Source is {source}.");
        }

        if (options.KeyGap < TimeSpan.FromMilliseconds(10) || options.KeyGap > TimeSpan.FromSeconds(5))
        {
            errors.Add("Scanner:KeyGap must be between 00:00:00.010 and 00:00:05.");
        }

        if (options.MaxMeanKeyInterval <= TimeSpan.Zero || options.MaxMeanKeyInterval > options.KeyGap)
        {
            errors.Add("Scanner:MaxMeanKeyInterval must be positive and at most Scanner:KeyGap.");
        }

        if (options.MinLength is < 1 or > 7089)
        {
            errors.Add("Scanner:MinLength must be between 1 and 7089.");
        }

        try
        {
            _ = new Regex($"^[{options.AllowedCharacters}]*$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            errors.Add(@"Scanner:AllowedCharacters must be the inside of a regular-expression character class, e.g. \x20-\x7E.");
        }

        if (!ScannerOptions.IsStandardBaud(options.Baud))
        {
            errors.Add($"Scanner:Baud must be one of {ScannerOptions.StandardBaudList}.");
        }

        if (options.ReconnectDelay < TimeSpan.Zero || options.ReconnectDelay > TimeSpan.FromMinutes(5))
        {
            errors.Add("Scanner:ReconnectDelay must be between 00:00:00 and 00:05:00.");
        }

        if (options.Width is < 64 or > 4096 || options.Width % 2 != 0)
        {
            errors.Add("Scanner:Width must be an even number between 64 and 4096.");
        }

        if (options.Height is < 64 or > 4096 || options.Height % 2 != 0)
        {
            errors.Add("Scanner:Height must be an even number between 64 and 4096.");
        }

        if (options.FrameRate is < 1 or > 120)
        {
            errors.Add("Scanner:FrameRate must be between 1 and 120.");
        }

        if (!string.IsNullOrWhiteSpace(options.RegionOfInterest)
            && !(RegionOfInterest.TryParse(options.RegionOfInterest, out var roi) && roi.FitsIn(options.Width, options.Height)))
        {
            errors.Add($"Scanner:RegionOfInterest must be x,y,width,height in pixels inside the {options.Width}x{options.Height} frame.");
        }

        if (options.HoldOff < TimeSpan.Zero || options.HoldOff > TimeSpan.FromMinutes(1))
        {
            errors.Add("Scanner:HoldOff must be between 00:00:00 and 00:01:00.");
        }

        if (source == ScannerKind.RpiCam && string.IsNullOrWhiteSpace(options.CameraCommand))
        {
            errors.Add("Scanner:CameraCommand is required when Scanner:Source is RpiCam.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
