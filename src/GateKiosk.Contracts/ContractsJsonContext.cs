using System.Text.Json;
using System.Text.Json.Serialization;

namespace GateKiosk.Contracts;

/// <summary>Source-generated JSON for every contract record (camelCase, nulls omitted, numbers only as JSON numbers).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    WriteIndented = false)]
[JsonSerializable(typeof(EntryEvent))]
[JsonSerializable(typeof(EntryEvent[]))]
[JsonSerializable(typeof(KioskStatus))]
[JsonSerializable(typeof(KioskTelemetry))]
[JsonSerializable(typeof(KioskCommand))]
[JsonSerializable(typeof(CommandResult))]
public sealed partial class ContractsJsonContext : JsonSerializerContext
{
}
