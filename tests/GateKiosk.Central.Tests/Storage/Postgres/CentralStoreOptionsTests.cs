using GateKiosk.Central.Storage.Postgres;
using Npgsql;

namespace GateKiosk.Central.Tests.Storage.Postgres;

/// <summary><c>Central:Store</c> and <c>Central:ConnectionString</c>: checked at start naming the key, and the backend they name is the one central opens.</summary>
public sealed class CentralStoreOptionsTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>
{
    private static List<string> Errors(CentralOptions options) =>
        new CentralOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Validate_StoreNeitherSqliteNorPostgres_NamesCentralStore()
    {
        var error = Assert.Single(Errors(new CentralOptions { Store = "Mysql" }));
        Assert.StartsWith("Central:Store must be Sqlite or Postgres", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PostgresWithoutConnectionString_NamesCentralConnectionString()
    {
        var error = Assert.Single(Errors(new CentralOptions { Store = "Postgres" }));
        Assert.StartsWith("Central:ConnectionString is required when Central:Store is Postgres", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db.local;Pasword=hunter2-secret;Database=gk", "not a PostgreSQL connection string")]
    [InlineData("Database=gk;Password=hunter2-secret", "names no Host")]
    [InlineData("Host=db.local;Password=hunter2-secret", "names no Database")]
    public void Validate_BadConnectionString_NamesTheKey_NeverThePassword(string connectionString, string why)
    {
        var error = Assert.Single(Errors(new CentralOptions { Store = "postgres", ConnectionString = connectionString }));
        Assert.StartsWith("Central:ConnectionString ", error, StringComparison.Ordinal);
        Assert.Contains(why, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SqliteOrPostgresWithHostAndDatabase_Accepted()
    {
        Assert.Empty(Errors(new CentralOptions()));
        Assert.Empty(Errors(new CentralOptions { Store = "Postgres", ConnectionString = "Host=db.local;Database=gatekiosk;Username=central" }));
    }

    [SkippableFact]
    public async Task OpenStore_PostgresConfigured_EventsLandInThatDatabase()
    {
        var connectionString = await cluster.NewDatabaseAsync();
        var folder = Path.Combine(Path.GetTempPath(), "gk-nostore-" + Guid.NewGuid().ToString("N")[..8]);
        using (var store = CentralApp.OpenStore(new CentralOptions { Store = "Postgres", ConnectionString = connectionString, DataDirectory = folder }, TimeProvider.System))
        {
            Assert.IsType<PostgresEventStore>(store);
            await store.SetStatusAsync(new Contracts.KioskStatus(Contracts.KioskStatus.Online, "kiosk-1", "site-1", "1.2.3"));
        }

        Assert.False(Directory.Exists(folder), "a SQLite store was created in Central:DataDirectory");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM kiosks", connection);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}
