using GateKiosk.Central.Accounts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.Accounts;

/// <summary>The accounts tables are the numbered schema part <c>accounts</c> of central.db.</summary>
public sealed class AccountSchemaTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("gk-account-schema-").FullName;

    private string Database => Path.Combine(_data, "central.db");

    [Fact]
    public void Open_NewFile_RecordsTheAccountsPartAtItsNewestStep()
    {
        using (new SqliteAccountStore(Database))
        {
        }

        Assert.Equal(AccountSchema.Part.Steps.Count, PartVersion());
    }

    [Fact]
    public void Open_TablesMadeBeforeNumberedSteps_AdoptsThemAndKeepsTheirAccounts()
    {
        using (var connection = Open())
        {
            // The tables as releases before numbered steps made them, with an account and no schema record.
            Execute(connection, AccountSchema.Part.Steps[0].Sql);
            Execute(connection, "INSERT INTO accounts(user_name, display_name, password_hash, role, sites, stamp, created_at) "
                + "VALUES('lan', 'Trần Thị Lan', 'x', 'admin', '', 's', 0)");
        }

        using (var store = new SqliteAccountStore(Database))
        {
            Assert.Equal("Trần Thị Lan", store.Find("lan")!.DisplayName);
        }

        Assert.Equal(1, PartVersion());
    }

    [Fact]
    public void Open_AccountsPartFromANewerRelease_IsRefused()
    {
        using (new SqliteAccountStore(Database))
        {
        }

        using (var connection = Open())
        {
            Execute(connection, "UPDATE schema_parts SET version = 99 WHERE part = 'accounts'");
        }

        var refused = Assert.Throws<InvalidOperationException>(() => new SqliteAccountStore(Database));
        Assert.Contains("accounts schema version 99", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private int PartVersion()
    {
        using var connection = Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT version FROM schema_parts WHERE part = 'accounts'";
        return read.ExecuteScalar() is long v ? (int)v : 0;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Database};Pooling=false");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
