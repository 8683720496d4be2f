using GateKiosk.Benchmarks;

namespace GateKiosk.Tests.Tooling;

/// <summary>The verdict every benchmark ends with: a missed target makes the run fail and is named.</summary>
public sealed class TargetVerdictTests
{
    [Fact]
    public async Task ReportAsync_AllTargetsMet_ReturnsZero()
    {
        var verdict = new TargetVerdict();
        verdict.Check("p99 ≤ 3 ms", met: true, "2.1 ms");
        verdict.Check("ratio ≥ 1.0", met: true, "1.4");
        using var output = new StringWriter();

        Assert.Equal(0, await verdict.ReportAsync(output));
        Assert.Contains("all 2 targets met", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportAsync_OneTargetMissed_ReturnsNonZeroAndNamesIt()
    {
        var verdict = new TargetVerdict();
        verdict.Check("p99 ≤ 3 ms", met: true, "2.1 ms");
        verdict.Check("ratio ≥ 1.0", met: false, "0.7");
        using var output = new StringWriter();

        Assert.NotEqual(0, await verdict.ReportAsync(output));
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("target ratio ≥ 1.0: MISSED (0.7)", lines);
        Assert.Equal("verdict: FAILED, target not met: ratio ≥ 1.0", lines[^1]);
    }

    [Fact]
    public void ExitCode_TargetNotMeasured_IsNonZero()
    {
        var verdict = new TargetVerdict();
        verdict.Check("ratio ≥ 1.0", met: true, "1.2");
        verdict.NotMeasured("RSS < 60 MB", "the native kiosk could not be built");

        Assert.NotEqual(0, TargetVerdict.ExitCode(verdict.Results));
        Assert.Equal("verdict: FAILED, target not met: RSS < 60 MB", TargetVerdict.Summary(verdict.Results)[^1]);
    }

    [Fact]
    public void ExitCode_NoTargetChecked_IsNonZero()
    {
        Assert.NotEqual(0, TargetVerdict.ExitCode([]));
        Assert.Equal("verdict: FAILED, no target was checked", TargetVerdict.Summary([])[^1]);
    }

    [Fact]
    public void Summary_SeveralMissed_NamesEach()
    {
        TargetResult[] results =
        [
            new("a ≥ 1.0", TargetStatus.Missed, "0.5"),
            new("b ≤ 2 ms", TargetStatus.Met, "1 ms"),
            new("c < 60 MB", TargetStatus.Missed, "70 MB"),
        ];

        Assert.Equal("verdict: FAILED, targets not met: a ≥ 1.0; c < 60 MB", TargetVerdict.Summary(results)[^1]);
    }
}
