using System.Runtime.InteropServices;
using GateKiosk.Core;

namespace GateKiosk.Devices;

/// <summary>
/// The kernel's clock state through <c>adjtimex(2)</c> with no modes set (a read, allowed to any user), and files.
/// </summary>
public sealed partial class LinuxClockSignals : IClockSignals
{
    /// <summary>The kernel's "clock not synchronised" status bit (linux/timex.h).</summary>
    internal const int StaUnsync = 0x0040;

    /// <summary>The kernel's NTP_PHASE_LIMIT, 16 s in microseconds: the maximum error of a clock nobody vouches for.</summary>
    internal const long UnsyncedMaxError = 16_000_000;

    // struct timex starts: unsigned int modes; long offset, freq, maxerror, esterror; int status. With 8-byte longs
    // the first long is aligned to 8, so maxerror is at 24 and status at 40; with 4-byte longs (32-bit ARM) at 12 and
    // 20. The struct is 208 bytes on 64-bit Linux: the buffer is larger so no layout of it is written past.
    private const int BufferBytes = 512;

    /// <summary>
    /// Synchronised when a time daemon has vouched for the clock: the kernel clears STA_UNSYNC while an NTP daemon
    /// disciplines it (systemd-timesyncd, chrony with <c>rtcsync</c>, ntpd). chrony without <c>rtcsync</c> keeps
    /// STA_UNSYNC set so that the kernel leaves the RTC alone, but keeps the maximum error it reports below the 16 s
    /// the kernel gives an undisciplined clock (the kernel grows it by 500 µs a second and sets STA_UNSYNC itself
    /// when it reaches 16 s); systemd's own check uses the same limit.
    /// </summary>
    internal static bool IsSynchronised(int status, long maxError) => (status & StaUnsync) == 0 || maxError < UnsyncedMaxError;

    public bool? KernelClockSynchronised()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[BufferBytes];
        buffer.Clear();
        int result;
        unsafe
        {
            fixed (byte* timex = buffer)
            {
                result = Adjtimex(timex);
            }
        }

        if (result < 0)
        {
            return null;
        }

        var wide = IntPtr.Size == 8;
        var maxError = wide ? BitConverter.ToInt64(buffer[24..]) : BitConverter.ToInt32(buffer[12..]);
        var status = BitConverter.ToInt32(buffer[(wide ? 40 : 20)..]);
        return IsSynchronised(status, maxError);
    }

    public string? Read(string path)
    {
        try
        {
            var info = new FileInfo(path);
            // sysfs files report a size of 4096; anything larger is not one of the small files read here.
            return info.Exists && info.Length <= 4096 ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public bool TryWrite(string path, string text)
    {
        try
        {
            var temporary = path + ".tmp";
            using (var file = PrivateFiles.CreateFile(temporary))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(text));
            }

            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static unsafe partial int Adjtimex(byte* timex);
}
