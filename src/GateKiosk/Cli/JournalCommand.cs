using System.Globalization;
using System.Text.Json;
using GateKiosk.Core;
using GateKiosk.Hosting;
using GateKiosk.Storage;
using Microsoft.Extensions.Configuration;

namespace GateKiosk.Cli;

/// <summary><c>gatekiosk journal [--json]</c>: outbox statistics for technicians and scripts, read without touching the journal.</summary>
internal static class JournalCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        var json = args.Contains("--json");
        var configuration = new ConfigurationBuilder().AddGateKioskSources("/etc/gatekiosk", [.. args.Where(a => a != "--json")]).Build();
        var dataDirectory = configuration[$"{KioskOptions.SectionName}:{nameof(KioskOptions.DataDirectory)}"] ?? new KioskOptions().DataDirectory;
        var path = Path.Combine(dataDirectory, "journal.db");
        if (!File.Exists(path))
        {
            error.WriteLine($"No journal at {path} (set Kiosk:DataDirectory).");
            return 1;
        }

        var stats = SqliteEntryJournal.ReadStats(path);
        var age = stats.OldestUnsentAt is { } oldest ? time.GetUtcNow() - oldest : (TimeSpan?)null;
        if (json)
        {
            using var buffer = new MemoryStream();
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            writer.WriteString("path", path);
            writer.WriteNumber("lastSeq", stats.LastSeq);
            writer.WriteNumber("unsent", stats.Unsent);
            writer.WriteNumber("setAside", stats.SetAside);
            if (stats.OldestUnsentAt is { } at)
            {
                writer.WriteString("oldestUnsentAt", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                writer.WriteNumber("oldestUnsentAgeSeconds", Math.Round(age!.Value.TotalSeconds, 3));
            }
            else
            {
                writer.WriteNull("oldestUnsentAt");
                writer.WriteNull("oldestUnsentAgeSeconds");
            }

            writer.WriteNumber("sizeBytes", stats.SizeBytes);
            writer.WriteEndObject();
            writer.Flush();
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return 0;
        }

        output.WriteLine($"journal          {path}");
        output.WriteLine($"last seq         {stats.LastSeq}");
        output.WriteLine($"unsent           {stats.Unsent}");
        output.WriteLine($"oldest unsent    {(age is { } a ? $"{a:d\\.hh\\:mm\\:ss} ago ({stats.OldestUnsentAt:u})" : "—")}");
        output.WriteLine($"set aside        {stats.SetAside} (refused by the broker; sent again on a resync command from central)");
        output.WriteLine($"size on disk     {stats.SizeBytes / 1048576.0:F1} MB");
        return 0;
    }
}
