using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Web;
using GateKiosk.Hosting;
using GateKiosk.Mqtt;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central;

/// <summary>The central service's composition: collector, store, API and dashboard.</summary>
public static class CentralApp
{
    /// <summary>Configuration folder of the central service.</summary>
    public const string EtcFolder = "/etc/gatekiosk/central";

    /// <summary>Builds the central web application; <paramref name="customize"/> runs last (the demo and tests override keys there).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,

            // The pages are compiled into this assembly; name it, since the entry assembly may be a test host.
            ApplicationName = typeof(CentralApp).Assembly.GetName().Name,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddGateKioskSources(EtcFolder, args);
        customize?.Invoke(builder);
        builder.Logging.AddGateKioskConsole(builder.Configuration);

        var urls = builder.Configuration[$"{CentralOptions.SectionName}:{nameof(CentralOptions.Urls)}"] ?? new CentralOptions().Urls;
        builder.WebHost.UseUrls(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var services = builder.Services;
        services.AddSystemd();
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<CentralOptions, CentralOptionsValidator>(CentralOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddValidatedOptions<MqttOptions, MqttOptionsValidator>(MqttOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddSingleton(sp => new SqliteEventStore(
            Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db"),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var central = sp.GetRequiredService<IOptions<CentralOptions>>().Value;
            _ = sp.GetRequiredService<SqliteEventStore>(); // opens (and creates) central.db first
            return new KioskHealthStore(
                Path.Combine(central.DataDirectory, "central.db"), sp.GetRequiredService<TimeProvider>(), central.TelemetryInterval, sp.GetService<ILogger<KioskHealthStore>>());
        });
        services.AddSingleton<CentralMetrics>();
        services.AddSingleton<MqttEventCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttEventCollector>());
        services.AddSingleton<ChainRepairService>();
        services.AddHostedService(sp => sp.GetRequiredService<ChainRepairService>());
        services.AddCentralApiAccess();
        services.AddCentralWeb();

        var app = builder.Build();
        app.MapCentral();
        return app;
    }
}
