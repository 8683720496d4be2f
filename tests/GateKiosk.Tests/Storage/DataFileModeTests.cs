using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Storage;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Storage;

/// <summary>The kiosk's journal files are readable by the service and its group only, whatever the umask.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataFileModeTests : IDisposable
{
    private const UnixFileMode Folder = (UnixFileMode)0b111_101_000;
    private const UnixFileMode DataFile = (UnixFileMode)0b110_100_000;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gk-modes-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public void Journal_CreatedUnderUmask022_Folder0750AndFiles0640()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX file modes");
        var data = Path.Combine(_root, "data");
        var path = Path.Combine(data, "journal.db");
        using (new ProcessUmask(0b000_010_010))
        using (var journal = new SqliteEntryJournal(path, "site-1", "gate-1"))
        {
            journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = "x" });

            Assert.Equal(Folder, File.GetUnixFileMode(data));
            foreach (var file in new[] { path, path + "-wal", path + "-shm", Path.Combine(data, "journal.seq") })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal(DataFile, File.GetUnixFileMode(file));
            }
        }
    }

    [SkippableFact]
    public void Journal_ExistingWorldReadableFiles_NarrowedTo0640()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX file modes");
        var path = Path.Combine(_root, "journal.db");
        using (new ProcessUmask(0b000_010_010))
        {
            using (var first = new SqliteEntryJournal(path, "site-1", "gate-1"))
            {
                first.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = "x" });
            }

            var loose = (UnixFileMode)0b110_100_100;
            File.SetUnixFileMode(path, loose);

            using var journal = new SqliteEntryJournal(path, "site-1", "gate-1");
            journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.None, Detail = "y" });

            Assert.Equal(DataFile, File.GetUnixFileMode(path));
            Assert.Equal(DataFile, File.GetUnixFileMode(path + "-wal"));
        }
    }
}
