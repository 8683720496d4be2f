using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GateKiosk.Devices.Scanning.Evdev;

/// <summary>Opens a Linux input device and takes it exclusively.</summary>
internal static partial class EvdevDevice
{
    // _IOW('E', 0x90, int): linux/input.h. With the grab held, no other reader (the console, X, another
    // evdev client) sees the scanner's keys, so a scanned code can never land in a shell prompt.
    private const uint EvIocGrab = 0x40044590;

    /// <summary>Opens <paramref name="path"/> for reading; returns the stream and, when <paramref name="grab"/>, the errno of a failed grab (0 on success).</summary>
    public static (FileStream Stream, int GrabErrno) Open(string path, bool grab)
    {
        // bufferSize 0: every read goes to the device, which returns whole input_event records.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.None);
        var errno = 0;
        if (grab && Ioctl(stream.SafeFileHandle, EvIocGrab, 1) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
        }

        return (stream, errno);
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, uint request, int value);
}
