using Microsoft.Extensions.Configuration;

namespace GateKiosk.Hosting;

/// <summary>
/// The configuration sources of GateKiosk programs, later ones winning: <c>appsettings.json</c> beside the
/// program, every <c>*.json</c> in the program's folder under <c>/etc/gatekiosk</c> (sorted by name),
/// environment variables <c>GATEKIOSK_Section__Key</c>, and <c>--Section:Key=value</c> arguments.
/// </summary>
public static class GateKioskConfiguration
{
    /// <summary>The environment variable prefix.</summary>
    public const string EnvironmentPrefix = "GATEKIOSK_";

    /// <summary>Adds the sources to <paramref name="builder"/>.</summary>
    /// <param name="builder">The configuration to fill.</param>
    /// <param name="etcFolder">The folder of JSON files (<c>/etc/gatekiosk</c> for the kiosk).</param>
    /// <param name="args">Command-line arguments after the verb.</param>
    public static IConfigurationBuilder AddGateKioskSources(this IConfigurationBuilder builder, string etcFolder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (Directory.Exists(etcFolder))
        {
            foreach (var file in Directory.GetFiles(etcFolder, "*.json").Order(StringComparer.Ordinal))
            {
                builder.AddJsonFile(file, optional: false, reloadOnChange: false);
            }
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(args);
        return builder;
    }
}
