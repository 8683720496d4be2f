using GateKiosk.Central.Storage;
using GateKiosk.Hosting;
using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Tracing;

/// <summary>Registers tracing: its options (validated at start), the sites' clock, the contact finder and the daily retention purge.</summary>
internal static class TracingServices
{
    public static IServiceCollection AddCentralTracing(this IServiceCollection services)
    {
        services.AddValidatedOptions<TracingOptions, TracingOptionsValidator>(TracingOptions.SectionName, static (c, o) => c.Bind(o));
        services.AddSingleton(sp => new SiteClock(sp.GetRequiredService<IOptions<TracingOptions>>().Value.Zone));
        services.AddSingleton(sp => new ContactFinder(
            sp.GetRequiredService<ITracingQueries>(), sp.GetRequiredService<IOptions<TracingOptions>>().Value, sp.GetRequiredService<SiteClock>()));
        services.AddSingleton<Retention.RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<Retention.RetentionService>());
        return services;
    }
}
