using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace GateKiosk.Tests.Deploy;

/// <summary>
/// The amd64 packages installed, removed and purged by the real <c>dpkg</c> in a throwaway root
/// (<c>dpkg --root</c>, with the maintainer scripts run outside a chroot and <c>DPKG_ROOT</c> set, as image builders
/// do). Limits: nothing runs inside the root (no systemd, no service start; a start is shown by the units' own
/// tests), and dependencies are not installed into it (<c>--force-depends</c>).
/// </summary>
public sealed class DebianInstallTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gk-root-" + Guid.NewGuid().ToString("N")[..8]);

    public DebianInstallTests(ITestOutputHelper output)
    {
        _output = output;
        foreach (var dir in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/log", "etc" })
        {
            Directory.CreateDirectory(Path.Combine(_root, dir));
        }

        File.WriteAllText(Path.Combine(_root, "var/lib/dpkg/status"), "");
        File.WriteAllText(Path.Combine(_root, "var/lib/dpkg/available"), "");
        // A fresh Debian's accounts: the device groups dialout, input and video exist; gpio and i2c do not.
        File.WriteAllText(Path.Combine(_root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(Path.Combine(_root, "etc/group"), "root:x:0:\ndialout:x:20:\nvideo:x:44:\ninput:x:101:\n");
        File.WriteAllText(Path.Combine(_root, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(Path.Combine(_root, "etc/gshadow"), "root:*::\ndialout:*::\nvideo:*::\ninput:*::\n");
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Install_Kiosk_UserFoldersConffilesAndEnabledUnit_RemoveKeepsData_PurgeDeletesIt()
    {
        var deb = DebianPackages.Require("gatekiosk", "amd64");
        SkipUnlessRoot();

        await DpkgAsync("--install", deb);

        var user = Account("passwd", "gatekiosk");
        Assert.Equal("/var/lib/gatekiosk", user[5]);
        Assert.Equal("/usr/sbin/nologin", user[6]);
        var uid = int.Parse(user[2], CultureInfo.InvariantCulture);
        var gid = int.Parse(Account("group", "gatekiosk")[2], CultureInfo.InvariantCulture);
        Assert.True(uid < 1000, "a system user");
        Account("group", "gpio");
        Account("group", "i2c");
        Assert.Equal("20", Account("group", "dialout")[2]);

        await AssertOwnerAndModeAsync("var/lib/gatekiosk", uid, gid, "750");
        await AssertOwnerAndModeAsync("etc/gatekiosk/tls", 0, gid, "750");
        await AssertOwnerAndModeAsync("etc/gatekiosk/defaults.json", 0, 0, "644");
        await AssertOwnerAndModeAsync("usr/lib/gatekiosk/gatekiosk", 0, 0, "755");
        Assert.Equal("../lib/gatekiosk/gatekiosk", new FileInfo(Path.Combine(_root, "usr/bin/gatekiosk")).LinkTarget);
        Assert.Equal(
            "/usr/lib/systemd/system/gatekiosk.service",
            new FileInfo(Path.Combine(_root, "etc/systemd/system/multi-user.target.wants/gatekiosk.service")).LinkTarget);

        var status = await File.ReadAllTextAsync(Path.Combine(_root, "var/lib/dpkg/status"));
        Assert.Contains("Status: install ok installed", status, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Conffiles:\n /etc/gatekiosk/defaults\.json [0-9a-f]{32}$", status);

        // What the kiosk and the technician made: a journal, the kiosk's settings.
        await File.WriteAllTextAsync(Path.Combine(_root, "var/lib/gatekiosk/journal.db"), "journal");
        await File.WriteAllTextAsync(Path.Combine(_root, "etc/gatekiosk/kiosk.json"), "{}");

        await DpkgAsync("--remove", "gatekiosk");

        Assert.False(File.Exists(Path.Combine(_root, "usr/lib/gatekiosk/gatekiosk")));
        Assert.True(File.Exists(Path.Combine(_root, "var/lib/gatekiosk/journal.db")), "remove keeps the journal");
        Assert.True(File.Exists(Path.Combine(_root, "etc/gatekiosk/kiosk.json")), "remove keeps the settings");
        Assert.True(File.Exists(Path.Combine(_root, "etc/gatekiosk/defaults.json")), "remove keeps conffiles");

        await DpkgAsync("--purge", "gatekiosk");

        Assert.False(Directory.Exists(Path.Combine(_root, "var/lib/gatekiosk")), "purge deletes the journal");
        Assert.False(Directory.Exists(Path.Combine(_root, "etc/gatekiosk")), "purge deletes the settings");
        Assert.False(File.Exists(Path.Combine(_root, "etc/systemd/system/multi-user.target.wants/gatekiosk.service")));
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Install_Central_UserStoreFolderAndConfigFolderClosedToOthers()
    {
        var deb = DebianPackages.Require("gatekiosk-central", "amd64");
        SkipUnlessRoot();

        await DpkgAsync("--install", deb);

        var user = Account("passwd", "gatekiosk-central");
        var uid = int.Parse(user[2], CultureInfo.InvariantCulture);
        var gid = int.Parse(Account("group", "gatekiosk-central")[2], CultureInfo.InvariantCulture);
        await AssertOwnerAndModeAsync("var/lib/gatekiosk-central", uid, gid, "750");
        await AssertOwnerAndModeAsync("etc/gatekiosk/central", 0, gid, "750");
        Assert.True(File.Exists(Path.Combine(_root, "etc/systemd/system/multi-user.target.wants/gatekiosk-central.service")));
        Assert.Matches(@"(?m)^Conffiles:\n /etc/gatekiosk/central/defaults\.json [0-9a-f]{32}$", await File.ReadAllTextAsync(Path.Combine(_root, "var/lib/dpkg/status")));

        // An upgrade (the same package again) keeps the user and the folder's owner.
        await DpkgAsync("--install", deb);
        Assert.Equal(user, Account("passwd", "gatekiosk-central"));
        await AssertOwnerAndModeAsync("var/lib/gatekiosk-central", uid, gid, "750");
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Walkthrough_FromPackageToAPassingSelfTest_Timed()
    {
        var deb = DebianPackages.Require("gatekiosk", "amd64");
        SkipUnlessRoot();
        var watch = Stopwatch.StartNew();

        // Step 3 of deploy/README.md: install the package.
        await DpkgAsync("--install", deb);
        var installed = watch.Elapsed;
        // Step 4: the kiosk's settings from the shipped example, readable by the service's group only.
        var gid = Account("group", "gatekiosk")[2];
        var (code, _, error) = await DebianPackages.RunAsync("install", ["-m", "0640", "-g", gid,
            Path.Combine(_root, "usr/share/doc/gatekiosk/examples/kiosk.json"), Path.Combine(_root, "etc/gatekiosk/kiosk.json")]);
        Assert.True(code == 0, error);
        // Step 5: the installed program's self-test, with the installed journal folder. Simulated outputs: this machine
        // has no relay. (The program reads this machine's /etc/gatekiosk, not the throwaway root's.)
        var (selfTestCode, selfTest, selfTestError) = await DebianPackages.RunAsync(
            Path.Combine(_root, "usr/bin/gatekiosk"), ["selftest", "--simulated", $"--Kiosk:DataDirectory={_root}/var/lib/gatekiosk"]);
        watch.Stop();

        Assert.True(selfTestCode == 0, selfTest + selfTestError);
        Assert.Contains("Self-test passed.", selfTest, StringComparison.Ordinal);
        Assert.Contains($"{_root}/var/lib/gatekiosk writable", selfTest, StringComparison.Ordinal);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"walkthrough (install, settings, self-test): {watch.Elapsed.TotalSeconds:0.0} s, of which dpkg --install {installed.TotalSeconds:0.0} s"));
    }

    private static void SkipUnlessRoot() =>
        Skip.IfNot(Environment.UserName == "root", "dpkg --root sets owners: run as root (the test command does)");

    private async Task DpkgAsync(params string[] args)
    {
        var (code, stdout, stderr) = await DebianPackages.RunAsync(
            "dpkg",
            ["--root", _root, "--force-script-chrootless", "--force-depends", "--force-confold", "--log", Path.Combine(_root, "var/log/dpkg.log"), .. args]);
        Assert.True(code == 0, $"dpkg {string.Join(' ', args)}: {stdout}{stderr}");
    }

    /// <summary>The fields of <paramref name="name"/>'s line in the root's /etc/<paramref name="file"/>.</summary>
    private string[] Account(string file, string name)
    {
        var line = File.ReadLines(Path.Combine(_root, "etc", file)).SingleOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        Assert.True(line is not null, $"{name} is not in /etc/{file}");
        return line.Split(':');
    }

    private async Task AssertOwnerAndModeAsync(string path, int uid, int gid, string mode)
    {
        var full = Path.Combine(_root, path);
        var (code, stdout, stderr) = await DebianPackages.RunAsync("stat", ["-c", "%u %g %a", full]);
        Assert.True(code == 0, stderr);
        Assert.Equal($"{uid} {gid} {mode}", stdout.Trim());
    }
}
