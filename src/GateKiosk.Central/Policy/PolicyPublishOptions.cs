using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Policy;

/// <summary>Central's publishing of site policies (configuration section <c>Policy</c>).</summary>
public sealed class PolicyPublishOptions
{
    public const string SectionName = "Policy";

    /// <summary>Compile, sign and publish each site's policy on <c>gatekiosk/v1/{site}/policy</c>.</summary>
    public bool Publish { get; set; } = true;

    /// <summary>Base64 key (16+ bytes) of the badge hashes; empty: a key is created in <c>{data}/policy/badge-hash.key</c>. Kiosks need the same.</summary>
    public string BadgeHashKey { get; set; } = "";

    /// <summary>How long central waits after a change for more before it compiles: an import of 500 rows gives one version.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>Names the bad key in the <c>Policy</c> section.</summary>
public sealed class PolicyPublishOptionsValidator : IValidateOptions<PolicyPublishOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyPublishOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.BadgeHashKey))
        {
            try
            {
                if (Convert.FromBase64String(options.BadgeHashKey).Length < 16)
                {
                    errors.Add("Policy:BadgeHashKey must be at least 16 bytes (base64).");
                }
            }
            catch (FormatException)
            {
                errors.Add("Policy:BadgeHashKey is not base64.");
            }
        }

        if (options.Debounce < TimeSpan.Zero || options.Debounce > TimeSpan.FromSeconds(10))
        {
            errors.Add("Policy:Debounce must be between 0 and 00:00:10 (kiosks must learn a change within seconds).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
