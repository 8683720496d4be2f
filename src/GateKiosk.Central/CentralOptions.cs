using GateKiosk.Central.Api;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central;

/// <summary>The central service (configuration section <c>Central</c>).</summary>
public sealed class CentralOptions
{
    public const string SectionName = "Central";

    /// <summary>Folder for the event store.</summary>
    public string DataDirectory { get; set; } = "/var/lib/gatekiosk-central";

    /// <summary>The event store's backend: <c>Sqlite</c> (embedded, in <see cref="DataDirectory"/>) or <c>Postgres</c> (at <see cref="ConnectionString"/>).</summary>
    public string Store { get; set; } = "Sqlite";

    /// <summary>Npgsql connection string of the PostgreSQL store; required when <see cref="Store"/> is <c>Postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>True when <see cref="Store"/> names PostgreSQL.</summary>
    internal bool UsesPostgres => string.Equals(Store, "Postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the API and dashboard listen (semicolon-separated URLs).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Deprecated shared bearer token: it may only read the API, and a warning is logged while it is set. Users sign
    /// in, and scripts use personal tokens (<c>user token</c>).
    /// </summary>
    public string? ApiToken { get; set; }

    /// <summary>
    /// Host header values accepted (semicolon-separated, <c>*.example.com</c> wildcards; <c>*</c> accepts any).
    /// Empty: on loopback <c>localhost;127.0.0.1;[::1]</c> and the hosts of <see cref="Urls"/>, beyond loopback any.
    /// A request for another host gets 400, which defeats DNS rebinding against a loopback central.
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary>The Host header values accepted, after the default for an empty <see cref="AllowedHosts"/>.</summary>
    internal string[] EffectiveAllowedHosts() =>
        SplitList(AllowedHosts) is { Length: > 0 } hosts ? hosts : ListenScope.DefaultAllowedHosts(SplitList(Urls));

    internal static string[] SplitList(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>How often central looks for gaps in each kiosk's sequence and asks the kiosk to resend them.</summary>
    public TimeSpan ResendCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often kiosks publish telemetry (their <c>Mqtt:TelemetryInterval</c>); three intervals without any make a kiosk stale.</summary>
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether this process subscribes to the kiosks' topics, stores what they send and asks kiosks for what is missing.
    /// False for a process that serves the API and the pages alone (<c>serve --no-collect</c>) beside collecting ones.
    /// </summary>
    public bool Collect { get; set; } = true;

    /// <summary>
    /// The MQTT shared subscription group for kiosk events (<c>$share/GROUP/…</c>): the central processes of one group
    /// share the event stream, each message going to one of them. Empty: this process receives every event. Needs the
    /// PostgreSQL store, which every process of the group uses, and a distinct <c>Mqtt:ClientId</c> per process.
    /// </summary>
    public string? CollectorGroup { get; set; }

    /// <summary>Sign-in attempts answered per minute from one address; more get 429 (each attempt costs a password hash).</summary>
    public int SignInAttemptsPerMinute { get; set; } = 20;

    /// <summary>How long events keep their personal fields (subject ids); older ones are redacted daily (docs/tracing.md).</summary>
    public TimeSpan PersonalDataRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The local time (in each site's time zone) at which a stay without an exit ends for presence and muster: after it,
    /// whoever entered and did not leave is no longer counted on site.
    /// </summary>
    public TimeOnly PresenceEndOfDay { get; set; } = new(23, 59);
}

/// <summary>Names the bad key in the <c>Central</c> section.</summary>
public sealed class CentralOptionsValidator : IValidateOptions<CentralOptions>
{
    public ValidateOptionsResult Validate(string? name, CentralOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Central:DataDirectory is required.");
        }

        if (!options.UsesPostgres && !string.Equals(options.Store, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Central:Store must be Sqlite or Postgres (got '{options.Store}').");
        }
        else if (options.UsesPostgres)
        {
            errors.AddRange(ConnectionStringErrors(options.ConnectionString));
        }

        if (!string.IsNullOrEmpty(options.CollectorGroup))
        {
            if (options.CollectorGroup.Length > 64 || !options.CollectorGroup.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                errors.Add($"Central:CollectorGroup must be 1–64 letters, digits, '-' or '_' (got '{options.CollectorGroup}').");
            }
            else if (!options.UsesPostgres)
            {
                errors.Add("Central:CollectorGroup needs Central:Store=Postgres: the processes of a group share one store, and a SQLite store belongs to one process.");
            }
        }

        var urls = CentralOptions.SplitList(options.Urls);
        if (urls.Length == 0)
        {
            errors.Add("Central:Urls is required (for example http://127.0.0.1:8080).");
        }

        foreach (var url in urls)
        {
            if (ListenScope.TryParse(url) is null)
            {
                errors.Add($"Central:Urls '{url}' is not an http(s) URL.");
            }
        }

        foreach (var host in CentralOptions.SplitList(options.AllowedHosts))
        {
            var bracketed = host.StartsWith('[') && host.EndsWith(']');
            if (host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal) || (host.Contains(':', StringComparison.Ordinal) && !bracketed))
            {
                errors.Add($"Central:AllowedHosts '{host}' is not a host name (write example.com, *.example.com, 127.0.0.1 or [::1], without scheme or port).");
            }
        }

        if (options.ResendCheckInterval < TimeSpan.FromSeconds(1) || options.ResendCheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Central:ResendCheckInterval must be between 00:00:01 and 1.00:00:00 (got {options.ResendCheckInterval}).");
        }

        if (options.TelemetryInterval < TimeSpan.FromSeconds(1) || options.TelemetryInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Central:TelemetryInterval must be between 00:00:01 and 01:00:00 (got {options.TelemetryInterval}).");
        }

        if (options.SignInAttemptsPerMinute is < 1 or > 100_000)
        {
            errors.Add($"Central:SignInAttemptsPerMinute must be between 1 and 100000 (got {options.SignInAttemptsPerMinute}).");
        }

        if (options.PersonalDataRetention < TimeSpan.FromDays(1) || options.PersonalDataRetention > TimeSpan.FromDays(3650))
        {
            errors.Add($"Central:PersonalDataRetention must be between 1.00:00:00 and 3650.00:00:00 (got {options.PersonalDataRetention}).");
        }

        if (options.ApiToken is { Length: > 0 and < 16 })
        {
            errors.Add("Central:ApiToken must be at least 16 characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>What is wrong with a PostgreSQL connection string; never quotes it whole, since it may hold a password.</summary>
    private static List<string> ConnectionStringErrors(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return ["Central:ConnectionString is required when Central:Store is Postgres (for example Host=db.local;Database=gatekiosk;Username=central)."];
        }

        Npgsql.NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's message names the unknown keyword or the malformed setting.
            return [$"Central:ConnectionString is not a PostgreSQL connection string: {ex.Message}"];
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            errors.Add("Central:ConnectionString names no Host.");
        }

        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            errors.Add("Central:ConnectionString names no Database.");
        }

        return errors;
    }
}
