using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Mqtt.Tests;

/// <summary>Keeps every formatted log line, to wait on what the code under test reports.</summary>
internal sealed class RecordingLogger : ILogger, IEnumerable<string>
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _lines.Enqueue(formatter(state, exception));
    }

    public IEnumerator<string> GetEnumerator() => _lines.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
