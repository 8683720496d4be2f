using System.Diagnostics;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Deploy;

/// <summary>
/// The .deb files that <c>scripts/package.sh</c> builds into <c>artifacts/deb</c>. The test command builds them before
/// the tests and sets <c>GATEKIOSK_REQUIRE_PACKAGES=1</c>, so the package tests fail rather than skip there.
/// </summary>
internal static class DebianPackages
{
    public static readonly string[] Architectures = ["amd64", "arm64"];

    public static string Folder => Path.Combine(RepoPaths.Root, "artifacts", "deb");

    public static bool Required => Environment.GetEnvironmentVariable("GATEKIOSK_REQUIRE_PACKAGES") == "1";

    /// <summary>The newest package <paramref name="name"/> for <paramref name="arch"/>, or null when none was built.</summary>
    public static string? Find(string name, string arch) =>
        Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, $"{name}_*_{arch}.deb").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;

    /// <summary>The package, skipping the test when it is not built (failing when the test command built them).</summary>
    public static string Require(string name, string arch)
    {
        var path = Find(name, arch);
        var message = $"{name} for {arch} is not built: run scripts/package.sh";
        Assert.False(path is null && Required, message);
        Skip.If(path is null, message);
        return path!;
    }

    /// <summary>Runs a program to its end; returns its exit code, standard output and standard error.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
