using Microsoft.Extensions.Options;

namespace GateKiosk.Central.People;

/// <summary>Registers staff records, presence, muster and the passes issued from the pages.</summary>
internal static class PeopleServices
{
    public static IServiceCollection AddPeople(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqlitePeopleStore(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<PeopleService>();
        services.AddSingleton(sp => new KioskDoorStore(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<PresenceService>();
        services.AddSingleton(sp => new Passes.SqlitePassStore(Path.Combine(sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory, "central.db")));
        services.AddSingleton<Passes.PassService>();
        return services;
    }

    /// <summary>Who acts in <paramref name="http"/>'s request: the signed-in user, their address and their sites.</summary>
    public static Actor ActorOf(Microsoft.AspNetCore.Http.HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return new Actor(http.User.Identity?.Name ?? "?", http.Connection.RemoteIpAddress?.ToString(), Accounts.SiteScope.Of(http.User));
    }
}
