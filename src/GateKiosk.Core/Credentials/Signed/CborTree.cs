using System.Formats.Cbor;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// Reads one CBOR item into plain values — <see cref="long"/>, <see cref="ulong"/>, <see cref="double"/>, <see cref="bool"/>,
/// null, <see cref="string"/>, <c>byte[]</c>, <see cref="List{T}"/> and <see cref="CborMap"/> — with caps on nesting depth
/// and item count, so a hostile payload costs bounded time and stack. Tags are unwrapped. Duplicate map keys are refused.
/// </summary>
public static class CborTree
{
    /// <summary>Deepest nesting accepted: a DCC needs 5 levels, a pass 4.</summary>
    public const int DefaultMaxDepth = 16;

    /// <summary>Most data items accepted in one message.</summary>
    public const int DefaultMaxItems = 4096;

    /// <summary>Reads exactly one item filling <paramref name="cbor"/>; false when malformed, too deep, too large or followed by bytes.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> cbor, out object? value, int maxDepth = DefaultMaxDepth, int maxItems = DefaultMaxItems)
    {
        value = null;
        try
        {
            var reader = new CborReader(cbor, CborConformanceMode.Lax);
            var budget = maxItems;
            if (!TryReadItem(reader, 0, maxDepth, ref budget, out value) || reader.BytesRemaining != 0)
            {
                value = null;
                return false;
            }

            return true;
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or OverflowException or FormatException)
        {
            value = null;
            return false;
        }
    }

    private static bool TryReadItem(CborReader reader, int depth, int maxDepth, ref int budget, out object? value)
    {
        value = null;
        if (depth > maxDepth || --budget < 0)
        {
            return false;
        }

        switch (reader.PeekState())
        {
            case CborReaderState.UnsignedInteger:
                var u = reader.ReadUInt64();
                value = u <= long.MaxValue ? (long)u : u;
                return true;
            case CborReaderState.NegativeInteger:
                value = reader.ReadInt64();
                return true;
            case CborReaderState.ByteString:
            case CborReaderState.StartIndefiniteLengthByteString:
                value = reader.ReadByteString();
                return true;
            case CborReaderState.TextString:
            case CborReaderState.StartIndefiniteLengthTextString:
                value = reader.ReadTextString();
                return true;
            case CborReaderState.Boolean:
                value = reader.ReadBoolean();
                return true;
            case CborReaderState.Null:
                reader.ReadNull();
                return true;
            case CborReaderState.SimpleValue:
                reader.ReadSimpleValue();
                return true;
            case CborReaderState.HalfPrecisionFloat:
            case CborReaderState.SinglePrecisionFloat:
            case CborReaderState.DoublePrecisionFloat:
                value = reader.ReadDouble();
                return true;
            case CborReaderState.Tag:
                reader.ReadTag();
                return TryReadItem(reader, depth + 1, maxDepth, ref budget, out value);
            case CborReaderState.StartArray:
                {
                    var count = reader.ReadStartArray();
                    if (count > budget)
                    {
                        return false;
                    }

                    var list = new List<object?>(count ?? 4);
                    while (reader.PeekState() != CborReaderState.EndArray)
                    {
                        if (!TryReadItem(reader, depth + 1, maxDepth, ref budget, out var item))
                        {
                            return false;
                        }

                        list.Add(item);
                    }

                    reader.ReadEndArray();
                    value = list;
                    return true;
                }

            case CborReaderState.StartMap:
                {
                    var count = reader.ReadStartMap();
                    if (count * 2 > budget)
                    {
                        return false;
                    }

                    var map = new CborMap();
                    while (reader.PeekState() != CborReaderState.EndMap)
                    {
                        if (!TryReadItem(reader, depth + 1, maxDepth, ref budget, out var key)
                            || key is not (long or string)
                            || !TryReadItem(reader, depth + 1, maxDepth, ref budget, out var item)
                            || !map.TryAdd(key, item))
                        {
                            return false;
                        }
                    }

                    reader.ReadEndMap();
                    value = map;
                    return true;
                }

            default:
                return false;
        }
    }
}

/// <summary>A CBOR map with integer or text keys.</summary>
public sealed class CborMap : Dictionary<object, object?>
{
    /// <summary>The value under an integer key, or null.</summary>
    public object? Get(long key) => TryGetValue(key, out var v) ? v : null;

    /// <summary>The value under a text key, or null.</summary>
    public object? Get(string key) => TryGetValue(key, out var v) ? v : null;

    /// <summary>A text value under <paramref name="key"/>, or null when absent or not text.</summary>
    public string? Text(string key) => Get(key) as string;

    /// <summary>A NumericDate (integer or floating seconds since the epoch), or null when <paramref name="value"/> is not one.</summary>
    public static DateTimeOffset? ToDate(object? value) => value switch
    {
        long l when l is > -62135596800 and < 253402300800 => DateTimeOffset.FromUnixTimeSeconds(l),
        double d when d is > -62135596800 and < 253402300800 && !double.IsNaN(d) => DateTimeOffset.FromUnixTimeMilliseconds((long)(d * 1000)),
        _ => null,
    };
}
