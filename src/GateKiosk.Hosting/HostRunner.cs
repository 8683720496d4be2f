using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GateKiosk.Hosting;

/// <summary>Runs a host and turns configuration mistakes into one clear message and exit code 78 (EX_CONFIG).</summary>
public static class HostRunner
{
    /// <summary>Exit code for a wrong or missing configuration key.</summary>
    public const int ConfigurationError = 78;

    /// <summary>Starts <paramref name="host"/>, runs it until stopped, and maps start-up failures to exit codes.</summary>
    public static async Task<int> RunAsync(IHost host, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            // Validate options and build every hosted service before the host starts, so a wrong key is
            // reported once, by name, and nothing (the door outputs included) runs on a bad configuration.
            host.Services.GetService<IStartupValidator>()?.Validate();
            _ = host.Services.GetServices<IHostedService>().ToList();
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            await error.WriteLineAsync(message);
            if (host is IAsyncDisposable early)
            {
                await early.DisposeAsync();
            }

            return ConfigurationError;
        }

        try
        {
            await host.RunAsync();
            return 0;
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            await error.WriteLineAsync(message);
            return ConfigurationError;
        }
        finally
        {
            if (host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>The configuration problem behind <paramref name="ex"/>, or null when it is not one.</summary>
    public static string? Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var problems = Problems(ex).Distinct(StringComparer.Ordinal).ToList();
        return problems.Count == 0 ? null : "Configuration error:" + string.Concat(problems.Select(p => Environment.NewLine + "  " + p));
    }

    /// <summary>Each configuration problem inside <paramref name="ex"/>, once per options registration that reported it.</summary>
    private static IEnumerable<string> Problems(Exception ex) => ex switch
    {
        OptionsValidationException v => v.Failures,
        AggregateException a => a.InnerExceptions.SelectMany(Problems),
        InvalidOperationException i when i.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) => [i.Message],
        ConfigurationProblemException c => [c.Message],
        _ when ex.InnerException is { } inner => Problems(inner),
        _ => [],
    };
}
