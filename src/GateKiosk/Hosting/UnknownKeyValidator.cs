using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>Refuses keys in a section that no option property reads, naming the full key (a typo must not pass silently).</summary>
internal sealed class UnknownKeyValidator<TOptions>(IConfiguration configuration, string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly HashSet<string> Known = typeof(TOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name)
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var unknown = configuration.GetSection(section).GetChildren()
            .Where(c => !Known.Contains(c.Key))
            .Select(c => $"{section}:{c.Key} is not a known key (known keys: {string.Join(", ", Known.Order(StringComparer.Ordinal))}).")
            .ToList();
        return unknown.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(unknown);
    }
}
