using System.Text.RegularExpressions;

namespace GateKiosk.Tests.Deploy;

/// <summary>What <c>dpkg-deb</c> and <c>lintian</c> say about the built packages.</summary>
public sealed partial class DebianPackageTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-deb-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [SkippableTheory]
    [InlineData("gatekiosk", "amd64")]
    [InlineData("gatekiosk", "arm64")]
    [InlineData("gatekiosk-central", "amd64")]
    [InlineData("gatekiosk-central", "arm64")]
    public async Task Info_Package_NamesItsArchitectureDependenciesScriptsAndConffiles(string name, string arch)
    {
        var deb = DebianPackages.Require(name, arch);

        var (code, info, error) = await DebianPackages.RunAsync("dpkg-deb", ["--info", deb]);

        Assert.True(code == 0, error);
        Assert.Matches($@"(?m)^ Package: {Regex.Escape(name)}$", info);
        Assert.Matches($@"(?m)^ Architecture: {arch}$", info);
        Assert.Matches(@"(?m)^ Depends: libc6 \(>= 2\.\d+\)", info);
        Assert.Contains("libicu72", info, StringComparison.Ordinal);
        foreach (var script in new[] { "postinst", "prerm", "postrm", "conffiles", "md5sums" })
        {
            Assert.Matches($@"(?m)^ +\d+ bytes, +\d+ lines +\*? *{script}\b", info);
        }

        var (_, conffiles, _) = await DebianPackages.RunAsync("dpkg-deb", ["--info", deb, "conffiles"]);
        var expected = name == "gatekiosk" ? "/etc/gatekiosk/defaults.json" : "/etc/gatekiosk/central/defaults.json";
        Assert.Equal([expected], conffiles.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableTheory]
    [InlineData("amd64", "x86-64")]
    [InlineData("arm64", "ARM aarch64")]
    public async Task Contents_Kiosk_TheNativeExecutableOfItsArchitectureWithUnitAndFolders(string arch, string machine)
    {
        var deb = DebianPackages.Require("gatekiosk", arch);

        var entries = await ContentsAsync(deb);

        Assert.Equal("-rwxr-xr-x root/root", entries["./usr/lib/gatekiosk/gatekiosk"]);
        Assert.Equal("lrwxrwxrwx root/root", entries["./usr/bin/gatekiosk -> ../lib/gatekiosk/gatekiosk"]);
        foreach (var library in new[] { "libe_sqlite3.so", "libSkiaSharp.so", "libSystem.IO.Ports.Native.so" })
        {
            Assert.Equal("-rw-r--r-- root/root", entries[$"./usr/lib/gatekiosk/{library}"]);
        }

        Assert.Equal("-rw-r--r-- root/root", entries["./usr/lib/systemd/system/gatekiosk.service"]);
        Assert.Equal("-rw-r--r-- root/root", entries["./usr/lib/udev/rules.d/70-gatekiosk.rules"]);
        Assert.Equal("-rw-r--r-- root/root", entries["./etc/gatekiosk/defaults.json"]);
        Assert.True(entries.ContainsKey("./var/lib/gatekiosk/"));
        Assert.True(entries.ContainsKey("./etc/gatekiosk/tls/"));
        Assert.True(entries.ContainsKey("./usr/share/doc/gatekiosk/copyright"));
        // Debug symbols, program databases and API docs are for developers.
        Assert.DoesNotContain(entries.Keys, e => e.EndsWith(".dbg", StringComparison.Ordinal) || e.EndsWith(".pdb", StringComparison.Ordinal) || e.EndsWith(".xml", StringComparison.Ordinal));

        var root = Path.Combine(_folder, "x");
        Directory.CreateDirectory(_folder);
        var (code, _, error) = await DebianPackages.RunAsync("dpkg-deb", ["-x", deb, root]);
        Assert.True(code == 0, error);
        var (_, file, _) = await DebianPackages.RunAsync("file", ["-b", Path.Combine(root, "usr/lib/gatekiosk/gatekiosk")]);
        Assert.StartsWith("ELF 64-bit LSB pie executable, " + machine, file, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("amd64")]
    [InlineData("arm64")]
    public async Task Contents_Central_SelfContainedWithUnitAndFolders(string arch)
    {
        var deb = DebianPackages.Require("gatekiosk-central", arch);

        var entries = await ContentsAsync(deb);

        Assert.Equal("-rwxr-xr-x root/root", entries["./usr/lib/gatekiosk-central/gatekiosk-central"]);
        Assert.Equal("lrwxrwxrwx root/root", entries["./usr/bin/gatekiosk-central -> ../lib/gatekiosk-central/gatekiosk-central"]);
        // Self-contained: the runtime and ASP.NET Core are inside, nothing to install from outside Debian.
        Assert.True(entries.ContainsKey("./usr/lib/gatekiosk-central/libcoreclr.so"));
        Assert.True(entries.ContainsKey("./usr/lib/gatekiosk-central/Microsoft.AspNetCore.dll"));
        // Posters and pass QR codes are drawn with SkiaSharp: its native library for Linux must ship with central.
        Assert.True(entries.ContainsKey("./usr/lib/gatekiosk-central/libSkiaSharp.so"));
        Assert.Equal("-rw-r--r-- root/root", entries["./usr/lib/systemd/system/gatekiosk-central.service"]);
        Assert.Equal("-rw-r--r-- root/root", entries["./etc/gatekiosk/central/defaults.json"]);
        Assert.True(entries.ContainsKey("./var/lib/gatekiosk-central/"));
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Lintian_AllPackages_NoErrorsOrWarnings()
    {
        var debs = DebianPackages.Architectures
            .SelectMany(arch => new[] { DebianPackages.Require("gatekiosk", arch), DebianPackages.Require("gatekiosk-central", arch) })
            .ToList();
        Skip.IfNot(File.Exists("/usr/bin/lintian"), "lintian is not installed (Debian package lintian)");

        var (code, stdout, stderr) = await DebianPackages.RunAsync("lintian", ["--fail-on", "error,warning", "--no-tag-display-limit", .. debs]);

        var tags = stdout.Split('\n').Where(l => l.StartsWith("E: ", StringComparison.Ordinal) || l.StartsWith("W: ", StringComparison.Ordinal)).ToList();
        Assert.True(tags.Count == 0, string.Join('\n', tags));
        Assert.True(code == 0, stdout + stderr);
    }

    /// <summary>Each entry of <c>dpkg-deb --contents</c>: its path (with a symlink's target) to its mode and owner.</summary>
    private static async Task<Dictionary<string, string>> ContentsAsync(string deb)
    {
        var (code, stdout, stderr) = await DebianPackages.RunAsync("dpkg-deb", ["--contents", deb]);
        Assert.True(code == 0, stderr);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = ContentsLine().Match(line);
            Assert.True(match.Success, line);
            entries[match.Groups["path"].Value] = match.Groups["mode"].Value + " " + match.Groups["owner"].Value;
        }

        return entries;
    }

    // drwxr-xr-x root/root         0 2026-12-06 05:53 ./usr/lib/
    [GeneratedRegex(@"^(?<mode>\S{10}) (?<owner>\S+) +\d+ \S+ \S+ (?<path>.+)$")]
    private static partial Regex ContentsLine();
}
