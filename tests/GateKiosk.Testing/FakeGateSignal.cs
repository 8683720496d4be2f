using GateKiosk.Core.Deciding;
using GateKiosk.Core.Signalling;

namespace GateKiosk.Testing;

/// <summary>Records what the door was told.</summary>
public sealed class FakeGateSignal : IGateSignal
{
    private readonly List<GateDecision> _signals = [];

    public IReadOnlyList<GateDecision> Signals => _signals;

    public int SafeStateCalls { get; private set; }

    public void SetSafeState() => SafeStateCalls++;

    public void Signal(GateDecision decision) => _signals.Add(decision);
}
