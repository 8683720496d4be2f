using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>Central's store holds every entry of every site: readable by the service and its group only, whatever the umask.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StoreFileModeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gk-store-modes-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public void Store_CreatedUnderUmask022_Folder0750AndFiles0640()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX file modes");
        var data = Path.Combine(_root, "central");
        var path = Path.Combine(data, "central.db");
        using (new ProcessUmask(0b000_010_010))
        using (var store = new SqliteEventStore(path, TimeProvider.System))
        {
            store.SetStatus(new KioskStatus(KioskStatus.Online, "gate-1", "site-1"));

            Assert.Equal((UnixFileMode)0b111_101_000, File.GetUnixFileMode(data));
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                Assert.True(File.Exists(file), file);
                Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(file));
            }
        }
    }
}
