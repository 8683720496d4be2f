namespace GateKiosk.Core.Credentials.Signed;

/// <summary>
/// Base45 (RFC 9285), strict: only the 45 characters of the alphabet, no length of the form 3n+1,
/// and no group whose value overflows its byte count.
/// </summary>
public static class Base45
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    private static readonly sbyte[] Values = BuildValues();

    /// <summary>Encodes <paramref name="data"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length / 2 * 3) + (data.Length % 2 * 2)];
        var o = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            var n = (data[i] << 8) | data[i + 1];
            chars[o++] = Alphabet[n % 45];
            chars[o++] = Alphabet[n / 45 % 45];
            chars[o++] = Alphabet[n / 2025];
        }

        if (data.Length % 2 == 1)
        {
            var n = data[^1];
            chars[o++] = Alphabet[n % 45];
            chars[o] = Alphabet[n / 45];
        }

        return new string(chars);
    }

    /// <summary>Decodes <paramref name="text"/>; false for any character, length or value RFC 9285 forbids.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] data)
    {
        data = [];
        if (text.Length % 3 == 1)
        {
            return false;
        }

        var result = new byte[(text.Length / 3 * 2) + (text.Length % 3 == 2 ? 1 : 0)];
        var o = 0;
        for (var i = 0; i < text.Length; i += 3)
        {
            var c = Value(text[i]);
            var d = Value(text[i + 1]);
            if (c < 0 || d < 0)
            {
                return false;
            }

            if (i + 2 < text.Length)
            {
                var e = Value(text[i + 2]);
                if (e < 0)
                {
                    return false;
                }

                var n = c + (d * 45) + (e * 2025);
                if (n > 0xFFFF)
                {
                    return false;
                }

                result[o++] = (byte)(n >> 8);
                result[o++] = (byte)n;
            }
            else
            {
                var n = c + (d * 45);
                if (n > 0xFF)
                {
                    return false;
                }

                result[o++] = (byte)n;
            }
        }

        data = result;
        return true;
    }

    private static int Value(char c) => c < 128 ? Values[c] : -1;

    private static sbyte[] BuildValues()
    {
        var values = new sbyte[128];
        Array.Fill(values, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            values[Alphabet[i]] = (sbyte)i;
        }

        return values;
    }
}
