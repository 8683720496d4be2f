namespace GateKiosk.Devices.Scanning.Evdev;

/// <summary>
/// Linux key codes (<c>linux/input-event-codes.h</c>) to characters for the layout a keyboard-wedge scanner types in.
/// The scanner sends the key positions that produce each character on that layout, so the kiosk must read them back
/// with the same one.
/// </summary>
internal sealed class KeyboardLayout
{
    public const ushort KeyTab = 15;
    public const ushort KeyEnter = 28;
    public const ushort KeyLeftCtrl = 29;
    public const ushort KeyLeftShift = 42;
    public const ushort KeyRightShift = 54;
    public const ushort KeyLeftAlt = 56;
    public const ushort KeyCapsLock = 58;
    public const ushort KeyKeypadEnter = 96;
    public const ushort KeyRightCtrl = 97;
    public const ushort KeyRightAlt = 100;

    private readonly Dictionary<ushort, (char Plain, char Shifted, char AltGr)> _keys = [];

    private KeyboardLayout()
    {
    }

    public static KeyboardLayout Us { get; } = Build(
        ("1234567890-=", "!@#$%^&*()_+", ""),
        ("qwertyuiop[]", "QWERTYUIOP{}", ""),
        ("asdfghjkl;'`", "ASDFGHJKL:\"~", ""),
        ("\\", "|", ""),
        ("zxcvbnm,./", "ZXCVBNM<>?", ""),
        ("<", ">", ""));

    // German QWERTZ; AltGr gives @ { [ ] } \ ~ | and €. Dead keys (^ ´ `) are taken as the plain character:
    // a scanner types them followed by nothing that would combine.
    public static KeyboardLayout De { get; } = Build(
        ("1234567890ß´", "!\"§$%&/()=?`", "\0²³\0\0\0{[]}\\\0"),
        ("qwertzuiopü+", "QWERTZUIOPÜ*", "@\0€\0\0\0\0\0\0\0\0~"),
        ("asdfghjklöä^", "ASDFGHJKLÖÄ°", ""),
        ("#", "'", ""),
        ("yxcvbnm,.-", "YXCVBNM;:_", "\0\0\0\0\0\0µ"),
        ("<", ">", "|"));

    public static KeyboardLayout For(KeyboardLayoutKind kind) => kind == KeyboardLayoutKind.De ? De : Us;

    /// <summary>The character key <paramref name="code"/> types, or null when it types none on this layout.</summary>
    public char? Map(ushort code, bool shift, bool altGr, bool capsLock)
    {
        if (!_keys.TryGetValue(code, out var key))
        {
            return null;
        }

        if (altGr)
        {
            return key.AltGr == '\0' ? null : key.AltGr;
        }

        var upper = shift;
        if (capsLock && char.IsLetter(key.Plain))
        {
            upper = !upper;
        }

        return upper ? key.Shifted : key.Plain;
    }

    /// <summary>The key (and whether it needs shift) that types <paramref name="c"/>; tests use it to record a scanner.</summary>
    public (ushort Code, bool Shift)? Find(char c)
    {
        foreach (var (code, key) in _keys)
        {
            if (key.Plain == c)
            {
                return (code, false);
            }

            if (key.Shifted == c)
            {
                return (code, true);
            }
        }

        return null;
    }

    private static KeyboardLayout Build(
        (string Plain, string Shifted, string AltGr) numbers,
        (string Plain, string Shifted, string AltGr) top,
        (string Plain, string Shifted, string AltGr) home,
        (string Plain, string Shifted, string AltGr) backslash,
        (string Plain, string Shifted, string AltGr) bottom,
        (string Plain, string Shifted, string AltGr) extra)
    {
        var layout = new KeyboardLayout();
        layout.AddRow(2, numbers);      // KEY_1 .. KEY_EQUAL
        layout.AddRow(16, top);         // KEY_Q .. KEY_RIGHTBRACE
        layout.AddRow(30, home);        // KEY_A .. KEY_GRAVE
        layout.AddRow(43, backslash);   // KEY_BACKSLASH
        layout.AddRow(44, bottom);      // KEY_Z .. KEY_SLASH
        layout.AddRow(86, extra);       // KEY_102ND (ISO key left of Z)
        layout._keys[57] = (' ', ' ', '\0'); // KEY_SPACE

        // Keypad: scanners set to "numeric keypad" mode type digits here (Num Lock on).
        layout.AddRow(71, ("789-456+1230.", "789-456+1230.", string.Empty)); // KEY_KP7 .. KEY_KPDOT
        layout._keys[55] = ('*', '*', '\0');  // KEY_KPASTERISK
        layout._keys[98] = ('/', '/', '\0');  // KEY_KPSLASH
        return layout;
    }

    private void AddRow(ushort firstCode, (string Plain, string Shifted, string AltGr) row)
    {
        for (var i = 0; i < row.Plain.Length; i++)
        {
            var altGr = i < row.AltGr.Length ? row.AltGr[i] : '\0';
            _keys[(ushort)(firstCode + i)] = (row.Plain[i], row.Shifted[i], altGr);
        }
    }
}
