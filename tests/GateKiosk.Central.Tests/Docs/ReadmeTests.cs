using System.Reflection;
using GateKiosk.Core;
using GateKiosk.Core.Credentials;
using GateKiosk.Core.Signalling;
using GateKiosk.Devices.Display;
using GateKiosk.Devices.Gpio;
using GateKiosk.Devices.Scanning;
using GateKiosk.Mqtt;
using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Docs;

public sealed class ReadmeTests
{
    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        foreach (var type in new[] { typeof(KioskOptions), typeof(BadgeOptions), typeof(ScannerOptions), typeof(GpioOptions), typeof(DoorOptions), typeof(DisplayOptions), typeof(MqttOptions), typeof(CentralOptions), typeof(GateKiosk.Core.Credentials.Signed.CredentialOptions), typeof(GateKiosk.Storage.JournalOptions), typeof(GateKiosk.Central.Declarations.DeclarationOptions), typeof(GateKiosk.Central.Tracing.TracingOptions), typeof(GateKiosk.Core.Policy.PolicyOptions), typeof(GateKiosk.Central.Policy.PolicyPublishOptions) })
        {
            var section = (string)type.GetField("SectionName")!.GetValue(null)!;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                data.Add($"{section}:{property.Name}");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Readme_DocumentsEveryConfigurationKey(string key) =>
        Assert.Contains($"`{key}`", File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")), StringComparison.Ordinal);

    [Fact]
    public void CiRun_CallsTheReadmeTestCommand()
    {
        var ci = File.ReadAllText(Path.Combine(RepoPaths.Root, ".ci", "run"));
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));

        Assert.Contains("./scripts/test.sh", ci, StringComparison.Ordinal);
        Assert.Contains("./scripts/test.sh", readme, StringComparison.Ordinal);
    }
}
