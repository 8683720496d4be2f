using GateKiosk.Core.Credentials.Signed;
using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Policy;

/// <summary>Centrally managed policy (configuration section <c>Policy</c>); without a key file the kiosk runs on its configuration alone.</summary>
public sealed class PolicyOptions
{
    public const string SectionName = "Policy";

    /// <summary>PEM file of central's policy public key (P-256). Empty: no policy is read.</summary>
    public string PublicKeyFile { get; set; } = "";

    /// <summary>Base64 key (16+ bytes) of the badge hashes, the same as central's <c>Policy:BadgeHashKey</c>.</summary>
    public string BadgeHashKey { get; set; } = "";

    /// <summary>How far in the future a bundle's <c>issuedAt</c> may be (the kiosk's clock may be a little behind).</summary>
    public TimeSpan ClockLeeway { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest bundle accepted on the wire, in bytes.</summary>
    public int MaxBundleBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest bundle after inflation, in bytes.</summary>
    public int MaxInflatedBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>True when a policy key is configured.</summary>
    public bool IsEnabled() => !string.IsNullOrWhiteSpace(PublicKeyFile);

    /// <summary>The policy key from <see cref="PublicKeyFile"/>.</summary>
    public TrustedKey LoadKey() => TrustedKey.FromPem(File.ReadAllText(PublicKeyFile), issuer: "policy");

    /// <summary>The badge hash key.</summary>
    public byte[] HashKey() => Convert.FromBase64String(BadgeHashKey);
}

/// <summary>Names the bad key in the <c>Policy</c> section.</summary>
public sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.IsEnabled())
        {
            try
            {
                if (options.LoadKey().Algorithm != KeyAlgorithm.ES256)
                {
                    errors.Add($"Policy:PublicKeyFile '{options.PublicKeyFile}' must hold a P-256 (ES256) public key.");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException or NotSupportedException or FormatException)
            {
                errors.Add($"Policy:PublicKeyFile '{options.PublicKeyFile}' cannot be read as a PEM public key: {ex.Message}");
            }

            try
            {
                if (options.HashKey().Length < 16)
                {
                    errors.Add("Policy:BadgeHashKey must be at least 16 bytes (base64).");
                }
            }
            catch (FormatException)
            {
                errors.Add("Policy:BadgeHashKey is not base64.");
            }
        }

        if (options.ClockLeeway < TimeSpan.Zero || options.ClockLeeway > TimeSpan.FromHours(1))
        {
            errors.Add("Policy:ClockLeeway must be between 0 and 01:00:00.");
        }

        if (options.MaxBundleBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add("Policy:MaxBundleBytes must be between 1024 and 67108864.");
        }

        if (options.MaxInflatedBytes is < 1024 or > 256 * 1024 * 1024)
        {
            errors.Add("Policy:MaxInflatedBytes must be between 1024 and 268435456.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
