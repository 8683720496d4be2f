namespace GateKiosk.Core.Signalling;

/// <summary>The door's inputs: the door contact and the request-to-exit button, already debounced.</summary>
public interface IDoorSensor
{
    /// <summary>True when the door is open; null when no door contact is fitted.</summary>
    bool? IsDoorOpen { get; }

    /// <summary>True while the exit button is pressed (false when none is fitted).</summary>
    bool IsExitPressed { get; }

    /// <summary>Starts reporting changes. Callbacks may come from any thread, one at a time per input.</summary>
    /// <param name="doorChanged">Called with true when the door opens, false when it closes.</param>
    /// <param name="exitChanged">Called with true when the exit button is pressed, false when released.</param>
    void Start(Action<bool> doorChanged, Action<bool> exitChanged);
}
