using GateKiosk.Core;

namespace GateKiosk.Testing;

/// <summary>A fixed time source.</summary>
public sealed class FakeTimeSourceProbe(string current = "ntp") : ITimeSourceProbe
{
    public string Current { get; set; } = current;
}
