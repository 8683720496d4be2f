using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Hosting;

/// <summary>One-line console logs (journald adds its own timestamps) with framework chatter kept at warnings.</summary>
public static class LoggingSetup
{
    /// <summary>Adds the console logger; <c>Logging:LogLevel:*</c> keys override the defaults.</summary>
    public static ILoggingBuilder AddGateKioskConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        return logging;
    }
}
