using System.Text.Json;
using System.Text.Json.Serialization;

namespace GateKiosk.Contracts;

/// <summary>Source-generated JSON for every contract record (camelCase, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
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
