using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>Daily counts and retention on the SQLite backend, in a file of a temporary folder.</summary>
public sealed class SqliteReportRetentionContractTests : ReportRetentionContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-retain-" + Guid.NewGuid().ToString("N")[..8]);

    private string DatabasePath => Path.Combine(_folder, "central.db");

    protected override Task<ICentralStore> OpenStoreAsync(TimeProvider time) =>
        Task.FromResult<ICentralStore>(new SqliteEventStore(DatabasePath, time));

    protected override Task DeleteStoreAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    protected override Task<List<string>> FindInEveryTableAsync(string needle)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        var tables = new List<string>();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("events", tables);
        var found = new List<string>();
        foreach (var table in tables)
        {
            var columns = new List<string>();
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    columns.Add(reader.GetString(0));
                }
            }

            foreach (var column in columns)
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS BLOB), CAST($needle AS BLOB)) > 0";
                cmd.Parameters.AddWithValue("$needle", needle);
                if ((long)cmd.ExecuteScalar()! > 0)
                {
                    found.Add($"{table}.{column}");
                }
            }
        }

        return Task.FromResult(found);
    }
}
