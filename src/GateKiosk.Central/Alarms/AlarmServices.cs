using Microsoft.Extensions.Options;

namespace GateKiosk.Central.Alarms;

/// <summary>Registers the alarm list and its acknowledgements.</summary>
internal static class AlarmServices
{
    public static IServiceCollection AddAlarms(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteAlarmAcks(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<AlarmService>();
        return services;
    }
}
