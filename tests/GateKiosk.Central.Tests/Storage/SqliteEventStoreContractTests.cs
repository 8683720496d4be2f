using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The store contract against the SQLite backend, in a file of a temporary folder.</summary>
public sealed class SqliteEventStoreContractTests : EventStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-contract-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<ICentralStore> OpenStoreAsync(TimeProvider time) =>
        Task.FromResult<ICentralStore>(new SqliteEventStore(Path.Combine(_folder, "central.db"), time));

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
