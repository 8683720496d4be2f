using System.Globalization;

namespace GateKiosk.Benchmarks.Decoding;

/// <summary>
/// <c>gate-scenes DIR [SEED] [COUNT]</c>: writes a set of generated gate scenes (NAME.jpg, NAME.txt with the exact
/// text, scenes.tsv) for looking at them or feeding other decoders.
/// </summary>
internal sealed class GateScenesTool : IBenchmark
{
    public string Name => "gate-scenes";

    public string Description => "writes generated gate scenes: DIR [SEED (default 1702, the held-out set)] [COUNT (default 240)]";

    public async Task<int> RunAsync(string[] args, TextWriter output)
    {
        if (args.Length == 0)
        {
            await output.WriteLineAsync("Usage: gate-scenes DIR [SEED] [COUNT]");
            return 2;
        }

        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : GateSceneSets.HeldOut;
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 240;
        var written = GateSceneGenerator.Write(GateSceneGenerator.Generate(seed, count), args[0]);
        await output.WriteLineAsync($"{written.Count} scenes of seed {seed} written to {args[0]}");
        return 0;
    }
}

/// <summary>The seeds of the generated sets: decoder work is tuned on one, judged on the others.</summary>
internal static class GateSceneSets
{
    /// <summary>The set the decoder's search order is tuned on.</summary>
    public const int Tuning = 1701;

    /// <summary>The held-out set, never tuned on: the benchmark's target is judged here.</summary>
    public const int HeldOut = 1702;

    /// <summary>A fresh set for a last check that nothing was fitted to the held-out set either.</summary>
    public const int Fresh = 1703;
}
