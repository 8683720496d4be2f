namespace GateKiosk.Testing;

/// <summary>Paths relative to the project root (the folder holding GateKiosk.sln).</summary>
public static class RepoPaths
{
    /// <summary>The variable the test command sets so that tests needing the corpus fail, rather than skip, without it.</summary>
    public const string RequireCorpusVariable = "GATEKIOSK_REQUIRE_CORPUS";

    /// <summary>The project root, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared outside corpus: <c>../shared/corpus</c> from the project root.</summary>
    public static string CorpusRoot => Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpus"));

    /// <summary>True when the test command asked for the corpus tests to run (<c>GATEKIOSK_REQUIRE_CORPUS=1</c>).</summary>
    public static bool CorpusRequired => Environment.GetEnvironmentVariable(RequireCorpusVariable) == "1";

    /// <summary>
    /// A folder of the shared outside corpus (<c>../shared/corpus/NAME</c> from the project root), or null when this
    /// clone does not have it. Tests use <see cref="CorpusForTest(string)"/> instead, which fails when the corpus is required.
    /// </summary>
    public static string? Corpus(string name)
    {
        var path = Path.Combine(CorpusRoot, name);
        return Directory.Exists(path) ? path : null;
    }

    /// <summary>
    /// The corpus folder NAME for a test: its path, or null when it is missing (the test then skips with
    /// <see cref="CorpusMissing"/>). With <c>GATEKIOSK_REQUIRE_CORPUS=1</c> (the test command sets it) a missing folder
    /// throws instead, so the test fails rather than skipping unnoticed.
    /// </summary>
    public static string? CorpusForTest(string name) => CorpusForTest(name, CorpusRoot, CorpusRequired);

    /// <summary>The lookup of <see cref="CorpusForTest(string)"/> under <paramref name="corpusRoot"/>, for testing it.</summary>
    internal static string? CorpusForTest(string name, string corpusRoot, bool required)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = Path.GetFullPath(Path.Combine(corpusRoot, name));
        if (Directory.Exists(path))
        {
            return path;
        }

        return required
            ? throw new InvalidOperationException(
                $"{RequireCorpusVariable}=1 but the corpus folder {path} is missing: this test needs ../shared/corpus/{name} beside the clone.")
            : null;
    }

    /// <summary>The skip message for a missing corpus folder.</summary>
    public static string CorpusMissing(string name) =>
        $"../shared/corpus/{name} is not present beside this clone; this test needs the outside corpus and is skipped.";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GateKiosk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("GateKiosk.sln not found above " + AppContext.BaseDirectory);
    }
}
