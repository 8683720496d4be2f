using System.Device.Gpio;
using GateKiosk.Contracts;
using GateKiosk.Core;
using GateKiosk.Core.Commands;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Credentials.PersonalIds;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Deciding;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Policy;
using GateKiosk.Core.Publishing;
using GateKiosk.Core.Scanning;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices;
using GateKiosk.Devices.Display;
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

        services.AddValidatedOptions<KioskOptions, KioskOptionsValidator>(KioskOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<BadgeOptions, BadgeOptionsValidator>(BadgeOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<CredentialOptions, CredentialOptionsValidator>(CredentialOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<GpioOptions, GpioOptionsValidator>(GpioOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<DoorOptions, DoorOptionsValidator>(DoorOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<DisplayOptions, DisplayOptionsValidator>(DisplayOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<ScannerOptions, ScannerOptionsValidator>(ScannerOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<MqttOptions, MqttOptionsValidator>(MqttOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<JournalOptions, JournalOptionsValidator>(JournalOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<PolicyOptions, PolicyOptionsValidator>(PolicyOptions.SectionName, static (c, o) => c.Bind(o));

        // Outputs to their safe state before anything else: this hosted service is registered first,
        // so it starts first and stops last.
        // The controller is created before the signal, so the container disposes the signal (outputs safe) first.
        services.TryAddSingleton(sp => DoorHardware.CreateController(sp.GetRequiredService<IOptions<GpioOptions>>().Value));
        services.TryAddSingleton<IGateDisplay>(sp => CreateDisplay(sp));
        services.TryAddSingleton<IGateSignal>(sp =>
        {
            var gpio = sp.GetRequiredService<IOptions<GpioOptions>>().Value;
            var controller = sp.GetRequiredService<GpioController>();
            return new GpioGateSignal(
                controller,
                gpio,
                sp.GetRequiredService<IOptions<DoorOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                shouldDispose: false,
                DoorHardware.CreateBuzzer(controller, gpio),
                sp.GetRequiredService<IGateDisplay>());
        });
        services.AddHostedService<DoorSafetyService>();

        // Central's policy: the stored bundle is put in force by this hosted service, registered before the scan worker,
        // so the first scan already decides with it.
        services.TryAddSingleton<PolicyState>();
        services.TryAddSingleton(sp => new PolicyApplier(
            sp.GetRequiredService<PolicyState>(),
            sp.GetRequiredService<IOptions<PolicyOptions>>().Value,
            sp.GetRequiredService<IOptions<KioskOptions>>().Value,
            detail => sp.GetRequiredService<GatePipeline>().RecordSystemEvent(detail),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PolicyApplier>>()));
        services.AddHostedService<PolicyStartService>();

        // Signed door commands are verified with central's policy key; without one every door command is refused.
        services.TryAddSingleton(sp =>
        {
            var policy = sp.GetRequiredService<IOptions<PolicyOptions>>().Value;
            return new RemoteCommands(
                sp.GetRequiredService<GatePipeline>(),
                policy.IsEnabled() ? policy.LoadKey() : null,
                sp.GetRequiredService<IOptions<KioskOptions>>().Value,
                policy.ClockLeeway,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<RemoteCommands>>());
        });

        services.TryAddSingleton(sp =>
        {
            var kiosk = sp.GetRequiredService<IOptions<KioskOptions>>().Value;
            return new SqliteEntryJournal(
                Path.Combine(kiosk.DataDirectory, "journal.db"),
                kiosk.SiteId,
                kiosk.KioskId,
                sp.GetRequiredService<IOptions<JournalOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ITimeSourceProbe>());
        });
        services.TryAddSingleton<IEntryJournal>(sp => sp.GetRequiredService<SqliteEntryJournal>());
        services.TryAddSingleton<IJournalMaintenance>(sp => sp.GetRequiredService<SqliteEntryJournal>());
        services.AddHostedService<JournalMaintenanceService>();
        services.TryAddSingleton<ITimeSourceProbe>(sp => new TimeSourceProbe(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<KioskOptions>>().Value.DataDirectory));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICredentialVerifier, BadgeAllowlistVerifier>());
        services.AddSignedCredentials();
        services.TryAddSingleton(sp => new CredentialVerifier(
            sp.GetServices<ICredentialVerifier>(),
            sp.GetRequiredService<IOptions<KioskOptions>>().Value.AcceptedKindsOrDefault(),
            sp.GetRequiredService<ILogger<CredentialVerifier>>(),
            sp.GetService<PolicyState>()));
        services.TryAddSingleton<AccessDecider>();
        services.TryAddSingleton<GatePipeline>();

        services.TryAddSingleton<IDoorSensor>(sp => DoorHardware.CreateSensor(
            sp.GetRequiredService<GpioController>(),
            sp.GetRequiredService<IOptions<GpioOptions>>().Value,
            sp.GetRequiredService<IOptions<DoorOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<DoorMonitor>();
        services.AddHostedService<DoorService>();

        // The publisher is registered before the scan worker so that it stops after it: the worker's stop
        // event is journaled first and the publisher's last flush can still send it.
        services.TryAddSingleton<IKioskTelemetry, KioskTelemetrySource>();
        services.TryAddSingleton<MqttEntryPublisher>();
        services.TryAddSingleton<IEventUplink>(sp => sp.GetRequiredService<MqttEntryPublisher>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttEntryPublisher>());

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

        // Last, so the scan loop runs before the first check: pings systemd's watchdog while the kiosk is alive.
        services.TryAddSingleton(sp => new KioskLiveness(sp.GetRequiredService<IEntryJournal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService(sp => new SystemdWatchdog(
            sp.GetRequiredService<KioskLiveness>(),
            sp.GetService<SystemdNotifySocket>() ?? SystemdNotifySocket.FromEnvironment(Environment.GetEnvironmentVariable, Environment.ProcessId),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SystemdWatchdog>>()));
        return services;
    }

    /// <summary>
    /// The signed-credential verifiers (staff badge, visitor pass, health declaration, EU DCC) on one core, with the trust
    /// list and rules of the <c>Credentials</c> section; which of them open the door is <c>Kiosk:AcceptedKinds</c>.
    /// </summary>
    public static IServiceCollection AddSignedCredentials(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<CredentialOptions>>(sp => new UnknownKeyValidator<CredentialOptions>(
            sp.GetRequiredService<IConfiguration>(), $"{CredentialOptions.SectionName}:{nameof(CredentialOptions.Dcc)}", typeof(DccRules)));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CredentialOptions>>().Value;
            var settings = options.ToSettings(sp.GetRequiredService<IOptions<KioskOptions>>().Value.SiteId);
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("GateKiosk.Credentials");
            CredentialsLog.TrustLoaded(log, options.TrustListPath, settings.Trust.Keys.Count, settings.Trust.Skipped.Count);
            foreach (var skipped in settings.Trust.Skipped)
            {
                CredentialsLog.TrustEntrySkipped(log, skipped);
            }

            return settings;
        });
        services.TryAddSingleton<IPassUseLedger>(sp => sp.GetRequiredService<SqliteEntryJournal>());
        foreach (var kind in new[] { CredentialKinds.StaffPass, CredentialKinds.VisitorPass, CredentialKinds.HealthDeclaration })
        {
            // A door that does not accept a kind must not use up a single-use pass of that kind: it gets no ledger.
            services.AddSingleton<ICredentialVerifier>(sp => new GateKioskPassVerifier(
                kind,
                sp.GetRequiredService<SignedCredentialSettings>(),
                sp.GetRequiredService<IOptions<KioskOptions>>().Value.AcceptedKindsOrDefault().Contains(kind) ? sp.GetRequiredService<IPassUseLedger>() : NoPassUseLedger.Instance,
                sp.GetService<PolicyState>()));
        }

        services.AddSingleton<ICredentialVerifier>(sp => new EuDccVerifier(sp.GetRequiredService<SignedCredentialSettings>()));
        foreach (var kind in new[] { CredentialKinds.VnCccd, CredentialKinds.VnPcCovid })
        {
            services.AddSingleton<ICredentialVerifier>(sp => new VietnameseIdVerifier(kind, sp.GetRequiredService<SignedCredentialSettings>()));
        }

        return services;
    }

    /// <summary>
    /// The configured display behind a queue, so bus writes never delay the door. A display that cannot be opened is
    /// logged and left out: the door works without it.
    /// </summary>
    private static IGateDisplay CreateDisplay(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<DisplayOptions>>().Value;
        var simulated = sp.GetRequiredService<IOptions<GpioOptions>>().Value.Driver == GpioDriverKind.Simulated;
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("GateKiosk.Display");
        if (options.Kind == DisplayKind.None)
        {
            return new NoDisplay();
        }

        try
        {
            var (display, device) = DoorHardware.CreateDisplay(options, simulated);
            return new QueuedDisplay(display, device, logger);
        }
#pragma warning disable CA1031 // A broken or missing display must not keep the door from working.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.DisplayUnavailable(logger, options.Kind, ex);
            return new NoDisplay();
        }
    }
}

/// <summary>Log lines of the credential set-up; key ids and counts only, never a key or a payload.</summary>
internal static partial class CredentialsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Trust list '{Path}': {Keys} keys trusted, {Skipped} skipped")]
    public static partial void TrustLoaded(ILogger logger, string path, int keys, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trust list {Entry}; codes it signed will be unknown-issuer")]
    public static partial void TrustEntrySkipped(ILogger logger, string entry);
}

/// <summary>Log lines of the device set-up.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Display {Kind} could not be opened; running without it")]
    public static partial void DisplayUnavailable(ILogger logger, DisplayKind kind, Exception ex);
}
