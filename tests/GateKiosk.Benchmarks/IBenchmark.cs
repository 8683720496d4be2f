namespace GateKiosk.Benchmarks;

/// <summary>
/// One benchmark: it measures GateKiosk and its peer in the same run and prints both, with the ratio.
/// Every class implementing this interface is listed by <c>dotnet run -c Release --project tests/GateKiosk.Benchmarks</c>.
/// </summary>
internal interface IBenchmark
{
    /// <summary>The name used on the command line (kebab-case).</summary>
    string Name { get; }

    /// <summary>One line: what is measured and against which peer.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark, printing its figures; returns the process exit code.</summary>
    Task<int> RunAsync(string[] args, TextWriter output);
}
