using System.Data.Common;
using System.Text.Json;
using GateKiosk.Contracts;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Storage;

/// <summary>
/// What central last heard of each kiosk's health: its latest telemetry, its retained status (with <c>at</c> and
/// <c>config</c>) and its last command result, each with the time central received it. Messages only update the copy in
/// memory (the MQTT handler never waits on the database for them); the kiosks changed since the last flush are written to
/// <c>central.db</c> together, in one transaction every <see cref="FlushInterval"/>, on a connection of their own, and at
/// dispose. So 10,000 kiosks sending telemetry every 30 s cost one small transaction a second, not 333.
/// <c>GET /api/kiosks</c> and a metrics scrape read the copy in memory. A kiosk whose status says <c>online</c> but
/// which sent no telemetry for three intervals is <c>stale</c>.
/// </summary>
public sealed partial class KioskHealthStore : IDisposable
{
    /// <summary>Most kiosks kept; messages of further kiosks are not recorded (ids come from topics anyone may publish on).</summary>
    public const int MaxKiosks = 100_000;

    /// <summary>How often the kiosks changed in memory are written to the database.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>At most one write probe per this time; callers in between get the last answer (an anonymous route must not drive fsyncs).</summary>
    internal static readonly TimeSpan ProbeReuse = TimeSpan.FromSeconds(1);

    private readonly object _lock = new();
    private readonly object _flushLock = new();
    private readonly object _probeLock = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteConnection _probeConnection;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Site, string Kiosk), Row> _rows = [];
    private readonly HashSet<(string Site, string Kiosk)> _dirty = [];
    private readonly ITimer _flushTimer;
    private Task<bool>? _probe;
    private DateTimeOffset _probeStarted;
    private long _refused;
    private long _flushes;
    private bool _disposed;

    public KioskHealthStore(string databasePath, TimeProvider time, TimeSpan telemetryInterval, ILogger<KioskHealthStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        GateKiosk.Core.PrivateFiles.PrepareDatabase(databasePath);
        _time = time;
        _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        StaleAfter = 3 * telemetryInterval;
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString();
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        // NORMAL: a power cut may lose the last flush of what is only the latest state, which the next messages restore.
        Execute(_connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;");
        Schema.Migrate(_connection);
        Load();

        // The probe has its own connection and a short busy timeout, so /healthz never queues behind the health writes.
        _probeConnection = new SqliteConnection(connectionString);
        _probeConnection.Open();
        Execute(_probeConnection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=2000;");
        _flushTimer = time.CreateTimer(static s => ((KioskHealthStore)s!).FlushQuietly(), this, FlushInterval, FlushInterval);
    }

    /// <summary>Three telemetry intervals: a kiosk silent for longer is <c>stale</c>.</summary>
    public TimeSpan StaleAfter { get; }

    /// <summary>The kiosk cap (<see cref="MaxKiosks"/>; smaller in tests).</summary>
    internal int KioskLimit { get; init; } = MaxKiosks;

    /// <summary>Messages not recorded because <see cref="MaxKiosks"/> kiosks were already known.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Flushes that wrote at least one kiosk since start.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Records the latest telemetry of a kiosk (already validated against the contract); memory only until the next flush.</summary>
    public void SetTelemetry(KioskTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        Update(telemetry.SiteId, telemetry.KioskId, (r, at) => r with { Telemetry = telemetry, TelemetryAt = at });
    }

    /// <summary>Records the retained status of a kiosk, with its <c>at</c> and <c>config</c>.</summary>
    public void SetStatus(KioskStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        Update(status.SiteId, status.KioskId, (r, at) => r with { Status = status, StatusAt = at });
    }

    /// <summary>Records the last command result a kiosk published.</summary>
    public void SetCommandResult(string site, string kiosk, CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Update(site, kiosk, (r, at) => r with { CommandResult = result, CommandResultAt = at });
    }

    /// <summary>The health of one kiosk now, or null when central has heard nothing of it here.</summary>
    public KioskHealth? Get(string site, string kiosk)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return _rows.TryGetValue((site, kiosk), out var row) ? ToHealth(row, now) : null;
        }
    }

    /// <summary>Every kiosk's health now, by site and kiosk.</summary>
    public IReadOnlyList<(string SiteId, string KioskId, KioskHealth Health)> GetAll()
    {
        var now = _time.GetUtcNow();
        List<KeyValuePair<(string Site, string Kiosk), Row>> rows;
        lock (_lock)
        {
            rows = [.. _rows];
        }

        return [.. rows.OrderBy(r => r.Key.Site, StringComparer.Ordinal).ThenBy(r => r.Key.Kiosk, StringComparer.Ordinal)
            .Select(r => (r.Key.Site, r.Key.Kiosk, ToHealth(r.Value, now)))];
    }

    /// <summary>How many kiosks are in each <see cref="KioskHealthStates"/> state now.</summary>
    public IReadOnlyDictionary<string, int> CountByState()
    {
        var now = _time.GetUtcNow();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [KioskHealthStates.Online] = 0,
            [KioskHealthStates.Stale] = 0,
            [KioskHealthStates.Offline] = 0,
            [KioskHealthStates.Unknown] = 0,
        };
        lock (_lock)
        {
            foreach (var row in _rows.Values)
            {
                counts[StateOf(row, now)]++;
            }
        }

        return counts;
    }

    /// <summary>
    /// Writes every kiosk changed since the last flush in one transaction; returns how many. When the database refuses,
    /// they stay marked and the next flush tries again (newer messages of a kiosk win over what was not written).
    /// </summary>
    public int Flush()
    {
        lock (_flushLock)
        {
            List<((string Site, string Kiosk) Key, Row Row)> batch;
            lock (_lock)
            {
                if (_dirty.Count == 0)
                {
                    return 0;
                }

                batch = new(_dirty.Count);
                foreach (var key in _dirty)
                {
                    batch.Add((key, _rows[key]));
                }

                _dirty.Clear();
            }

            try
            {
                using var transaction = _connection.BeginTransaction();
                using var cmd = _connection.CreateCommand();
                cmd.Transaction = transaction;
                cmd.CommandText = """
                    INSERT INTO kiosk_health(site_id, kiosk_id, telemetry, telemetry_at, status, status_at, command_result, command_result_at)
                    VALUES ($site, $kiosk, $telemetry, $telemetryAt, $status, $statusAt, $result, $resultAt)
                    ON CONFLICT(site_id, kiosk_id) DO UPDATE SET
                        telemetry = excluded.telemetry, telemetry_at = excluded.telemetry_at,
                        status = excluded.status, status_at = excluded.status_at,
                        command_result = excluded.command_result, command_result_at = excluded.command_result_at
                    """;
                var site = cmd.Parameters.Add("$site", SqliteType.Text);
                var kiosk = cmd.Parameters.Add("$kiosk", SqliteType.Text);
                var telemetry = cmd.Parameters.Add("$telemetry", SqliteType.Text);
                var telemetryAt = cmd.Parameters.Add("$telemetryAt", SqliteType.Integer);
                var status = cmd.Parameters.Add("$status", SqliteType.Text);
                var statusAt = cmd.Parameters.Add("$statusAt", SqliteType.Integer);
                var result = cmd.Parameters.Add("$result", SqliteType.Text);
                var resultAt = cmd.Parameters.Add("$resultAt", SqliteType.Integer);
                foreach (var ((s, k), row) in batch)
                {
                    site.Value = s;
                    kiosk.Value = k;
                    telemetry.Value = Json(row.Telemetry, ContractsJsonContext.Default.KioskTelemetry);
                    telemetryAt.Value = Millis(row.TelemetryAt);
                    status.Value = Json(row.Status, ContractsJsonContext.Default.KioskStatus);
                    statusAt.Value = Millis(row.StatusAt);
                    result.Value = Json(row.CommandResult, ContractsJsonContext.Default.CommandResult);
                    resultAt.Value = Millis(row.CommandResultAt);
                    cmd.ExecuteNonQuery();
                }

                transaction.Commit();
                Interlocked.Increment(ref _flushes);
                return batch.Count;
            }
            catch (Exception ex) when (ex is DbException or IOException or InvalidOperationException)
            {
                lock (_lock)
                {
                    foreach (var (key, _) in batch)
                    {
                        _dirty.Add(key);
                    }
                }

                LogFlushFailed(ex, batch.Count);
                return 0;
            }
        }
    }

    /// <summary>
    /// True when the store takes a write now: a heartbeat row is written and committed (so the disk, the file's mode
    /// and the database lock are all tried), within <paramref name="timeout"/>. Probes are reused for <see cref="ProbeReuse"/>.
    /// </summary>
    public async Task<bool> ProbeWritableAsync(TimeSpan timeout)
    {
        Task<bool> probe;
        lock (_probeLock)
        {
            var now = _time.GetUtcNow();
            if (_probe is null || (_probe.IsCompleted && now - _probeStarted >= ProbeReuse))
            {
                _probeStarted = now;
                _probe = Task.Run(WriteHeartbeat);
            }

            probe = _probe;
        }

        try
        {
            return await probe.WaitAsync(timeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        lock (_flushLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true; // a timer tick from now on does nothing
        }

        _flushTimer.Dispose();
        Flush();
        lock (_probeLock)
        {
            _probe?.Wait(TimeSpan.FromSeconds(5));
        }

        _connection.Dispose();
        _probeConnection.Dispose();
    }

    /// <summary>
    /// The health tables, the schema part <c>health</c> of central.db: <c>kiosk_health</c> (one row per kiosk, each part
    /// the re-serialised contract record and the Unix milliseconds central received it) and <c>central_heartbeat</c>
    /// (the write probe's one row). Releases before numbered steps made them without a version, so step 1 adopts them.
    /// </summary>
    internal static readonly SchemaPart Schema = new("health",
    [
        ("kiosk health and heartbeat", """
            CREATE TABLE IF NOT EXISTS kiosk_health(
                site_id                 TEXT NOT NULL,
                kiosk_id                TEXT NOT NULL,
                telemetry               TEXT,
                telemetry_at            INTEGER,
                status                  TEXT,
                status_at               INTEGER,
                command_result          TEXT,
                command_result_at       INTEGER,
                PRIMARY KEY(site_id, kiosk_id)
            );
            CREATE TABLE IF NOT EXISTS central_heartbeat(
                id INTEGER PRIMARY KEY CHECK (id = 1),
                at INTEGER NOT NULL
            );
            """),
    ]);

    private string StateOf(Row row, DateTimeOffset now)
    {
        if (row.Status?.State == KioskStatus.Offline)
        {
            return KioskHealthStates.Offline;
        }

        // A kiosk that just came online gets three intervals from its status to send its first telemetry.
        var heard = Max(row.TelemetryAt, row.StatusAt);
        var fresh = heard is { } h && now - h <= StaleAfter;
        return row.Status?.State == KioskStatus.Online
            ? fresh ? KioskHealthStates.Online : KioskHealthStates.Stale
            : row.TelemetryAt is { } t && now - t <= StaleAfter ? KioskHealthStates.Online : KioskHealthStates.Unknown;
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private KioskHealth ToHealth(Row row, DateTimeOffset now) => new(
        StateOf(row, now),
        row.TelemetryAt,
        row.Telemetry,
        row.StatusAt,
        row.Status?.At,
        row.Status?.Config,
        row.CommandResultAt,
        row.CommandResult);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object Json<T>(T? value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class => value is null ? DBNull.Value : JsonSerializer.Serialize(value, type);

    private static object Millis(DateTimeOffset? at) => at is { } a ? a.ToUnixTimeMilliseconds() : DBNull.Value;

    private static T? Parse<T>(SqliteDataReader reader, int column, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (reader.IsDBNull(column))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(reader.GetString(column), type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static DateTimeOffset? Time(SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(column));

    private void Update(string site, string kiosk, Func<Row, DateTimeOffset, Row> update)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var exists = _rows.TryGetValue((site, kiosk), out var row);
            if (!exists && _rows.Count >= KioskLimit)
            {
                Interlocked.Increment(ref _refused);
                return;
            }

            _rows[(site, kiosk)] = update(row ?? new Row(), now);
            _dirty.Add((site, kiosk));
        }
    }

    private void FlushQuietly()
    {
        lock (_flushLock)
        {
            if (_disposed)
            {
                return;
            }

            Flush();
        }
    }

    private void Load()
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT site_id, kiosk_id, telemetry, telemetry_at, status, status_at, command_result, command_result_at FROM kiosk_health LIMIT $max";
        cmd.Parameters.AddWithValue("$max", MaxKiosks);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            _rows[(reader.GetString(0), reader.GetString(1))] = new Row()
            {
                Telemetry = Parse(reader, 2, ContractsJsonContext.Default.KioskTelemetry),
                TelemetryAt = Time(reader, 3),
                Status = Parse(reader, 4, ContractsJsonContext.Default.KioskStatus),
                StatusAt = Time(reader, 5),
                CommandResult = Parse(reader, 6, ContractsJsonContext.Default.CommandResult),
                CommandResultAt = Time(reader, 7),
            };
        }
    }

    private bool WriteHeartbeat()
    {
        try
        {
            using var cmd = _probeConnection.CreateCommand();
            cmd.CommandText = "INSERT INTO central_heartbeat(id, at) VALUES (1, $at) ON CONFLICT(id) DO UPDATE SET at = excluded.at";
            cmd.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery() == 1;
        }
        catch (Exception ex) when (ex is DbException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the health of {Count} kiosks; the next flush tries again")]
    private partial void LogFlushFailed(Exception ex, int count);

    private sealed record Row
    {
        public KioskTelemetry? Telemetry { get; init; }

        public DateTimeOffset? TelemetryAt { get; init; }

        public KioskStatus? Status { get; init; }

        public DateTimeOffset? StatusAt { get; init; }

        public CommandResult? CommandResult { get; init; }

        public DateTimeOffset? CommandResultAt { get; init; }
    }
}

/// <summary>A kiosk's health as central sees it: the <c>health</c> object of each kiosk in <c>GET /api/kiosks</c>.</summary>
/// <param name="State"><c>online</c>, <c>stale</c> (online by its status but no telemetry for three intervals), <c>offline</c> or <c>unknown</c>.</param>
/// <param name="TelemetryReceivedAt">When central received the latest telemetry.</param>
/// <param name="Telemetry">That telemetry: outbox, clock source, door, reader, CPU temperature, journal pressure.</param>
/// <param name="StatusReceivedAt">When central received the retained status.</param>
/// <param name="OnlineAt">When the kiosk went online, by its status (<c>at</c>).</param>
/// <param name="Config">The configuration summary of its status.</param>
/// <param name="CommandResultReceivedAt">When central received the last command result.</param>
/// <param name="LastCommandResult">That result.</param>
public sealed record KioskHealth(
    string State,
    DateTimeOffset? TelemetryReceivedAt,
    KioskTelemetry? Telemetry,
    DateTimeOffset? StatusReceivedAt,
    DateTimeOffset? OnlineAt,
    IReadOnlyDictionary<string, string>? Config,
    DateTimeOffset? CommandResultReceivedAt,
    CommandResult? LastCommandResult);

/// <summary>Values of <see cref="KioskHealth.State"/>.</summary>
public static class KioskHealthStates
{
    public const string Online = "online";
    public const string Stale = "stale";
    public const string Offline = "offline";
    public const string Unknown = "unknown";
}
