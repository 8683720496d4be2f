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
    public static (Stream Stream, int GrabErrno) Open(string path, bool grab)
    {
        // bufferSize 0: every read goes to the device, which returns whole input_event records.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.None);
        if (!grab)
        {
            return (file, 0);
        }

        if (Ioctl(file.SafeFileHandle, EvIocGrab, 1) != 0)
        {
            return (file, Marshal.GetLastPInvokeError());
        }

        return (new GrabbedDevice(file), 0);
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, uint request, int value);

    /// <summary>
    /// The grabbed device. Closing releases the grab explicitly first: a read blocked in the kernel keeps the file
    /// open until a key comes, and the keyboard must not stay dead for everybody else meanwhile.
    /// </summary>
    private sealed class GrabbedDevice(FileStream file) : ForwardingReadStream(file)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (!file.SafeFileHandle.IsClosed)
                {
                    _ = Ioctl(file.SafeFileHandle, EvIocGrab, 0);
                }

                file.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
