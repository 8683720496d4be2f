using System.Globalization;
using System.Security.Cryptography;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Hosting;

namespace GateKiosk.Central.Passes;

/// <summary><c>gatekiosk-central pass …</c>: issuer keys, the kiosks' trust list, and passes as text and QR images.</summary>
internal static class PassCommand
{
    public const string Usage = """
        Usage: gatekiosk-central pass <command> [--data DIR]
          key create [--alg ES256|PS256]   create a signing key and make it the active one
          key rotate [--alg ES256|PS256]   the same: a new active key; older keys stay trusted
          key list                         list key ids, the active one marked
          trust export [--out FILE]        the kiosks' trust file (Credentials:TrustListPath), to stdout or FILE
          issue --kind visitor|staff|health --subject ID [options]
                --issuer NAME              organisation named in the pass (default: gatekiosk)
                --sites a,b                sites where it opens (default: every site)
                --from RFC3339             start of validity (default: now)
                --until RFC3339 | --valid-for HH:MM:SS | D.HH:MM:SS
                                           end (default: visitor 8 h, staff 365 days, health end of the day)
                --host ID                  visitor: the host's id
                --single-use               visitor: opens once
                --schedule "1-5 07:00-19:00"  staff: ISO days and hours, repeatable
                --status clear|…           health: the declaration's status (default clear)
                --time-zone TZ             site time zone for health declarations (default Asia/Ho_Chi_Minh)
                --png FILE  --svg FILE     also write the QR code as an image
        --data DIR defaults to Central:DataDirectory. Exit code: 0 done, 2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        var options = Options.Parse(args);
        if (options.Error is not null || options.Words.Count == 0)
        {
            return await UsageError(error, options.Error ?? "a command is missing.");
        }

        var data = options.Get("data") ?? new ConfigurationBuilder().AddGateKioskSources(CentralApp.EtcFolder, []).Build()
            [$"{CentralOptions.SectionName}:{nameof(CentralOptions.DataDirectory)}"] ?? new CentralOptions().DataDirectory;
        var store = new IssuerKeyStore(data);
        try
        {
            switch (string.Join(' ', options.Words))
            {
                case "key create" or "key rotate":
                    var alg = options.Get("alg") ?? "ES256";
                    if (alg is not ("ES256" or "PS256"))
                    {
                        return await UsageError(error, $"--alg '{alg}' is not ES256 or PS256.");
                    }

                    var kid = store.Create(alg == "ES256" ? KeyAlgorithm.ES256 : KeyAlgorithm.PS256);
                    await output.WriteLineAsync($"created {alg} key {kid} (active) in {store.Folder}");
                    return 0;
                case "key list":
                    foreach (var id in store.KeyIds())
                    {
                        await output.WriteLineAsync(id == store.ActiveKeyId ? $"{id} active" : id);
                    }

                    return 0;
                case "trust export":
                    var trust = store.ExportTrustList(options.Get("issuer") ?? "gatekiosk");
                    if (options.Get("out") is { } file)
                    {
                        await File.WriteAllTextAsync(file, trust);
                        await output.WriteLineAsync($"wrote {store.KeyIds().Count} keys to {file}");
                    }
                    else
                    {
                        await output.WriteAsync(trust);
                    }

                    return 0;
                case "issue":
                    return await IssueAsync(options, store, output, error, time);
                default:
                    return await UsageError(error, $"unknown command '{string.Join(' ', options.Words)}'.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or InvalidDataException)
        {
            await error.WriteLineAsync($"pass: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> IssueAsync(Options options, IssuerKeyStore store, TextWriter output, TextWriter error, TimeProvider time)
    {
        var kind = options.Get("kind") switch
        {
            "visitor" => CredentialKinds.VisitorPass,
            "staff" => CredentialKinds.StaffPass,
            "health" => CredentialKinds.HealthDeclaration,
            var k => k is null ? null : $"?{k}",
        };
        if (kind is null or ['?', ..])
        {
            return await UsageError(error, "--kind must be visitor, staff or health.");
        }

        if (options.Get("subject") is not { Length: > 0 and <= 64 } subject)
        {
            return await UsageError(error, "--subject ID (1–64 characters, an id, never a name) is required.");
        }

        if (store.ActiveKeyId is not { } kid)
        {
            await error.WriteLineAsync($"pass: no issuer key in {store.Folder}; run 'pass key create' first.");
            return 1;
        }

        if (!TryTime(options.Get("from"), out var from, time.GetUtcNow()) || !TryTime(options.Get("until"), out var until, DateTimeOffset.MinValue))
        {
            return await UsageError(error, "--from and --until take RFC 3339 times with an offset, e.g. 2026-03-02T09:00:00+07:00.");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.Get("time-zone") ?? "Asia/Ho_Chi_Minh", out var zone))
        {
            return await UsageError(error, $"--time-zone '{options.Get("time-zone")}' is not a known time zone.");
        }

        if (options.Get("valid-for") is { } span)
        {
            if (!TimeSpan.TryParse(span, CultureInfo.InvariantCulture, out var validFor) || validFor <= TimeSpan.Zero)
            {
                return await UsageError(error, $"--valid-for '{span}' is not a positive duration (HH:MM:SS or D.HH:MM:SS).");
            }

            until = from + validFor;
        }
        else if (until == DateTimeOffset.MinValue)
        {
            until = kind switch
            {
                CredentialKinds.VisitorPass => from.AddHours(8),
                CredentialKinds.StaffPass => from.AddDays(365),
                _ => EndOfDay(from, zone),
            };
        }

        if (until <= from)
        {
            return await UsageError(error, "the pass must end after it starts.");
        }

        var schedule = new List<ScheduleWindow>();
        foreach (var text in options.All("schedule"))
        {
            if (ParseWindow(text) is not { } window)
            {
                return await UsageError(error, $"--schedule '{text}' is not like \"1-5 07:00-19:00\" (ISO days 1 = Monday).");
            }

            schedule.Add(window);
        }

        var pass = new GateKioskPass
        {
            Kind = kind,
            Issuer = options.Get("issuer") ?? "gatekiosk",
            Subject = subject,
            PassId = RandomNumberGenerator.GetBytes(16),
            IssuedAt = from,
            NotBefore = from,
            Expires = kind == CredentialKinds.HealthDeclaration ? Min(until, EndOfDay(from, zone)) : until,
            Sites = options.Get("sites") is { } sites ? sites.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : ["*"],
            Host = options.Get("host"),
            SingleUse = options.Has("single-use"),
            Schedule = schedule,
            Status = kind == CredentialKinds.HealthDeclaration ? options.Get("status") ?? "clear" : null,
        };

        using var key = store.Load(kid);
        var code = SignedCodeWriter.Write(pass, key, Convert.FromHexString(kid));
        await output.WriteLineAsync(code);
        await WriteImagesAsync(code, options.Get("png"), options.Get("svg"));
        await error.WriteLineAsync($"issued {kind} {pass.PassIdHex} for {subject}, valid {pass.NotBefore:u} – {pass.Expires:u}, key {kid}");
        return 0;
    }

    /// <summary>The QR images of <paramref name="code"/>: alphanumeric mode, error correction level M.</summary>
    internal static async Task WriteImagesAsync(string code, string? png, string? svg)
    {
        if (png is null && svg is null)
        {
            return;
        }

        if (png is not null)
        {
            await File.WriteAllBytesAsync(png, PassImages.Png(code));
        }

        if (svg is not null)
        {
            await File.WriteAllTextAsync(svg, PassImages.Svg(code));
        }
    }

    private static DateTimeOffset EndOfDay(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var midnight = local.Date.AddDays(1);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static bool TryTime(string? text, out DateTimeOffset value, DateTimeOffset fallback)
    {
        value = fallback;
        if (text is null)
        {
            return true;
        }

        var hasOffset = text.EndsWith('Z') || (text.Length > 6 && text[^6] is '+' or '-');
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static ScheduleWindow? ParseWindow(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || parts[0].Split('-') is not [var d1, var d2] || parts[1].Split('-') is not [var t1, var t2]
            || !int.TryParse(d1, CultureInfo.InvariantCulture, out var first) || !int.TryParse(d2, CultureInfo.InvariantCulture, out var last)
            || first is < 1 or > 7 || last < first || last > 7
            || !TimeOnly.TryParseExact(t1, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(t2, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to) || to <= from)
        {
            return null;
        }

        return new ScheduleWindow([.. Enumerable.Range(first, last - first + 1)], from, to);
    }

    private static async Task<int> UsageError(TextWriter error, string message)
    {
        await error.WriteLineAsync($"pass: {message}{Environment.NewLine}{Usage}");
        return 2;
    }

    /// <summary>Words before the first option, then <c>--name value</c> pairs and the <c>--single-use</c> flag.</summary>
    private sealed class Options
    {
        private static readonly HashSet<string> Flags = ["single-use"];
        private static readonly HashSet<string> Known = ["data", "alg", "out", "issuer", "kind", "subject", "sites", "from", "until", "valid-for", "host", "single-use", "schedule", "status", "time-zone", "png", "svg"];
        private readonly List<(string Name, string Value)> _values = [];

        public List<string> Words { get; } = [];

        public string? Error { get; private set; }

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    if (o._values.Count > 0)
                    {
                        o.Error = $"unexpected '{args[i]}'.";
                        return o;
                    }

                    o.Words.Add(args[i]);
                    continue;
                }

                var name = args[i][2..];
                if (!Known.Contains(name))
                {
                    o.Error = $"unknown option '--{name}'.";
                    return o;
                }

                if (Flags.Contains(name))
                {
                    o._values.Add((name, "true"));
                }
                else if (i + 1 < args.Length)
                {
                    o._values.Add((name, args[++i]));
                }
                else
                {
                    o.Error = $"--{name} needs a value.";
                    return o;
                }
            }

            return o;
        }

        public string? Get(string name) => _values.LastOrDefault(v => v.Name == name).Value;

        public bool Has(string name) => _values.Any(v => v.Name == name);

        public IEnumerable<string> All(string name) => _values.Where(v => v.Name == name).Select(v => v.Value);
    }
}
