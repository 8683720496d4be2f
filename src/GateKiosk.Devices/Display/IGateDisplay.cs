namespace GateKiosk.Devices.Display;

/// <summary>What the display is asked to show; the words come from <see cref="DisplayTexts"/> in the configured language.</summary>
public enum DisplayScreen
{
    Idle,
    Allow,
    Exit,
    Deny,
    HeldOpen,
    Forced,
    SelfTest,
}

/// <summary>One screen, with the deny reason code when there is one.</summary>
/// <param name="Screen">What to show.</param>
/// <param name="Reason">The deny reason code.</param>
/// <param name="Holder">On <see cref="DisplayScreen.Allow"/>, the holder's masked name (a personal ID code), for the guard.</param>
public sealed record DisplayMessage(DisplayScreen Screen, string? Reason = null, string? Holder = null)
{
    public static DisplayMessage Idle { get; } = new(DisplayScreen.Idle);
}

/// <summary>The door display. <see cref="Show"/> returns at once; slow bus writes happen elsewhere.</summary>
public interface IGateDisplay
{
    void Show(DisplayMessage message);
}
