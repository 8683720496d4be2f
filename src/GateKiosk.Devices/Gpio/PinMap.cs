namespace GateKiosk.Devices.Gpio;

/// <summary>
/// The default pin map. hardware/pinmap.json is the document technicians wire from; a test checks
/// that these values and that file agree.
/// </summary>
public sealed record PinMap(int Relay, int GreenLed, int RedLed, int Buzzer, int DoorContact, int ExitButton)
{
    public static PinMap Default { get; } = new(Relay: 17, GreenLed: 27, RedLed: 22, Buzzer: 18, DoorContact: 23, ExitButton: 24);
}
