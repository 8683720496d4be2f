using GateKiosk.Core.Deciding;

namespace GateKiosk.Core.Signalling;

/// <summary>
/// The door side of a decision: relay, LEDs, buzzer, display. Calls return as soon as the outputs
/// are driven; anything timed (the relay pulse, a beep pattern) finishes on its own without blocking.
/// </summary>
public interface IGateSignal
{
    /// <summary>Drives every output to its safe state (relay released, LEDs and buzzer off). Idempotent.</summary>
    void SetSafeState();

    /// <summary>
    /// Shows <paramref name="decision"/>. An allow pulses the relay and returns once it is on;
    /// a deny never touches the relay.
    /// </summary>
    void Signal(GateDecision decision);
}
