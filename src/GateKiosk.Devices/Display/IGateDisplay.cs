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
public sealed record DisplayMessage(DisplayScreen Screen, string? Reason = null)
{
    public static DisplayMessage Idle { get; } = new(DisplayScreen.Idle);
}

/// <summary>The door display. <see cref="Show"/> returns at once; slow bus writes happen elsewhere.</summary>
public interface IGateDisplay
{
    void Show(DisplayMessage message);
}
