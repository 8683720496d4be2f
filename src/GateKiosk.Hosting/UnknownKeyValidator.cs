using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>
/// Refuses keys in a section that no option property reads, naming the full key (a typo must not pass silently). The
/// keys are the public properties of <paramref name="keysOf"/>, by default <typeparamref name="TOptions"/>; a nested
/// section (for example <c>Credentials:Dcc</c>) names its own type, since the check does not look inside sub-sections.
/// </summary>
public sealed class UnknownKeyValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
    IConfiguration configuration, string section, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type? keysOf = null) : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly HashSet<string> _known = (keysOf ?? typeof(TOptions))
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var unknown = configuration.GetSection(section).GetChildren()
            .Where(c => !_known.Contains(c.Key))
            .Select(c => $"{section}:{c.Key} is not a known key (known keys: {string.Join(", ", _known.Order(StringComparer.Ordinal))}).")
            .ToList();
        return unknown.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
    }
}
