using System.IO.Compression;

namespace GateKiosk.Core.Credentials.Signed;

/// <summary>zlib (RFC 1950) inflate with a hard cap on the output: a bomb stops at the cap, not at the memory limit.</summary>
public static class BoundedInflater
{
    /// <summary>Inflates a zlib stream of at most <paramref name="maxBytes"/> output bytes; false when corrupt or larger.</summary>
    public static bool TryInflate(byte[] zlib, int maxBytes, out byte[] data)
    {
        ArgumentNullException.ThrowIfNull(zlib);
        data = [];

        // The zlib header: deflate method, window ≤ 32 KiB, check bits (RFC 1950 §2.2), no preset dictionary.
        if (zlib.Length < 6 || (zlib[0] & 0x0F) != 8 || (zlib[0] >> 4) > 7 || ((zlib[0] << 8) | zlib[1]) % 31 != 0 || (zlib[1] & 0x20) != 0)
        {
            return false;
        }

        try
        {
            using var input = new MemoryStream(zlib, writable: false);
            using var inflater = new ZLibStream(input, CompressionMode.Decompress);
            var buffer = new byte[Math.Min(maxBytes + 1, (zlib.Length * 2) + 64)];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        return false;
                    }

                    Array.Resize(ref buffer, Math.Min(maxBytes + 1, buffer.Length * 2));
                }

                var read = inflater.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    return false;
                }
            }

            data = buffer.AsSpan(0, length).ToArray();
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Compresses <paramref name="data"/> as a zlib stream (for issuing).</summary>
    public static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var deflater = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflater.Write(data);
        }

        return output.ToArray();
    }
}
