using System.Diagnostics;

namespace GateKiosk.Testing;

/// <summary>
/// The kiosk program for tests that run it as a process: the native executable the test command publishes to
/// <c>artifacts/native</c> (the form the kiosk ships in), or else the framework-dependent <c>gatekiosk.dll</c> beside
/// the test binaries, run by <c>dotnet</c>.
/// </summary>
public static class KioskExecutable
{
    /// <summary>
    /// The published native kiosk, or null when it has not been built or is older than the kiosk assembly beside the
    /// test binaries (published before the last build, so it may not hold the code under test).
    /// </summary>
    public static string? Native =>
        Path.Combine(RepoPaths.Root, "artifacts", "native", "gatekiosk") is var path && File.Exists(path)
        && File.GetLastWriteTimeUtc(path) >= File.GetLastWriteTimeUtc(Path.Combine(AppContext.BaseDirectory, "gatekiosk.dll"))
            ? path
            : null;

    /// <summary>True when the test command asked for the native build to be tested (it sets <c>GATEKIOSK_REQUIRE_NATIVE=1</c> after publishing it).</summary>
    public static bool NativeRequired => Environment.GetEnvironmentVariable("GATEKIOSK_REQUIRE_NATIVE") == "1";

    /// <summary>The skip message of a test that needs the native kiosk.</summary>
    public const string NativeNotBuilt =
        "the native kiosk is not built, or is older than the last build; scripts/test.sh publishes it " +
        "(dotnet publish src/GateKiosk -c Release -r linux-x64 -p:PublishAot=true -o artifacts/native)";

    /// <summary>Which build <see cref="StartInfo"/> runs, for a test's output.</summary>
    public static string Description => Native is { } native ? "native " + native : "dotnet gatekiosk.dll";

    /// <summary>A start of the kiosk with <paramref name="args"/>, standard streams redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = Native is { } native
            ? new ProcessStartInfo(native)
            : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "gatekiosk.dll") } };
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
