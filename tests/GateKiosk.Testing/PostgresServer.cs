using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace GateKiosk.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's <c>postgresql</c> package, started by the test in a temporary folder:
/// its own data folder and unix socket folder, a free loopback TCP port, trust authentication on loopback only, and
/// one database. Disposing it stops the server and deletes the folder.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string PackageRoot = "/usr/lib/postgresql";
    private const string SuperUser = "postgres";
    private readonly string _folder;
    private readonly string _bin;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private PostgresServer(string folder, string bin, int port, string database)
    {
        _folder = folder;
        _bin = bin;
        Port = port;
        Database = database;
    }

    /// <summary>The newest installed server's <c>bin</c> folder (<c>/usr/lib/postgresql/{version}/bin</c>), or null.</summary>
    public static string? BinDirectory
    {
        get
        {
            if (!Directory.Exists(PackageRoot))
            {
                return null;
            }

            return Directory.GetDirectories(PackageRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(d => d.Version >= 0 && File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "postgres")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Dir)
                .FirstOrDefault();
        }
    }

    /// <summary>True when the PostgreSQL server binaries are installed here.</summary>
    public static bool IsInstalled => BinDirectory is not null;

    /// <summary>The skip (or failure) message when they are not.</summary>
    public const string NotInstalled =
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); the test command installs Debian's 'postgresql' package with apt-get.";

    /// <summary>True when a missing server must fail the test rather than skip it: in CI (<c>CI</c> set) or with <c>GATEKIOSK_REQUIRE_POSTGRES=1</c>.</summary>
    public static bool Required =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        || Environment.GetEnvironmentVariable("GATEKIOSK_REQUIRE_POSTGRES") == "1";

    /// <summary>
    /// Null when the server can be started here. Otherwise the reason to skip; throws with that reason instead when
    /// <see cref="Required"/>, so that a missing server can never read as a pass in CI.
    /// </summary>
    public static string? SkipReason()
    {
        if (IsInstalled)
        {
            return null;
        }

        return Required
            ? throw new InvalidOperationException(NotInstalled + " It is required here (CI or GATEKIOSK_REQUIRE_POSTGRES=1).")
            : NotInstalled;
    }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The database created at start.</summary>
    public string Database { get; }

    /// <summary>The cluster's folder (data folder <c>data</c>, unix socket folder <c>run</c>); gone after dispose.</summary>
    public string Folder => _folder;

    /// <summary>What the server and initdb wrote, line by line.</summary>
    public IReadOnlyCollection<string> Log => _log;

    /// <summary>Npgsql connection string to <see cref="Database"/> over loopback TCP.</summary>
    public string ConnectionString => ConnectionStringFor(Database);

    /// <summary>Npgsql connection string to another database of this cluster.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
        Timeout = 5,
    }.ConnectionString;

    /// <summary>Creates a cluster in a new temporary folder, starts it, and creates <paramref name="database"/>.</summary>
    public static async Task<PostgresServer> StartAsync(string database = "gatekiosk", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        if (!database.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException("Use a database name of [a-z0-9_].", nameof(database));
        }

        var bin = BinDirectory ?? throw new InvalidOperationException(NotInstalled);
        var folder = Path.Combine(Path.GetTempPath(), "gk-postgres-" + Guid.NewGuid().ToString("N")[..8]);
        var server = new PostgresServer(folder, bin, Mosquitto.FreePort(), database);
        try
        {
            await server.InitAndStartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates another empty database in this cluster (for tests that want one each).</summary>
    public async Task CreateDatabaseAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    private static bool RunningAsRoot => Environment.UserName == "root";

    private async Task InitAndStartAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(_folder, "data");
        var socket = Path.Combine(_folder, "run");
        Directory.CreateDirectory(socket);
        if (RunningAsRoot)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the user 'postgres' (made by the package),
            // which must own the folder it writes into.
            await RunAsync("chown", ["-R", SuperUser + ":", _folder], cancellationToken);
        }

        // Trust authentication: initdb's pg_hba.conf lists only the unix socket and the loopback addresses, and the
        // server listens on 127.0.0.1 only. --no-sync: nothing of a throwaway cluster needs to survive a power cut.
        await RunAsync(
            Server("initdb"),
            ["-D", data, "-U", SuperUser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
            cancellationToken);

        // fsync, synchronous_commit and full_page_writes are off because this cluster is thrown away after the test:
        // it starts and writes much faster, and crash safety is not what the tests measure.
        var info = Start(Server("postgres"),
        [
            "-D", data, "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", socket,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=200", "-c", "logging_collector=off",
        ]);
        _process = Process.Start(info) ?? throw new InvalidOperationException("postgres did not start");
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        await WaitUntilAcceptingAsync(cancellationToken);
        await CreateDatabaseAsync(Database, cancellationToken);
    }

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var probe = new NpgsqlConnectionStringBuilder(ConnectionStringFor("postgres")) { Pooling = false, Timeout = 2 }.ConnectionString;
        while (true)
        {
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException($"postgres exited before accepting connections: {string.Join(" | ", _log)}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(timeout.Token);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                // Not listening yet, or "the database system is starting up": try again shortly.
                cancellationToken.ThrowIfCancellationRequested();
                if (timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"postgres did not accept connections on 127.0.0.1:{Port} within 30 s: {string.Join(" | ", _log)}", ex);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), CancellationToken.None);
        }
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            // The process started is runuser when running as root; the postmaster's own pid is in postmaster.pid.
            var pid = PostmasterPid() ?? p.Id;
            using (var kill = Process.Start("kill", ["-INT", pid.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(CancellationToken.None);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await p.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StopAsync();
        try
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private int? PostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(_folder, "data", "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string Server(string name) => Path.Combine(_bin, name);

    private ProcessStartInfo Start(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo
        {
            FileName = RunningAsRoot ? "runuser" : file,
            WorkingDirectory = _folder,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (RunningAsRoot)
        {
            foreach (var a in (string[])["-u", SuperUser, "--", file])
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = file == "chown"
            ? new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true }
            : Start(file, args);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = (await output) + (await error);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Keep(line);
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {text.Trim()}");
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }
}
