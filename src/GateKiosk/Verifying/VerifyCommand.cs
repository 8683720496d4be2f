using System.Globalization;
using System.Text.Json;
using GateKiosk.Contracts;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.PersonalIds;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Decoding;
using GateKiosk.Core.Scanning;
using GateKiosk.Hosting;
using Microsoft.Extensions.Configuration;

namespace GateKiosk.Verifying;

/// <summary>
/// <c>gatekiosk verify [--trust FILE] [--at RFC3339-TIME] [--json] PAYLOAD</c>: checks one code offline with the kiosk's
/// verifier and prints <c>allow</c>/<c>deny</c> and the reason. Exit 0 allow, 1 deny, 2 usage error.
/// </summary>
internal static partial class VerifyCommand
{
    public const string Usage = """
        Usage: gatekiosk verify [--trust FILE] [--at RFC3339-TIME] [--json] PAYLOAD
          PAYLOAD     the code's text; '-' reads it from standard input
          --trust     JSON array of {"certificate": base64 DER | "key": PEM public key, "kid"?: base64};
                      default: Credentials:TrustListPath of the kiosk configuration
          --at        check as of this time (default: now), e.g. 2026-03-02T09:00:00+07:00
          --json      one JSON object: decision, reason, kind, issuer, kid, expires, and for an
                      unreadable personal ID code the problem
        Exit code: 0 allow, 1 deny, 2 usage error.
        """;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, TimeProvider time)
    {
        string? trustFile = null, payload = null;
        DateTimeOffset? at = null;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--trust" when i + 1 < args.Length:
                    trustFile = args[++i];
                    break;
                case "--at" when i + 1 < args.Length:
                    if (!Rfc3339().IsMatch(args[++i])
                        || !DateTimeOffset.TryParse(args[i], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                    {
                        return await UsageError(error, $"--at '{args[i]}' is not an RFC 3339 time with an offset.");
                    }

                    at = parsed;
                    break;
                case "--json":
                    json = true;
                    break;
                case "-h" or "--help":
                    await output.WriteLineAsync(Usage);
                    return 0;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    return await UsageError(error, $"unknown or incomplete option '{a}'.");
                default:
                    if (payload is not null)
                    {
                        return await UsageError(error, "give exactly one PAYLOAD.");
                    }

                    payload = args[i];
                    break;
            }
        }

        if (payload is null)
        {
            return await UsageError(error, "PAYLOAD is missing.");
        }

        if (payload == "-")
        {
            payload = (await input.ReadToEndAsync()).TrimEnd('\r', '\n');
        }

        CredentialOptions options = new();
        TrustList? trust = null;
        try
        {
            if (trustFile is not null)
            {
                trust = TrustList.Parse(await File.ReadAllTextAsync(trustFile));
            }
            else
            {
                var configuration = new ConfigurationBuilder().AddGateKioskSources("/etc/gatekiosk", []).Build();
                configuration.GetSection(CredentialOptions.SectionName).Bind(options);
            }

            var settings = options.ToSettings(siteId: null, trust);
            var check = Check(payload, at ?? time.GetUtcNow(), settings);
            await Print(output, check, json);
            return check.IsValid ? 0 : 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException or TimeZoneNotFoundException)
        {
            return await UsageError(error, $"{(trustFile is null ? "Credentials:TrustListPath" : "--trust " + trustFile)}: {ex.Message}");
        }
    }

    /// <summary>The same decode and verifiers as a kiosk scan, without a site (no site check, no single-use memory).</summary>
    internal static CredentialCheck Check(string payload, DateTimeOffset at, SignedCredentialSettings settings)
    {
        var decoded = ScanDecoder.Decode(new RawScan(payload, 0, "verify"));
        if (decoded.Code is null)
        {
            return new CredentialCheck(decoded.Reason ?? ReasonCodes.Unreadable, new CredentialRef(CredentialKinds.Unknown, null, null));
        }

        var ledger = NoPassUseLedger.Instance;
        var verifier = new CredentialVerifier(
        [
            new GateKioskPassVerifier(CredentialKinds.StaffPass, settings, ledger),
            new GateKioskPassVerifier(CredentialKinds.VisitorPass, settings, ledger),
            new GateKioskPassVerifier(CredentialKinds.HealthDeclaration, settings, ledger),
            new EuDccVerifier(settings),
            new NzCovidPassVerifier(settings),
            new VietnameseIdVerifier(CredentialKinds.VnCccd, settings),
            new VietnameseIdVerifier(CredentialKinds.VnPcCovid, settings),
        ]);
        return verifier.Verify(decoded.Code, at);
    }

    private static async Task Print(TextWriter output, CredentialCheck check, bool json)
    {
        var decision = check.IsValid ? Decisions.Allow : Decisions.Deny;
        if (!json)
        {
            await output.WriteLineAsync($"{decision} {check.Reason}");
            return;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("decision", decision);
            w.WriteString("reason", check.Reason);
            w.WriteString("kind", check.Credential.Kind);
            WriteOrNull(w, "issuer", check.Credential.Issuer);
            WriteOrNull(w, "kid", check.KeyId);
            WriteOrNull(w, "expires", check.Expires?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            if (check.Problem is not null)
            {
                w.WriteString("problem", check.Problem);
            }

            w.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$")]
    private static partial System.Text.RegularExpressions.Regex Rfc3339();

    private static async Task<int> UsageError(TextWriter error, string message)
    {
        await error.WriteLineAsync($"verify: {message}{Environment.NewLine}{Usage}");
        return 2;
    }
}
