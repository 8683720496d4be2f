using System.Buffers.Binary;

namespace GateKiosk.Devices.Scanning.Evdev;

/// <summary>
/// One Linux <c>struct input_event</c> as a 64-bit kernel delivers it: <c>struct timeval</c> (two 64-bit words:
/// seconds, microseconds), <c>__u16 type</c>, <c>__u16 code</c>, <c>__s32 value</c>; 24 bytes, little-endian on
/// the Pi and on x86-64.
/// </summary>
internal readonly record struct InputEvent(long Microseconds, ushort Type, ushort Code, int Value)
{
    public const int Size = 24;

    /// <summary><c>EV_SYN</c>: end of a batch of events.</summary>
    public const ushort Sync = 0;

    /// <summary><c>EV_KEY</c>: a key went down (value 1), up (0) or repeats (2).</summary>
    public const ushort Key = 1;

    public bool IsKeyPress => Type == Key && Value == 1;

    public bool IsKeyRelease => Type == Key && Value == 0;

    public static InputEvent Parse(ReadOnlySpan<byte> record)
    {
        var seconds = BinaryPrimitives.ReadInt64LittleEndian(record);
        var micros = BinaryPrimitives.ReadInt64LittleEndian(record[8..]);
        return new InputEvent(
            (seconds * 1_000_000) + micros,
            BinaryPrimitives.ReadUInt16LittleEndian(record[16..]),
            BinaryPrimitives.ReadUInt16LittleEndian(record[18..]),
            BinaryPrimitives.ReadInt32LittleEndian(record[20..]));
    }

    /// <summary>Writes the 24-byte record (tests record key sequences with it).</summary>
    public void WriteTo(Span<byte> record)
    {
        BinaryPrimitives.WriteInt64LittleEndian(record, Microseconds / 1_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], Microseconds % 1_000_000);
        BinaryPrimitives.WriteUInt16LittleEndian(record[16..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(record[18..], Code);
        BinaryPrimitives.WriteInt32LittleEndian(record[20..], Value);
    }

    /// <summary>
    /// Reads events until the end of <paramref name="stream"/>. A short record at the end (a device pulled out
    /// mid-record) ends the sequence too; an <see cref="IOException"/> (ENODEV when the device went away) passes through.
    /// </summary>
    public static async IAsyncEnumerable<InputEvent> ReadAllAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A device read returns whole records; a replayed file may return any split, hence the loop.
        var buffer = new byte[Size * 64];
        var filled = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                yield break;
            }

            filled += read;
            var whole = filled / Size * Size;
            for (var offset = 0; offset < whole; offset += Size)
            {
                yield return Parse(buffer.AsSpan(offset, Size));
            }

            buffer.AsSpan(whole, filled - whole).CopyTo(buffer);
            filled -= whole;
        }
    }
}
