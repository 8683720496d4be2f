using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Publishing;
using GateKiosk.Core.Scanning;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Scanning;
using GateKiosk.Mqtt;
using GateKiosk.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>The kiosk's composition: one call wires every stage of the pipeline.</summary>
public static class KioskServiceCollectionExtensions
{
    /// <summary>Adds the kiosk: options (validated at start), journal, GPIO, verifiers, pipeline, scanner and publisher.</summary>
    public static IServiceCollection AddKiosk(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddValidatedOptions<KioskOptions, KioskOptionsValidator>(KioskOptions.SectionName);
        services.AddValidatedOptions<BadgeOptions, BadgeOptionsValidator>(BadgeOptions.SectionName);
        services.AddValidatedOptions<GpioOptions, GpioOptionsValidator>(GpioOptions.SectionName);
        services.AddValidatedOptions<ScannerOptions, ScannerOptionsValidator>(ScannerOptions.SectionName);
        services.AddValidatedOptions<MqttOptions, MqttOptionsValidator>(MqttOptions.SectionName);

        // Outputs to their safe state before anything else: this hosted service is registered first,
        // so it starts first and stops last.
        services.TryAddSingleton<IGateSignal>(sp => new GpioGateSignal(sp.GetRequiredService<IOptions<GpioOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<DoorSafetyService>();

        services.TryAddSingleton<IEntryJournal>(sp =>
        {
            var kiosk = sp.GetRequiredService<IOptions<KioskOptions>>().Value;
            return new SqliteEntryJournal(Path.Combine(kiosk.DataDirectory, "journal.db"), kiosk.SiteId, kiosk.KioskId);
        });
        services.TryAddSingleton<ITimeSourceProbe>(sp => new TimeSourceProbe(sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICredentialVerifier, BadgeAllowlistVerifier>());
        services.TryAddSingleton<CredentialVerifier>();
        services.TryAddSingleton<AccessDecider>();
        services.TryAddSingleton<GatePipeline>();

        services.TryAddSingleton(sp => new ScannerHealthTracker(
            ScanSourceFactory.SourceName(sp.GetRequiredService<IOptions<ScannerOptions>>().Value),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IScannerHealth>(sp => sp.GetRequiredService<ScannerHealthTracker>());
        services.TryAddSingleton<IScanSource>(sp => ScanSourceFactory.Create(
            sp.GetRequiredService<IOptions<ScannerOptions>>().Value,
            sp.GetRequiredService<ScannerHealthTracker>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<ScanWorker>();

        services.TryAddSingleton<MqttEntryPublisher>();
        services.TryAddSingleton<IEventUplink>(sp => sp.GetRequiredService<MqttEntryPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttEntryPublisher>());
        return services;
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, refusing unknown keys, and validates at start
    /// with <typeparamref name="TValidator"/>, whose messages name the key.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.AddSingleton<IValidateOptions<TOptions>>(sp => new UnknownKeyValidator<TOptions>(sp.GetRequiredService<IConfiguration>(), section));
        return services;
    }
}
