using System.Net;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central;

/// <summary>The central service (configuration section <c>Central</c>).</summary>
public sealed class CentralOptions
{
    public const string SectionName = "Central";

    /// <summary>Folder for the event store.</summary>
    public string DataDirectory { get; set; } = "/var/lib/gatekiosk-central";

    /// <summary>Where the API and dashboard listen (semicolon-separated URLs).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Bearer token for the API and dashboard. Required when <see cref="Urls"/> listens beyond loopback;
    /// empty on loopback means no login (the demo).
    /// </summary>
    public string? ApiToken { get; set; }

    /// <summary>How often central looks for gaps in each kiosk's sequence and asks the kiosk to resend them.</summary>
    public TimeSpan ResendCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
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

        var urls = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            errors.Add("Central:Urls is required (for example http://127.0.0.1:8080).");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"Central:Urls '{url}' is not an http(s) URL.");
            }
            else if (!IsLoopback(uri) && string.IsNullOrEmpty(options.ApiToken))
            {
                errors.Add($"Central:ApiToken is required when Central:Urls listens beyond loopback ('{url}').");
            }
        }

        if (options.ResendCheckInterval < TimeSpan.FromSeconds(1) || options.ResendCheckInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"Central:ResendCheckInterval must be between 00:00:01 and 1.00:00:00 (got {options.ResendCheckInterval}).");
        }

        if (options.ApiToken is { Length: > 0 and < 16 })
        {
            errors.Add("Central:ApiToken must be at least 16 characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
