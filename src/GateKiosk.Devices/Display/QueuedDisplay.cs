using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Devices.Display;

/// <summary>
/// Keeps slow display writes (an LCD over I2C takes tens of milliseconds) off the door's path: <see cref="Show"/>
/// only queues, a background loop writes the newest message, older pending ones are dropped.
/// </summary>
public sealed partial class QueuedDisplay : IGateDisplay, IDisposable
{
    private readonly IGateDisplay _inner;
    private readonly IDisposable? _owned;
    private readonly ILogger _logger;
    private readonly Channel<DisplayMessage> _queue = Channel.CreateBounded<DisplayMessage>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Task _loop;

    /// <param name="inner">The display that does the writing.</param>
    /// <param name="owned">The device behind it, disposed with this.</param>
    /// <param name="logger">Where write failures go.</param>
    public QueuedDisplay(IGateDisplay inner, IDisposable? owned, ILogger logger)
    {
        _inner = inner;
        _owned = owned;
        _logger = logger;
        _loop = Task.Run(WriteLoopAsync);
    }

    public void Show(DisplayMessage message) => _queue.Writer.TryWrite(message);

    /// <summary>Lets the last message be written (waiting at most 2 s for a stuck bus), then releases the device.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(2));
        _owned?.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var message in _queue.Reader.ReadAllAsync())
        {
            try
            {
                _inner.Show(message);
            }
#pragma warning disable CA1031 // A display that fails (loose cable) must not stop the door; it is logged and retried with the next message.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogDisplayFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The display could not be written")]
    private partial void LogDisplayFailed(Exception ex);
}
