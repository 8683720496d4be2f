namespace GateKiosk.Benchmarks;

/// <summary><c>dotnet run -c Release --project tests/GateKiosk.Benchmarks -- NAME [args]</c>; no name lists them.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var benchmarks = typeof(Program).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmark).IsAssignableFrom(t))
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

        var chosen = args.Length == 0 ? null : benchmarks.FirstOrDefault(b => b.Name == args[0]);
        if (chosen is null)
        {
            Console.WriteLine("Usage: dotnet run -c Release --project tests/GateKiosk.Benchmarks -- <benchmark> [args]");
            Console.WriteLine();
            foreach (var b in benchmarks)
            {
                Console.WriteLine($"  {b.Name,-22} {b.Description}");
            }

            return args.Length == 0 ? 0 : 2;
        }

        Console.WriteLine($"{chosen.Name}: {chosen.Description}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        return await chosen.RunAsync(args[1..], Console.Out);
    }
}
