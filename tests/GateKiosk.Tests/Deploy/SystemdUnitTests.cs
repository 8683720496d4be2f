using System.Diagnostics;
using GateKiosk.Testing;

namespace GateKiosk.Tests.Deploy;

/// <summary>The shipped systemd units: their own users, a private state folder, and nothing systemd would ignore.</summary>
public sealed class SystemdUnitTests : IDisposable
{
    private const string Analyze = "/usr/bin/systemd-analyze";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-units-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("gatekiosk.service", "gatekiosk")]
    [InlineData("gatekiosk-central.service", "gatekiosk-central")]
    public void Unit_Shipped_RunsAsOwnUserWithPrivateStateFolder(string unit, string user)
    {
        var settings = Settings(unit);

        Assert.Equal(user, Assert.Single(settings["User"]));
        Assert.Equal(user, Assert.Single(settings["Group"]));
        Assert.Equal(user, Assert.Single(settings["StateDirectory"]));
        Assert.Equal("0750", Assert.Single(settings["StateDirectoryMode"]));
        Assert.Equal("0027", Assert.Single(settings["UMask"]));
        Assert.Contains($"GATEKIOSK_{(user == "gatekiosk" ? "Kiosk" : "Central")}__DataDirectory=/var/lib/{user}", settings["Environment"]);
    }

    [Fact]
    public void Unit_Kiosk_HasTheDeviceGroups()
    {
        var groups = Assert.Single(Settings("gatekiosk.service")["SupplementaryGroups"]).Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["dialout", "gpio", "i2c", "input", "video"], groups.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Unit_Kiosk_NotifyWithWatchdogRestartOnFailureAndStartsOnlyConfigured()
    {
        var settings = Settings("gatekiosk.service");

        Assert.Equal("notify", Assert.Single(settings["Type"]));
        Assert.Equal("30", Assert.Single(settings["WatchdogSec"]));
        Assert.Equal("on-failure", Assert.Single(settings["Restart"]));
        Assert.Equal("/usr/bin/gatekiosk safe-state", Assert.Single(settings["ExecStopPost"]));
        Assert.Equal("/etc/gatekiosk/kiosk.json", Assert.Single(settings["ConditionPathExists"]));
    }

    [Theory]
    [InlineData("gatekiosk.service", "/var/lib/gatekiosk")]
    [InlineData("gatekiosk-central.service", "/var/lib/gatekiosk-central")]
    public void Unit_Shipped_ReadOnlySystemExceptItsStateNoPrivileges(string unit, string state)
    {
        var settings = Settings(unit);

        Assert.Equal("strict", Assert.Single(settings["ProtectSystem"]));
        Assert.Equal(state, Assert.Single(settings["ReadWritePaths"]));
        Assert.Equal("true", Assert.Single(settings["NoNewPrivileges"]));
        Assert.Equal("", Assert.Single(settings["CapabilityBoundingSet"]));
        Assert.Equal("true", Assert.Single(settings["ProtectHome"]));
    }

    [Fact]
    public void Unit_Kiosk_OnlyTheDeviceKindsItDrives()
    {
        var settings = Settings("gatekiosk.service");

        Assert.Equal("closed", Assert.Single(settings["DevicePolicy"]));
        Assert.Equal(
            ["char-gpiochip rw", "char-i2c rw", "char-input rw", "char-ttyACM rw", "char-ttyAMA rw", "char-ttyUSB rw", "char-video4linux rw"],
            settings["DeviceAllow"].Order(StringComparer.Ordinal));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Verify_ShippedUnits_NoWarnings()
    {
        Skip.IfNot(File.Exists(Analyze), "systemd-analyze is not installed (Debian package systemd)");
        Directory.CreateDirectory(Path.Combine(_folder, "bin"));
        var units = new List<string>();
        foreach (var unit in new[] { "gatekiosk.service", "gatekiosk-central.service" })
        {
            // verify checks that every command exists: point them at stand-ins, and keep the rest as shipped.
            var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "systemd", unit))
                .Replace("/usr/bin/gatekiosk", _folder + "/bin/gatekiosk", StringComparison.Ordinal);
            var path = Path.Combine(_folder, unit);
            File.WriteAllText(path, text);
            units.Add(path);
        }

        foreach (var program in new[] { "gatekiosk", "gatekiosk-central" })
        {
            File.Copy("/bin/true", Path.Combine(_folder, "bin", program));
        }

        var info = new ProcessStartInfo(Analyze, ["verify", .. units]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        // systemd-analyze exits 0 on a setting it ignores (a bad mode, an unknown key): the warning is on stderr.
        Assert.Equal("", (await stderr).Trim() + (await stdout).Trim());
        Assert.Equal(0, process.ExitCode);
    }

    private static Dictionary<string, List<string>> Settings(string unit)
    {
        var settings = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(RepoPaths.Root, "deploy", "systemd", unit)))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || line.StartsWith('[') || equals < 1)
            {
                continue;
            }

            var key = line[..equals].Trim();
            if (!settings.TryGetValue(key, out var values))
            {
                settings[key] = values = [];
            }

            values.Add(line[(equals + 1)..].Trim());
        }

        return settings;
    }
}
