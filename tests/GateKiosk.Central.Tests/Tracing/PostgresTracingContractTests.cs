using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Central.Tests.Storage.Postgres;
using Npgsql;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>Tracing on the PostgreSQL backend: one throwaway cluster for the class, one database per test.</summary>
public sealed class PostgresTracingContractTests(PostgresCluster cluster) : TracingContractTests, IClassFixture<PostgresCluster>
{
    private string? _connectionString;

    protected override async Task<ICentralStore> OpenStoreAsync()
    {
        _connectionString = await cluster.NewDatabaseAsync();
        return new PostgresEventStore(_connectionString, TimeProvider.System);
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
