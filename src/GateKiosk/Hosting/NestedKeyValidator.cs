using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>
/// Refuses keys under a nested section (for example <c>Credentials:Dcc</c>) that no property of <paramref name="nestedType"/>
/// reads, naming the full key; the top-level check of <see cref="UnknownKeyValidator{TOptions}"/> does not look inside.
/// </summary>
internal sealed class NestedKeyValidator<TOptions>(IConfiguration configuration, string section, Type nestedType) : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly HashSet<string> _known = nestedType
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
