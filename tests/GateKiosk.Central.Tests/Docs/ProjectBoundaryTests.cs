using GateKiosk.Testing;

namespace GateKiosk.Central.Tests.Docs;

/// <summary>Central is built from its own projects and shares with the kiosk only through small libraries.</summary>
public sealed class ProjectBoundaryTests
{
    [Fact]
    public void Central_DoesNotReferenceTheKioskExecutable()
    {
        var central = typeof(CentralApp).Assembly;
        var references = central.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("GateKiosk.Hosting", references);
        Assert.DoesNotContain("gatekiosk", references);
        Assert.DoesNotContain("GateKiosk.Devices", references);
        Assert.DoesNotContain("GateKiosk.Storage", references);
    }

    [Fact]
    public void CentralProjectFile_HasNoReferenceToTheKioskProject()
    {
        var project = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "GateKiosk.Central", "GateKiosk.Central.csproj"));

        Assert.DoesNotContain(@"..\GateKiosk\GateKiosk.csproj", project, StringComparison.Ordinal);
        Assert.DoesNotContain(@"GateKiosk.Devices", project, StringComparison.Ordinal);
    }
}
