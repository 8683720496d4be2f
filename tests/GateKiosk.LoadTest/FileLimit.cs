using System.Runtime.InteropServices;

namespace GateKiosk.LoadTest;

/// <summary>The process's open-file limit (<c>ulimit -n</c>): each simulated kiosk holds one socket.</summary>
internal static partial class FileLimit
{
    private const int RlimitNofile = 7; // Linux

    /// <summary>
    /// Makes sure at least <paramref name="needed"/> descriptors can be open, raising the soft limit up to the hard
    /// limit when it is lower. Returns null when it holds, or what to do when it cannot.
    /// </summary>
    public static string? Ensure(ulong needed)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        if (GetRLimit(RlimitNofile, out var limit) != 0)
        {
            return $"could not read the open-file limit (errno {Marshal.GetLastPInvokeError()}).";
        }

        if (limit.Current >= needed)
        {
            return null;
        }

        if (limit.Max >= needed)
        {
            var raised = limit with { Current = limit.Max };
            if (SetRLimit(RlimitNofile, in raised) == 0)
            {
                Console.WriteLine($"raised the open-file limit from {limit.Current} to {limit.Max}");
                return null;
            }
        }

        return $"the open-file limit is {limit.Current} (hard {limit.Max}) but {needed} are needed: "
            + $"run 'ulimit -n {needed}' (as root, or raise 'nofile' in /etc/security/limits.conf) and start again.";
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct RLimit(ulong Current, ulong Max);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
