using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Storage.Postgres;

/// <summary>
/// One throwaway PostgreSQL cluster for a test class or collection: started before its first test, removed after its
/// last. Each test takes a database of its own (<see cref="NewDatabaseAsync"/>), so tests never see each other's rows.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private int _databases;

    /// <summary>The server; null when PostgreSQL is not installed here (tests then skip, or fail in CI).</summary>
    public PostgresServer? Server { get; private set; }

    /// <summary>Why the tests skip; null when the server runs.</summary>
    public string? SkipReason { get; private set; }

    public async Task InitializeAsync()
    {
        SkipReason = PostgresServer.SkipReason();
        if (SkipReason is null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            Server = await PostgresServer.StartAsync("gatekiosk", timeout.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>Creates an empty database and returns its connection string; skips the test when there is no server.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        Skip.If(Server is null, SkipReason);
        var name = "t" + Interlocked.Increment(ref _databases).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Server!.CreateDatabaseAsync(name, timeout.Token);
        return Server.ConnectionStringFor(name);
    }
}
