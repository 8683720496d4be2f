using GateKiosk.Commands;
using GateKiosk.Hosting;
using Microsoft.Extensions.Hosting;

namespace GateKiosk;

/// <summary>The kiosk executable: <c>gatekiosk VERB [--Section:Key=value ...]</c>.</summary>
internal static class Program
{
    internal const string Usage = """
        Usage: gatekiosk <command> [--Section:Key=value ...]

        Commands:
          run        run the kiosk: read scans, decide, drive the door, journal and publish
          journal    outbox statistics: last seq, unsent events, oldest unsent age, size (--json for scripts)
          verify     check one code offline: verify [--trust FILE] [--at RFC3339-TIME] [--json] PAYLOAD
          selftest   drive each output in turn (relay click, LEDs, buzzer, display), read each input, check the
                     reader, broker, clock and disk; prints a table, exits 1 when anything failed
                     --simulated: use in-memory GPIO, display and reader (for a laptop)
          safe-state every output to its off level (the service manager runs this after the kiosk exits)
          decode     decode [--json] IMAGE...: print the QR code in each PNG/JPEG/BMP file; with --json one line
                     per image: {"file", "text" (null when none), "ms" (decode time, not counting loading)}

        Configuration: appsettings.json, /etc/gatekiosk/*.json, GATEKIOSK_Section__Key environment variables
        and --Section:Key=value arguments (see README.md for every key).
        """;

    public static async Task<int> Main(string[] args)
    {
        // QR codes without an ECI may hold Shift_JIS; .NET has it only through the code-pages provider, and ZXing
        // looks it up once, so it is registered before anything touches ZXing.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var rest = args[1..];
        switch (args[0])
        {
            case "run":
                return await HostRunner.RunAsync(BuildKioskHost(rest), Console.Error);
            case "journal":
                return Cli.JournalCommand.Run(rest, Console.Out, Console.Error, TimeProvider.System);
            case "verify":
                return await Verifying.VerifyCommand.RunAsync(rest, Console.In, Console.Out, Console.Error, TimeProvider.System);
            case "selftest":
                return await SelfTestCommand.RunAsync(rest, Console.Out);
            case "safe-state":
                return await SafeStateCommand.RunAsync(rest, Console.Out);
            case "decode":
                return DecodeCommand.Run(rest, Console.Out, Console.Error);
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{args[0]}'.{Environment.NewLine}{Usage}");
                return 2;
        }
    }

    /// <summary>The kiosk host with its configuration sources, logging and services.</summary>
    internal static IHost BuildKioskHost(string[] args, Action<HostApplicationBuilder>? customize = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddGateKioskSources("/etc/gatekiosk", args);
        builder.Logging.AddGateKioskConsole(builder.Configuration);
        builder.Services.AddSystemd();
        builder.Services.AddKiosk();
        customize?.Invoke(builder);
        return builder.Build();
    }
}
