using System.Text;

namespace GateKiosk.Devices.Scanning.Serial;

/// <summary>Cuts a serial scanner's bytes into codes at the configured terminator. Pure logic.</summary>
internal sealed class TerminatorSplitter(SerialTerminator terminator)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<byte> _pending = [];
    private bool _lastWasCr;

    public bool HasPending => _pending.Count > 0;

    /// <summary>Takes bytes; returns every code they complete (null entries are byte runs that were not UTF-8).</summary>
    public List<string?> Add(ReadOnlySpan<byte> bytes)
    {
        var done = new List<string?>();
        foreach (var b in bytes)
        {
            var wasCr = _lastWasCr;
            _lastWasCr = b == (byte)'\r';
            var ends = terminator switch
            {
                SerialTerminator.Cr => b == '\r',
                SerialTerminator.Lf => b == '\n',
                SerialTerminator.Tab => b == '\t',
                SerialTerminator.CrLf => b == '\n' && wasCr,
                SerialTerminator.Any => b is (byte)'\r' or (byte)'\n' or (byte)'\t',
                _ => false,
            };
            if (!ends)
            {
                _pending.Add(b);
                continue;
            }

            if (terminator == SerialTerminator.CrLf && _pending.Count > 0)
            {
                _pending.RemoveAt(_pending.Count - 1); // the CR before the LF
            }

            if (Flush() is { } code)
            {
                done.Add(code.Text);
            }
        }

        return done;
    }

    /// <summary>Ends the code in progress (a pause with <see cref="SerialTerminator.None"/>); null when nothing is pending.</summary>
    public (string? Text, int Length)? Flush()
    {
        if (_pending.Count == 0)
        {
            return null;
        }

        var bytes = _pending.ToArray();
        _pending.Clear();
        try
        {
            return (Utf8.GetString(bytes), bytes.Length);
        }
        catch (DecoderFallbackException)
        {
            return (null, bytes.Length);
        }
    }
}
