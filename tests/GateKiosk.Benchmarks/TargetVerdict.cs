namespace GateKiosk.Benchmarks;

/// <summary>
/// The named targets one benchmark run checked, and the exit code they give: 0 when every target was met, 1 when
/// any was missed or could not be measured, or when none was checked at all (a run that checked nothing proves
/// nothing). Every benchmark ends with <see cref="ReportAsync"/>, so a missed target fails the run and is named.
/// </summary>
internal sealed class TargetVerdict
{
    /// <summary>Every target was met.</summary>
    public const int Met = 0;

    /// <summary>A target was missed or not measured, or no target was checked.</summary>
    public const int Missed = 1;

    private readonly List<TargetResult> _results = [];

    /// <summary>The targets checked so far, in order.</summary>
    public IReadOnlyList<TargetResult> Results => _results;

    /// <summary>Records target <paramref name="name"/> (it says the bound, e.g. "ES256 p99 ≤ 0.3 ms") as met or missed, with the measured figure.</summary>
    public TargetResult Check(string name, bool met, string measured)
    {
        var result = new TargetResult(name, met ? TargetStatus.Met : TargetStatus.Missed, measured);
        _results.Add(result);
        return result;
    }

    /// <summary>Records a target the run could not measure (a missing tool, a build that failed): it counts as missed.</summary>
    public TargetResult NotMeasured(string name, string why)
    {
        var result = new TargetResult(name, TargetStatus.NotMeasured, why);
        _results.Add(result);
        return result;
    }

    /// <summary>The exit code for <paramref name="results"/>.</summary>
    public static int ExitCode(IReadOnlyCollection<TargetResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Count > 0 && results.All(r => r.Status == TargetStatus.Met) ? Met : Missed;
    }

    /// <summary>The closing lines of a run: one per target, then the verdict naming every target not met.</summary>
    public static IReadOnlyList<string> Summary(IReadOnlyCollection<TargetResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var lines = results.Select(r => r.ToString()).ToList();
        var notMet = results.Where(r => r.Status != TargetStatus.Met).Select(r => r.Name).ToList();
        lines.Add(results.Count == 0
            ? "verdict: FAILED, no target was checked"
            : notMet.Count == 0
                ? $"verdict: all {results.Count} targets met"
                : $"verdict: FAILED, target{(notMet.Count == 1 ? string.Empty : "s")} not met: {string.Join("; ", notMet)}");
        return lines;
    }

    /// <summary>Prints <see cref="Summary"/> and returns <see cref="ExitCode"/>.</summary>
    public async Task<int> ReportAsync(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var line in Summary(_results))
        {
            await output.WriteLineAsync(line);
        }

        return ExitCode(_results);
    }
}

/// <summary>Whether a target was met.</summary>
internal enum TargetStatus
{
    Met,
    Missed,
    NotMeasured,
}

/// <summary>One target of a benchmark run: its name (with the bound), the outcome and the figure measured (or why there is none).</summary>
internal sealed record TargetResult(string Name, TargetStatus Status, string Detail)
{
    public override string ToString() => Status switch
    {
        TargetStatus.Met => $"target {Name}: met ({Detail})",
        TargetStatus.Missed => $"target {Name}: MISSED ({Detail})",
        _ => $"target {Name}: NOT MEASURED ({Detail})",
    };
}
