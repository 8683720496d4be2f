using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Scanning;

/// <summary>The readers' log messages. A code's text is never logged: only <see cref="ShortHash"/> of it.</summary>
internal static partial class ScannerLog
{
    /// <summary>The first 8 hex digits of the SHA-256 of <paramref name="text"/>: enough to match log lines, not to recover a code.</summary>
    public static string ShortHash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 4));

    /// <summary>Logs a dropped input by its length and hash.</summary>
    public static void InputRejected(this ILogger logger, string source, string rejection, string text)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var hash = ShortHash(text);
            Rejected(logger, source, rejection, text.Length, hash);
        }
    }

    /// <summary>Logs a code read by its length and hash.</summary>
    public static void CodeRead(this ILogger logger, string source, string text)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var hash = ShortHash(text);
            Read(logger, source, text.Length, hash);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source}: reader connected")]
    public static partial void Connected(this ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: reader went away ({Reason}); trying again every {Delay}")]
    public static partial void Disconnected(this ILogger logger, string source, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Source}: reader still absent ({Reason})")]
    public static partial void StillAbsent(this ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: could not take the device exclusively (errno {Errno}); its keys may also reach the console")]
    public static partial void GrabFailed(this ILogger logger, string source, int errno);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source}: input dropped ({Rejection}, {Length} characters, hash {Hash})")]
    private static partial void Rejected(ILogger logger, string source, string rejection, int length, string hash);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Source}: code read ({Length} characters, hash {Hash})")]
    private static partial void Read(ILogger logger, string source, int length, string hash);
}
