using System.Text.RegularExpressions;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Tooling;

/// <summary>
/// The corpus lookup every corpus test goes through: without the corpus a test skips, unless the test command asked
/// for the corpus (<c>GATEKIOSK_REQUIRE_CORPUS=1</c>, set by CI), in which case it fails.
/// </summary>
public sealed class RepoPathsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gk-corpus-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void CorpusForTest_RequiredAndFolderMissing_FailsNamingTheFolderAndVariable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RepoPaths.CorpusForTest("dcc", _root, required: true));

        Assert.Contains(RepoPaths.RequireCorpusVariable + "=1", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_root, "dcc"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CorpusForTest_NotRequiredAndFolderMissing_IsNullSoTheTestSkips()
    {
        Assert.Null(RepoPaths.CorpusForTest("dcc", _root, required: false));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CorpusForTest_FolderPresent_IsItsPath(bool required)
    {
        var dcc = Directory.CreateDirectory(Path.Combine(_root, "dcc")).FullName;

        Assert.Equal(dcc, RepoPaths.CorpusForTest("dcc", _root, required));
    }

    [Fact]
    public void CorpusTests_LookUpTheCorpus_OnlyThroughCorpusForTest()
    {
        // RepoPaths.Corpus never fails; a test using it would skip silently in CI when the corpus is missing.
        var offenders = Directory.EnumerateDirectories(Path.Combine(RepoPaths.Root, "tests"), "*.Tests")
            .SelectMany(project => Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(file => Regex.IsMatch(File.ReadAllText(file), @"RepoPaths\s*\.\s*Corpus\s*\("))
            .Select(file => Path.GetRelativePath(RepoPaths.Root, file))
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void CiRun_RunsTheReadmeTestCommand_WithTheCorpusRequired()
    {
        var commands = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".ci", "run"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToList();

        Assert.Contains($"{RepoPaths.RequireCorpusVariable}=1 ./scripts/test.sh", commands);
        Assert.Contains("./scripts/test.sh", File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")), StringComparison.Ordinal);
    }
}
