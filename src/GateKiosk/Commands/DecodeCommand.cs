using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using GateKiosk.Devices.Scanning.Camera;

namespace GateKiosk.Commands;

/// <summary>
/// <c>gatekiosk decode [--json] IMAGE...</c>: decodes the QR code in each PNG, JPEG or BMP file with the kiosk's own
/// decoder, for technicians checking a printed pass or a camera snapshot. Exit code 0 even when some images hold no
/// readable code (that is an answer); 1 when a file could not be read as an image; 2 on wrong usage.
/// </summary>
internal static class DecodeCommand
{
    internal const string Usage = "Usage: gatekiosk decode [--json] IMAGE...";

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var json = args.Contains("--json");
        var files = args.Where(a => a != "--json").ToList();
        if (files.Count == 0 || files.Any(f => f.StartsWith("--", StringComparison.Ordinal)))
        {
            error.WriteLine(Usage);
            return 2;
        }

        var decoder = new QrFrameDecoder(DecodeEffort.Still);
        var unreadable = false;
        foreach (var file in files)
        {
            LuminanceFrame? frame;
            try
            {
                frame = File.Exists(file) ? LuminanceImage.Load(file) : null;
            }
            catch (IOException)
            {
                frame = null;
            }

            if (frame is null)
            {
                unreadable = true;
                error.WriteLine($"{file}: not found or not a PNG, JPEG or BMP image");
                if (json)
                {
                    WriteJson(output, file, null, null, "unreadable image");
                }

                continue;
            }

            var watch = Stopwatch.StartNew();
            var text = decoder.Decode(frame);
            var ms = watch.Elapsed.TotalMilliseconds;
            if (json)
            {
                WriteJson(output, file, text, ms, null);
            }
            else
            {
                output.WriteLine(text is null ? $"{file}: no QR code found ({ms:F1} ms)" : $"{file}: {text}");
            }
        }

        return unreadable ? 1 : 0;
    }

    private static void WriteJson(TextWriter output, string file, string? text, double? ms, string? errorText)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("file", file);
            if (text is null)
            {
                writer.WriteNull("text");
            }
            else
            {
                writer.WriteString("text", text);
            }

            if (ms is { } value)
            {
                writer.WriteNumber("ms", Math.Round(value, 3));
            }
            else
            {
                writer.WriteNull("ms");
            }

            if (errorText is not null)
            {
                writer.WriteString("error", errorText);
            }

            writer.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
