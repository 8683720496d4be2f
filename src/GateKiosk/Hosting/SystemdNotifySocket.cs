using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GateKiosk.Hosting;

/// <summary>
/// The service manager's notification socket (<c>NOTIFY_SOCKET</c>) and watchdog interval (<c>WATCHDOG_USEC</c>), as
/// systemd passes them to a <c>Type=notify</c> service with <c>WatchdogSec=</c>.
/// </summary>
public sealed class SystemdNotifySocket(string path, TimeSpan watchdogTimeout) : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endPoint = new(path.StartsWith('@') ? "\0" + path[1..] : path);

    /// <summary>How long systemd waits for a ping before it kills the service.</summary>
    public TimeSpan WatchdogTimeout { get; } = watchdogTimeout;

    /// <summary>
    /// The socket from the environment, or null when there is none, no watchdog is asked for, or the watchdog is meant
    /// for another process (<c>WATCHDOG_PID</c>).
    /// </summary>
    public static SystemdNotifySocket? FromEnvironment(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var path = variable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || path.Length > 107
            || !long.TryParse(variable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        if (variable("WATCHDOG_PID") is { Length: > 0 } pid && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return new SystemdNotifySocket(path, TimeSpan.FromMicroseconds(usec));
    }

    /// <summary>Sends one notification (<c>WATCHDOG=1</c>, <c>STATUS=…</c>); a socket gone away is not the kiosk's failure.</summary>
    public bool Send(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), _endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
