namespace GateKiosk.Devices;

/// <summary>What <see cref="TimeSourceProbe"/> asks the machine: the kernel's clock state and small text files.</summary>
public interface IClockSignals
{
    /// <summary>Whether the kernel clock is synchronised; null when the kernel cannot be asked.</summary>
    bool? KernelClockSynchronised();

    /// <summary>A small text file (sysfs, the marker), or null when it is absent or unreadable.</summary>
    string? Read(string path);

    /// <summary>Replaces a small file (readable by the service and its group only); false when it cannot be written.</summary>
    bool TryWrite(string path, string text);
}
