using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GateKiosk.Contracts;

/// <summary>Writes instants as RFC 3339 UTC with milliseconds (<c>2026-11-27T08:00:00.000Z</c>); reads any RFC 3339 form.</summary>
public sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    /// <exception cref="JsonException">The value is not a time, or one outside what <see cref="DateTimeOffset"/> holds.</exception>
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // A malformed time is malformed JSON for this contract: one exception type for every bad payload.
        if (reader.TokenType == JsonTokenType.String)
        {
            try
            {
                if (DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
                {
                    return value;
                }
            }
            catch (ArgumentOutOfRangeException)
            {
                // 9999-12-31T23:59:59-01:00 parses, but its UTC time is beyond year 9999.
            }
        }

        throw new JsonException("Expected an RFC 3339 time.");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
