using GateKiosk.Central.Alarms;
using GateKiosk.Central.Api;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.People;
using GateKiosk.Central.Policy;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Storage.Postgres;
using GateKiosk.Central.Tracing;
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
        services.AddSingleton<ICentralStore>(sp => OpenStore(sp.GetRequiredService<IOptions<CentralOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IIngestWriter>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IEventQueries>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IKioskSummaries>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IChainReports>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IQuarantine>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IKioskStatusWriter>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<ITracingQueries>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IReportQueries>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddSingleton<IRetentionStore>(sp => sp.GetRequiredService<ICentralStore>());
        services.AddCentralTracing();
        services.AddSingleton(sp =>
        {
            var central = sp.GetRequiredService<IOptions<CentralOptions>>().Value;
            _ = sp.GetRequiredService<ICentralStore>(); // opens (and, for SQLite, creates) the store first
            return new KioskHealthStore(
                Path.Combine(central.DataDirectory, "central.db"), sp.GetRequiredService<TimeProvider>(), central.TelemetryInterval, sp.GetService<ILogger<KioskHealthStore>>());
        });
        services.AddSingleton<CentralMetrics>();
        services.AddSingleton<KioskList>();
        services.AddSingleton(sp => new MqttEventCollector(
            sp.GetRequiredService<ICentralStore>(),
            sp.GetRequiredService<IOptions<MqttOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<KioskHealthStore>(),
            sp.GetRequiredService<CentralMetrics>())
        {
            SharedGroup = sp.GetRequiredService<IOptions<CentralOptions>>().Value.CollectorGroup,
        });
        services.AddSingleton<ChainRepairService>();
        if (builder.Configuration.GetValue($"{CentralOptions.SectionName}:{nameof(CentralOptions.Collect)}", true))
        {
            services.AddHostedService(sp => sp.GetRequiredService<MqttEventCollector>());
            services.AddHostedService(sp => sp.GetRequiredService<ChainRepairService>());
        }
        services.AddCentralApiAccess();
        services.AddCentralWeb();
        services.AddDeclarations();
        services.AddPeople();
        services.AddPolicyPublishing(builder.Configuration.GetValue($"{PolicyPublishOptions.SectionName}:{nameof(PolicyPublishOptions.Publish)}", true));
        services.AddAlarms();

        var app = builder.Build();
        app.MapCentral();
        app.MapPeopleApi();
        app.MapDoorCommands();
        return app;
    }

    /// <summary>The backend <c>Central:Store</c> names: SQLite in <c>Central:DataDirectory</c>, or PostgreSQL at <c>Central:ConnectionString</c>.</summary>
    internal static ICentralStore OpenStore(CentralOptions options, TimeProvider time) => options.UsesPostgres
        ? new PostgresEventStore(options.ConnectionString!, time)
        : new SqliteEventStore(Path.Combine(options.DataDirectory, "central.db"), time);
}
