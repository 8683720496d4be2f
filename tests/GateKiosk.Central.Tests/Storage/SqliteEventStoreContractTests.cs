using GateKiosk.Central.Storage;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The store contract against the SQLite backend, in a file of a temporary folder.</summary>
public sealed class SqliteEventStoreContractTests : EventStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-contract-" + Guid.NewGuid().ToString("N")[..8]);

    protected override Task<ICentralStore> OpenStoreAsync(TimeProvider time) =>
        Task.FromResult<ICentralStore>(new SqliteEventStore(Path.Combine(_folder, "central.db"), time));

    public static TheoryData<string> Filters => ["site", "site+hour", "subject+day", "none", "site+hour+cursor"];

    /// <summary>
    /// Every page the managers' filters ask for is read in index order: no filter's rows are gathered and sorted (with a
    /// site's day of events that sort alone took over 100 ms a page).
    /// </summary>
    [Theory]
    [MemberData(nameof(Filters))]
    public async Task GetEvents_EveryCommonFilter_ReadInIndexOrderWithoutSorting(string filter)
    {
        using var store = (SqliteEventStore)await OpenStoreAsync(Time);
        var at = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
        var query = filter switch
        {
            "site" => new EventQuery(Site: "site-1"),
            "site+hour" => new EventQuery(Site: "site-1", From: at, To: at.AddHours(1)),
            "subject+day" => new EventQuery(Subject: "E1", From: at, To: at.AddDays(1)),
            "site+hour+cursor" => new EventQuery(Site: "site-1", From: at, To: at.AddHours(1), Cursor: 42),
            _ => new EventQuery(),
        };
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "central.db")};Pooling=false");
        connection.Open();
        using var command = SqliteEventQueries.Command(connection, query);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        var plan = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
        Assert.Contains(plan, step => step.Contains("USING INDEX", StringComparison.Ordinal) || step.Contains("USING COVERING INDEX", StringComparison.Ordinal));
    }

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
