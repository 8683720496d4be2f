namespace GateKiosk.Core;

/// <summary>Tells how far the wall clock can be trusted (<c>ntp</c>, <c>rtc</c> or <c>none</c>); a Pi has no RTC.</summary>
public interface ITimeSourceProbe
{
    /// <summary>The current time source; cheap enough for every event.</summary>
    string Current { get; }
}
