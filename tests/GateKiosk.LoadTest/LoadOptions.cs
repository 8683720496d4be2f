using System.Globalization;

namespace GateKiosk.LoadTest;

/// <summary>What one load run does; parsed from <c>--name value</c> arguments.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        Usage: gatekiosk-loadtest [options]

        Simulates many kiosks on one MQTT broker, each with its own client id, a retained 'online' status and a valid
        event chain at QoS 1, while central stores them. In the same run a plain QoS 1 subscriber that stores nothing
        (mosquitto_sub -q 1, a process of its own) receives the same stream. Prints ingest rate (measured from central's API), the ratio to the plain subscriber,
        the p99 from publish to visible in GET /api/events, GET /api/kiosks p99 and central's RSS; exits 1 when a
        target is missed, 2 on a usage or environment error.

          --kiosks N               kiosks to simulate (10000)
          --events N               events in total, spread evenly over the kiosks (1000000)
          --kiosks-per-site N      kiosks per site id (100)
          --host HOST              broker address, loopback only (127.0.0.1)
          --port N                 broker port (1883)
          --central URL            central's API, loopback only (http://127.0.0.1:8080)
          --token TOKEN            sent as 'Authorization: Bearer TOKEN'
          --central-pid PID        central's process, for its RSS at the end
          --duration T             cap on the whole run, seconds or hh:mm:ss (00:20:00)
          --connect-concurrency N  kiosk connects in flight at once (100)
          --inflight N             publishes awaiting PUBACK at once, over all kiosks (2000)
          --sample-every N         one event in N is followed until it is visible in GET /api/events (1000)
          --poll-interval T        how often GET /api/kiosks counts what is stored, and sampled events are looked for;
                                   seconds or hh:mm:ss.fff (00:00:00.500)
          --target-ratio R         stored/plain target: 0.5 for SQLite, 0.8 for PostgreSQL with 2 collectors (0.5)
          --kiosks-p99-ms N        GET /api/kiosks p99 target in ms (50)
          --kiosks-probes N        GET /api/kiosks calls once everything is held (200)
        """;

    public int Kiosks { get; init; } = 10_000;

    public long Events { get; init; } = 1_000_000;

    public int KiosksPerSite { get; init; } = 100;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    public Uri Central { get; init; } = new("http://127.0.0.1:8080");

    public string? Token { get; init; }

    public int? CentralPid { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(20);

    public int ConnectConcurrency { get; init; } = 100;

    public int InFlight { get; init; } = 2000;

    public int SampleEvery { get; init; } = 1000;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public double TargetRatio { get; init; } = 0.5;

    public double KiosksP99Ms { get; init; } = 50;

    public int KiosksProbes { get; init; } = 200;

    /// <summary>Parses <paramref name="args"/>; returns null and an error message when they are not valid.</summary>
    public static LoadOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var o = new LoadOptions();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                if (i + 1 >= args.Count)
                {
                    error = $"{name} needs a value.";
                    return null;
                }

                var v = args[++i];
                o = name switch
                {
                    "--kiosks" => o with { Kiosks = Int(v, 1, 1_000_000, name) },
                    "--events" => o with { Events = Long(v, 1, 1_000_000_000, name) },
                    "--kiosks-per-site" => o with { KiosksPerSite = Int(v, 1, 1_000_000, name) },
                    "--host" => o with { Host = v },
                    "--port" => o with { Port = Int(v, 1, 65535, name) },
                    "--central" => o with { Central = new Uri(v, UriKind.Absolute) },
                    "--token" => o with { Token = v },
                    "--central-pid" => o with { CentralPid = Int(v, 1, int.MaxValue, name) },
                    "--duration" => o with { Duration = Time(v, name) },
                    "--connect-concurrency" => o with { ConnectConcurrency = Int(v, 1, 10_000, name) },
                    "--inflight" => o with { InFlight = Int(v, 1, 1_000_000, name) },
                    "--sample-every" => o with { SampleEvery = Int(v, 1, int.MaxValue, name) },
                    "--poll-interval" => o with { PollInterval = Time(v, name) },
                    "--target-ratio" => o with { TargetRatio = Double(v, name) },
                    "--kiosks-p99-ms" => o with { KiosksP99Ms = Double(v, name) },
                    "--kiosks-probes" => o with { KiosksProbes = Int(v, 1, 100_000, name) },
                    _ => throw new FormatException($"unknown option {name}."),
                };
            }
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }

        if (!IsLoopback(o.Host) || !IsLoopback(o.Central.Host))
        {
            error = "The load test runs on loopback only: --host and --central must be 127.0.0.1, ::1 or localhost.";
            return null;
        }

        if (o.Events < o.Kiosks)
        {
            error = "--events must be at least --kiosks (every kiosk sends at least one event).";
            return null;
        }

        return o;
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    private static int Int(string v, int min, int max, string name) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{name} must be an integer {min}–{max} (got '{v}').");

    private static long Long(string v, long min, long max, string name) =>
        long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new FormatException($"{name} must be an integer {min}–{max} (got '{v}').");

    private static double Double(string v, string name) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && double.IsFinite(d)
            ? d
            : throw new FormatException($"{name} must be a positive number (got '{v}').");

    private static TimeSpan Time(string v, string name)
    {
        if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(v, CultureInfo.InvariantCulture, out var t) && t > TimeSpan.Zero
            ? t
            : throw new FormatException($"{name} must be seconds or hh:mm:ss (got '{v}').");
    }
}
