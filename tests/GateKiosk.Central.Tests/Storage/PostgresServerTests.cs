using GateKiosk.Testing;
using Npgsql;

namespace GateKiosk.Central.Tests.Storage;

/// <summary>The throwaway PostgreSQL cluster the store's tests run against.</summary>
public sealed class PostgresServerTests
{
    [SkippableFact]
    public async Task StartAsync_TableWrittenAndRead_FolderGoneAfterDispose()
    {
        var why = PostgresServer.SkipReason();
        Skip.If(why is not null, why);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        string folder;
        await using (var server = await PostgresServer.StartAsync("contract", timeout.Token))
        {
            folder = server.Folder;
            Assert.True(Directory.Exists(Path.Combine(folder, "data")));
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using (var create = new NpgsqlCommand("CREATE TABLE t (id bigint PRIMARY KEY, payload text NOT NULL)", connection))
            {
                await create.ExecuteNonQueryAsync(timeout.Token);
            }

            await using (var insert = new NpgsqlCommand("INSERT INTO t (id, payload) VALUES (@id, @payload)", connection))
            {
                insert.Parameters.AddWithValue("id", 7L);
                insert.Parameters.AddWithValue("payload", "{\"seq\":7}");
                Assert.Equal(1, await insert.ExecuteNonQueryAsync(timeout.Token));
            }

            await using (var select = new NpgsqlCommand("SELECT payload, current_database() FROM t WHERE id = 7", connection))
            await using (var reader = await select.ExecuteReaderAsync(timeout.Token))
            {
                Assert.True(await reader.ReadAsync(timeout.Token));
                Assert.Equal("{\"seq\":7}", reader.GetString(0));
                Assert.Equal("contract", reader.GetString(1));
            }
        }

        Assert.False(Directory.Exists(folder), $"{folder} is still there after dispose");
    }

    [SkippableFact]
    public async Task DisposeAsync_AfterAFailedTest_StopsServerAndDeletesFolder()
    {
        var why = PostgresServer.SkipReason();
        Skip.If(why is not null, why);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var server = await PostgresServer.StartAsync(cancellationToken: timeout.Token);
        var folder = server.Folder;
        var connectionString = server.ConnectionString;

        // A test that throws with a connection still open: its 'await using' disposes the server on the way out.
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using (server)
            {
                var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(timeout.Token);
                throw new InvalidOperationException("the test failed");
            }
        });

        Assert.False(Directory.Exists(folder), $"{folder} is still there after dispose");
        await using var after = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 2 }.ConnectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => after.OpenAsync(timeout.Token));
    }
}
