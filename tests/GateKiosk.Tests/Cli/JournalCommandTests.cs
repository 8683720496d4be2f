using System.Text.Json;
using GateKiosk.Cli;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Storage;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Tests.Cli;

public sealed class JournalCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "gk-journal-cmd-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void Run_Json_PrintsOutboxStatistics()
    {
        var start = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
        using (var journal = new SqliteEntryJournal(Path.Combine(_data, "journal.db"), "site-1", "gate-1"))
        {
            for (var i = 0; i < 5; i++)
            {
                journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = start.AddMinutes(i), TimeSource = TimeSources.Ntp });
            }

            journal.MarkSent([1, 2]);
        }

        using var output = new StringWriter();
        var code = JournalCommand.Run(["--json", $"--Kiosk:DataDirectory={_data}"], output, TextWriter.Null, new FakeTimeProvider(start.AddMinutes(12)));

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output.ToString());
        var root = doc.RootElement;
        Assert.Equal(5, root.GetProperty("lastSeq").GetInt64());
        Assert.Equal(3, root.GetProperty("unsent").GetInt64());
        Assert.Equal("2026-11-27T08:02:00.000Z", root.GetProperty("oldestUnsentAt").GetString());
        Assert.Equal(600, root.GetProperty("oldestUnsentAgeSeconds").GetDouble());
        Assert.True(root.GetProperty("sizeBytes").GetInt64() > 0);
    }

    [Fact]
    public void Run_NoJournal_ExitsOneWithTheKeyToSet()
    {
        using var error = new StringWriter();

        var code = JournalCommand.Run([$"--Kiosk:DataDirectory={_data}"], TextWriter.Null, error, TimeProvider.System);

        Assert.Equal(1, code);
        Assert.Contains("Kiosk:DataDirectory", error.ToString(), StringComparison.Ordinal);
        Directory.CreateDirectory(_data);
    }
}
