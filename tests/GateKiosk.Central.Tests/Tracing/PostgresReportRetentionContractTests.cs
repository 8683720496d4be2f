using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Central.Tests.Storage.Postgres;
using Npgsql;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>Daily counts and retention on the PostgreSQL backend: one throwaway cluster for the class, one database per test.</summary>
public sealed class PostgresReportRetentionContractTests(PostgresCluster cluster) : ReportRetentionContractTests, IClassFixture<PostgresCluster>
{
    private string? _connectionString;

    protected override async Task<ICentralStore> OpenStoreAsync(TimeProvider time)
    {
        _connectionString ??= await cluster.NewDatabaseAsync();
        return new PostgresEventStore(_connectionString, time);
    }

    protected override async Task DeleteStoreAsync()
    {
        if (_connectionString is null || cluster.Server is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var database = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        await using var connection = new NpgsqlConnection(cluster.Server.ConnectionStringFor("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE \"{database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    protected override async Task<List<string>> FindInEveryTableAsync(string needle)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var cmd = new NpgsqlCommand("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'", connection))
        await using (var reader = await cmd.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        Assert.Contains(columns, c => c.Table == "events");
        var found = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            // Bytes are searched as bytes; anything else as its text.
            var test = type == "bytea" ? $"position(convert_to(@needle, 'UTF8') IN \"{column}\") > 0" : $"strpos(\"{column}\"::text, @needle) > 0";
            await using var cmd = new NpgsqlCommand($"SELECT COUNT(*) FROM \"{table}\" WHERE {test}", connection);
            cmd.Parameters.AddWithValue("needle", needle);
            if ((long)(await cmd.ExecuteScalarAsync())! > 0)
            {
                found.Add($"{table}.{column}");
            }
        }

        return found;
    }
}
