using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>Options bound from one configuration section, with unknown keys refused and every value validated at start.</summary>
public static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> with <paramref name="bind"/>, refusing unknown
    /// keys, and validates at start with <typeparamref name="TValidator"/>, whose messages name the key.
    /// </summary>
    /// <remarks>
    /// The caller writes the bind call (<c>static (c, o) =&gt; c.Bind(o)</c>) where the options type is concrete, so the
    /// configuration binder is generated at compile time and the native (ahead-of-time) build binds exactly as the
    /// framework-dependent one.
    /// </remarks>
    public static IServiceCollection AddValidatedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(
        this IServiceCollection services, string section, Action<IConfiguration, TOptions> bind)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(bind);
        services.AddOptions<TOptions>()
            .Configure<IConfiguration>((options, configuration) => bind(configuration.GetSection(section), options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.AddSingleton<IValidateOptions<TOptions>>(sp => new UnknownKeyValidator<TOptions>(sp.GetRequiredService<IConfiguration>(), section));
        return services;
    }
}
