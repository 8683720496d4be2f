using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Postgres;
using Npgsql;

namespace GateKiosk.Central.Tests.Storage.Postgres;

/// <summary>
/// The store contract against the PostgreSQL backend on a real server: one throwaway cluster for the class, one
/// database per test (opening again within a test opens the same database, as a restart of central does).
/// </summary>
public sealed class PostgresEventStoreContractTests(PostgresCluster cluster) : EventStoreContractTests, IClassFixture<PostgresCluster>
{
    private string? _connectionString;

    protected override async Task<ICentralStore> OpenStoreAsync(TimeProvider time)
    {
        if (cluster.Server is null)
        {
            throw new InvalidOperationException(cluster.SkipReason);
        }

        _connectionString ??= await cluster.NewDatabaseAsync();
        return new PostgresEventStore(_connectionString, time);
    }

    protected override async Task DeleteStoreAsync()
    {
        if (_connectionString is null || cluster.Server is null)
        {
            return;
        }

        var database = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        await using var connection = new NpgsqlConnection(cluster.Server.ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
