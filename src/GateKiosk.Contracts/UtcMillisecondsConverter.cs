using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GateKiosk.Contracts;

/// <summary>Writes instants as RFC 3339 UTC with milliseconds (<c>2026-11-27T08:00:00.000Z</c>); reads any RFC 3339 form.</summary>
public sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("Expected an RFC 3339 time."), CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
    }
}
