using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>Tracing on the SQLite backend, in a file of a temporary folder.</summary>
public sealed class SqliteTracingContractTests : TracingContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-trace-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<ICentralStore> OpenStoreAsync() =>
        Task.FromResult<ICentralStore>(new SqliteEventStore(Path.Combine(_folder, "central.db"), TimeProvider.System));

    protected override Task DeleteStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}
