using GateKiosk.Core.Journaling;

namespace GateKiosk.Core.Publishing;

/// <summary>
/// One MQTT message of the outbox: a single event (its exact journaled bytes), or, while draining a backlog,
/// a JSON array of consecutive events whose elements are byte-for-byte their single form.
/// </summary>
/// <param name="FirstSeq">The first event's <c>seq</c>.</param>
/// <param name="LastSeq">The last event's <c>seq</c>.</param>
/// <param name="Count">How many events the message carries.</param>
/// <param name="Payload">The bytes published.</param>
public sealed record OutboxMessage(long FirstSeq, long LastSeq, int Count, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Largest batch payload; a broker's packet limit is rarely below 64 KB.</summary>
    public const int MaxBatchBytes = 60 * 1024;

    /// <summary>Backlogs shorter than this go one event per message, so live events are never batched.</summary>
    public const int BatchThreshold = 8;

    /// <summary>The message for one event.</summary>
    public static OutboxMessage Of(JournaledEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new OutboxMessage(e.Seq, e.Seq, 1, e.Payload);
    }

    /// <summary>
    /// Splits consecutive unsent events into messages: one per event for a short backlog, otherwise arrays of
    /// consecutive events up to <paramref name="maxBytes"/> (an event larger than that goes alone).
    /// </summary>
    public static IReadOnlyList<OutboxMessage> Pack(IReadOnlyList<JournaledEvent> events, int maxBytes = MaxBatchBytes, int batchThreshold = BatchThreshold)
    {
        ArgumentNullException.ThrowIfNull(events);
        var messages = new List<OutboxMessage>();
        if (events.Count < batchThreshold)
        {
            messages.AddRange(events.Select(Of));
            return messages;
        }

        var start = 0;
        while (start < events.Count)
        {
            var size = 2 + events[start].Payload.Length;
            var end = start + 1;
            while (end < events.Count && events[end].Seq == events[end - 1].Seq + 1 && size + 1 + events[end].Payload.Length <= maxBytes)
            {
                size += 1 + events[end].Payload.Length;
                end++;
            }

            messages.Add(end - start == 1 ? Of(events[start]) : Batch(events, start, end, size));
            start = end;
        }

        return messages;
    }

    private static OutboxMessage Batch(IReadOnlyList<JournaledEvent> events, int start, int end, int size)
    {
        var buffer = new byte[size];
        var at = 0;
        buffer[at++] = (byte)'[';
        for (var i = start; i < end; i++)
        {
            if (i > start)
            {
                buffer[at++] = (byte)',';
            }

            events[i].Payload.Span.CopyTo(buffer.AsSpan(at));
            at += events[i].Payload.Length;
        }

        buffer[at] = (byte)']';
        return new OutboxMessage(events[start].Seq, events[end - 1].Seq, end - start, buffer);
    }
}
