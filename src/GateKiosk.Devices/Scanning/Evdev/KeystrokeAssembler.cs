using System.Text;
using System.Text.RegularExpressions;

namespace GateKiosk.Devices.Scanning.Evdev;

/// <summary>Why a burst of keys was not taken as a code.</summary>
internal enum KeystrokeRejection
{
    None,

    /// <summary>Shorter than the minimum length (a stray key press).</summary>
    TooShort,

    /// <summary>The keys came at a person's pace, not a scanner's.</summary>
    HumanTiming,

    /// <summary>A character outside the configured set, or a key the layout does not know.</summary>
    DisallowedCharacter,

    /// <summary>The device went away before the code was complete.</summary>
    Interrupted,
}

/// <summary>A finished burst of keys: the code, or why it was dropped.</summary>
internal readonly record struct KeystrokeResult(string Text, KeystrokeRejection Rejection)
{
    public bool Accepted => Rejection == KeystrokeRejection.None;
}

/// <summary>The rules that tell a scanner's burst from a person typing.</summary>
internal sealed record KeystrokeRules(TimeSpan KeyGap, TimeSpan MaxMeanKeyInterval, int MinLength, Regex Allowed)
{
    public static KeystrokeRules From(ScannerOptions options) => new(
        options.KeyGap,
        options.MaxMeanKeyInterval,
        options.MinLength,
        new Regex($"^[{options.AllowedCharacters}]*$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
}

/// <summary>
/// Turns key events into codes. A code ends at Enter or Tab, or when the next key comes more than
/// <see cref="KeystrokeRules.KeyGap"/> after the last (by the kernel's event timestamps, so recorded bytes replay
/// exactly); <see cref="Flush"/> ends it when no key comes at all. Pure logic: no I/O, no clock.
/// </summary>
internal sealed class KeystrokeAssembler(KeyboardLayout layout, KeystrokeRules rules)
{
    private readonly StringBuilder _text = new();
    private bool _leftShift;
    private bool _rightShift;
    private bool _altGr;
    private bool _control;
    private bool _capsLock;
    private bool _unknownKey;
    private int _keys;
    private long _firstKeyAt;
    private long _lastKeyAt;

    /// <summary>Whether keys are waiting for a terminator or a pause.</summary>
    public bool HasPending => _keys > 0;

    /// <summary>Takes one event; returns a finished burst when this event ended one.</summary>
    public KeystrokeResult? Add(InputEvent e)
    {
        if (e.Type != InputEvent.Key)
        {
            return null;
        }

        var down = e.Value != 0;
        switch (e.Code)
        {
            case KeyboardLayout.KeyLeftShift:
                _leftShift = down;
                return null;
            case KeyboardLayout.KeyRightShift:
                _rightShift = down;
                return null;
            case KeyboardLayout.KeyRightAlt:
                _altGr = down;
                return null;
            case KeyboardLayout.KeyLeftCtrl or KeyboardLayout.KeyRightCtrl:
                _control = down;
                return null;
            case KeyboardLayout.KeyLeftAlt:
                return null;
        }

        if (!e.IsKeyPress)
        {
            return null; // releases and auto-repeat
        }

        if (e.Code == KeyboardLayout.KeyCapsLock)
        {
            _capsLock = !_capsLock;
            return null;
        }

        if (e.Code is KeyboardLayout.KeyEnter or KeyboardLayout.KeyKeypadEnter or KeyboardLayout.KeyTab)
        {
            return Flush();
        }

        KeystrokeResult? finished = null;
        if (_keys > 0 && e.Microseconds - _lastKeyAt > rules.KeyGap.Ticks / TimeSpan.TicksPerMicrosecond)
        {
            finished = Flush();
        }

        if (_keys == 0)
        {
            _firstKeyAt = e.Microseconds;
        }

        _keys++;
        _lastKeyAt = e.Microseconds;
        var c = _control ? null : layout.Map(e.Code, _leftShift || _rightShift, _altGr, _capsLock);
        if (c is { } ch)
        {
            _text.Append(ch);
        }
        else
        {
            _unknownKey = true;
        }

        return finished;
    }

    /// <summary>Drops the burst in progress (the device went away mid-code); null when none was.</summary>
    public KeystrokeResult? Abandon()
    {
        if (Flush() is not { } cut)
        {
            return null;
        }

        _leftShift = _rightShift = _altGr = _control = false;
        return cut with { Rejection = KeystrokeRejection.Interrupted };
    }

    /// <summary>Ends the burst in progress (a pause, the end of the recording); null when none is.</summary>
    public KeystrokeResult? Flush()
    {
        if (_keys == 0)
        {
            return null;
        }

        var text = _text.ToString();
        var rejection = Judge(text);
        _text.Clear();
        _keys = 0;
        _unknownKey = false;
        return new KeystrokeResult(text, rejection);
    }

    private KeystrokeRejection Judge(string text)
    {
        if (_unknownKey || !rules.Allowed.IsMatch(text))
        {
            return KeystrokeRejection.DisallowedCharacter;
        }

        if (text.Length < rules.MinLength)
        {
            return KeystrokeRejection.TooShort;
        }

        if (_keys > 1)
        {
            var meanMicros = (_lastKeyAt - _firstKeyAt) / (_keys - 1);
            if (meanMicros > rules.MaxMeanKeyInterval.Ticks / TimeSpan.TicksPerMicrosecond)
            {
                return KeystrokeRejection.HumanTiming;
            }
        }

        return KeystrokeRejection.None;
    }
}
