namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// A code held in front of the camera shows in many frames; it is one presentation until it has been out of sight
/// for the hold-off (or another code was shown). Pure logic on the injected clock.
/// </summary>
internal sealed class PresentationFilter(TimeSpan holdOff, TimeProvider time)
{
    private string? _last;
    private long _lastSeenAt;

    /// <summary>Records a sighting of <paramref name="text"/>; true when it starts a new presentation.</summary>
    public bool IsNewPresentation(string text)
    {
        var now = time.GetTimestamp();
        var same = _last == text && time.GetElapsedTime(_lastSeenAt, now) < holdOff;
        _last = text;
        _lastSeenAt = now;
        return !same;
    }
}
