using Microsoft.Extensions.Options;

namespace GateKiosk.Core.Credentials;

/// <summary>Plain badge numbers accepted without a signature (configuration section <c>Badges</c>).</summary>
public sealed class BadgeOptions
{
    public const string SectionName = "Badges";

    /// <summary>Badge numbers that open the door: 1–64 characters of <c>[A-Za-z0-9-]</c>.</summary>
    public IList<string> Allowlist { get; } = [];
}

/// <summary>Names the bad key when a badge number cannot be a badge.</summary>
public sealed class BadgeOptionsValidator : IValidateOptions<BadgeOptions>
{
    public ValidateOptionsResult Validate(string? name, BadgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.Allowlist.Count; i++)
        {
            if (!BadgeAllowlistVerifier.IsBadgeNumber(options.Allowlist[i]))
            {
                errors.Add($"{BadgeOptions.SectionName}:Allowlist:{i} '{options.Allowlist[i]}' is not a badge number (1–64 of A–Z, a–z, 0–9, '-').");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
