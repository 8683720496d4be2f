using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Declarations;

/// <summary>The public declaration page and API (configuration section <c>Declarations</c>).</summary>
internal sealed class DeclarationOptions
{
    public const string SectionName = "Declarations";

    /// <summary>Declarations accepted per minute from one address; more get 429.</summary>
    public int SubmissionsPerMinute { get; set; } = 10;

    /// <summary>
    /// The address visitors' phones reach central at (for example https://gate.example.vn): the poster's QR code is
    /// <c>{PublicUrl}/d/{site}</c>. Empty: the first of <c>Central:Urls</c>.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The organisation named in the passes (the <c>iss</c> claim; the trust list export names the same).</summary>
    public string Issuer { get; set; } = "gatekiosk";

    /// <summary>The base URL of the declaration pages, without a trailing slash.</summary>
    public string BaseUrl(CentralOptions central) =>
        (string.IsNullOrWhiteSpace(PublicUrl) ? CentralOptions.SplitList(central.Urls).FirstOrDefault() ?? "http://127.0.0.1:8080" : PublicUrl).TrimEnd('/');
}

/// <summary>Names the bad key in the <c>Declarations</c> section.</summary>
internal sealed class DeclarationOptionsValidator : IValidateOptions<DeclarationOptions>
{
    public ValidateOptionsResult Validate(string? name, DeclarationOptions options)
    {
        var errors = new List<string>();
        if (options.SubmissionsPerMinute is < 1 or > 1_000_000)
        {
            errors.Add($"Declarations:SubmissionsPerMinute must be between 1 and 1000000 (got {options.SubmissionsPerMinute}).");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicUrl)
            && (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0))
        {
            errors.Add($"Declarations:PublicUrl '{options.PublicUrl}' is not an http(s) URL without query (for example https://gate.example.vn).");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer) || options.Issuer.Length > 64)
        {
            errors.Add("Declarations:Issuer must be 1–64 characters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
