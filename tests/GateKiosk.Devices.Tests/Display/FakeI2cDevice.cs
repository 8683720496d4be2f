using System.Device.I2c;

namespace GateKiosk.Devices.Tests.Display;

/// <summary>Records every I2C write.</summary>
internal sealed class FakeI2cDevice : I2cDevice
{
    public List<byte[]> Writes { get; } = [];

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x3C);

    public override byte ReadByte() => 0;

    public override void Read(Span<byte> buffer) => buffer.Clear();

    public override void Write(ReadOnlySpan<byte> buffer) => Writes.Add(buffer.ToArray());

    public override void WriteByte(byte value) => Writes.Add([value]);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => readBuffer.Clear();
}
