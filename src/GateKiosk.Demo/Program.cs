using System.Runtime.InteropServices;

namespace GateKiosk.Demo;

/// <summary>
/// <c>gatekiosk-demo [--Demo:Key=value ...]</c>: everything on this machine, an in-process broker, central with SQLite,
/// two simulated kiosks and the pages on loopback with a demo admin (Demo:DataDirectory, Demo:HttpPort,
/// Demo:ScanInterval, Demo:Duration).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] is "demo")
        {
            // `demo` as the first word, as the central executable used to take it, is accepted and ignored.
            args = args[1..];
        }

        if (args.Length > 0 && args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine("Usage: gatekiosk-demo [--Demo:DataDirectory=DIR] [--Demo:HttpPort=5080] [--Demo:ScanInterval=00:00:03] [--Demo:Duration=hh:mm:ss]");
            return 0;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        return await DemoRunner.RunAsync(args, Console.Out, Console.IsInputRedirected ? null : Console.In, stop.Token);
    }
}
