namespace GateKiosk.Testing;

/// <summary>Paths relative to the project root (the folder holding GateKiosk.sln).</summary>
public static class RepoPaths
{
    /// <summary>The project root, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// A folder of the shared outside corpus (<c>../shared/corpus/NAME</c> from the project root), or null when this
    /// clone does not have it; tests then skip with <see cref="CorpusMissing"/>.
    /// </summary>
    public static string? Corpus(string name)
    {
        var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpus", name));
        return Directory.Exists(path) ? path : null;
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
