namespace GateKiosk.Central;

/// <summary>The dashboard page, embedded in the executable.</summary>
internal static class Dashboard
{
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(Dashboard).Assembly.GetManifestResourceStream("GateKiosk.Central.Dashboard.index.html")
            ?? throw new InvalidOperationException("The dashboard page is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
