using System.Runtime.InteropServices;

namespace GateKiosk.Testing;

/// <summary>
/// Sets the process umask for a test and puts the old one back. The umask is process-wide: use only the usual
/// 022 (what a technician's shell has), so tests running beside it see what they would see anyway.
/// </summary>
public sealed partial class ProcessUmask : IDisposable
{
    private readonly uint _previous;

    public ProcessUmask(uint mask) => _previous = SetMask(mask);

    public void Dispose() => _ = SetMask(_previous);

    [DllImport("libc", EntryPoint = "umask")]
#pragma warning disable SYSLIB1054 // A test helper; DllImport keeps the test projects free of unsafe code.
    private static extern uint SetMask(uint mask);
#pragma warning restore SYSLIB1054
}
