using GateKiosk.Core.Deciding;

namespace GateKiosk.Core.Signalling;

/// <summary>
/// The door side of a decision: relay, LEDs, buzzer, display. Calls return as soon as the outputs
/// are driven; anything timed (the relay pulse, a beep pattern) finishes on its own without blocking.
/// </summary>
public interface IGateSignal
{
    /// <summary>
    /// Drives every output to its rest state: the door locked (relay at its rest level for the configured
    /// lock type), LEDs and buzzer off, alarms cleared. Idempotent.
    /// </summary>
    void SetSafeState();

    /// <summary>
    /// Shows <paramref name="decision"/>. An allow releases the door for the configured time and returns once
    /// the relay is driven; a deny never touches the relay.
    /// </summary>
    void Signal(GateDecision decision);

    /// <summary>True while the door is released by a grant (relay pulse or a held exit button).</summary>
    bool IsGranting => false;

    /// <summary>Keeps a grant going while <paramref name="held"/> (the exit button is held); releasing ends it once the pulse is over.</summary>
    void HoldGrant(bool held)
    {
    }

    /// <summary>Starts or stops the door alarm indication (buzzer and red LED pattern, display message).</summary>
    void SetAlarm(DoorAlarm alarm)
    {
    }
}

/// <summary>What the door alarm says.</summary>
public enum DoorAlarm
{
    /// <summary>No alarm.</summary>
    None,

    /// <summary>The door has stayed open longer than allowed after a grant.</summary>
    HeldOpen,

    /// <summary>The door opened without a grant.</summary>
    Forced,
}
