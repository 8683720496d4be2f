using GateKiosk.Devices.Scanning.Evdev;

namespace GateKiosk.Devices.Tests.Scanning;

/// <summary>Builds the bytes a keyboard-wedge scanner (or a person) produces on /dev/input/eventN.</summary>
internal sealed class EvdevRecording
{
    private readonly List<byte> _bytes = [];
    private long _now;

    public EvdevRecording(long startMicroseconds = 1_700_000_000_000_000) => _now = startMicroseconds;

    public long Now => _now;

    /// <summary>Types <paramref name="text"/> one key every <paramref name="interval"/>, with shift where needed, then the terminator key (0 for none).</summary>
    public EvdevRecording Type(string text, TimeSpan interval, KeyboardLayout? layout = null, ushort terminator = KeyboardLayout.KeyEnter)
    {
        layout ??= KeyboardLayout.Us;
        foreach (var c in text)
        {
            var (code, shift) = layout.Find(c) ?? throw new ArgumentException($"'{c}' is not on the layout");
            if (shift)
            {
                Key(KeyboardLayout.KeyLeftShift, 1);
            }

            Key(code, 1);
            Key(code, 0);
            if (shift)
            {
                Key(KeyboardLayout.KeyLeftShift, 0);
            }

            Wait(interval);
        }

        if (terminator != 0)
        {
            Key(terminator, 1);
            Key(terminator, 0);
        }

        return this;
    }

    /// <summary>One key event followed by a sync report, as the kernel sends it.</summary>
    public EvdevRecording Key(ushort code, int value)
    {
        Write(new InputEvent(_now, InputEvent.Key, code, value));
        Write(new InputEvent(_now, InputEvent.Sync, 0, 0));
        return this;
    }

    public EvdevRecording Wait(TimeSpan time)
    {
        _now += time.Ticks / TimeSpan.TicksPerMicrosecond;
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    private void Write(InputEvent e)
    {
        Span<byte> record = stackalloc byte[InputEvent.Size];
        e.WriteTo(record);
        _bytes.AddRange(record);
    }
}

/// <summary>Replays bytes, then fails like an unplugged device (ENODEV) or stays open with no more input.</summary>
internal sealed class ReplayStream(byte[] bytes, ReplayEnd end) : Stream
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < bytes.Length)
        {
            // Odd-sized chunks: the parser must reassemble records split across reads.
            var n = Math.Min(Math.Min(buffer.Length, 37), bytes.Length - _position);
            bytes.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        switch (end)
        {
            case ReplayEnd.Unplug:
                throw new IOException("No such device");
            case ReplayEnd.StayOpen:
                await _never.Task.WaitAsync(cancellationToken);
                return 0;
            default:
                return 0;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal enum ReplayEnd
{
    EndOfStream,
    Unplug,
    StayOpen,
}
