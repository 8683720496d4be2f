using System.Text.Json;
using System.Text.Json.Serialization;
using GateKiosk.Central.Storage;

namespace GateKiosk.Central.Api;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<KioskSummary>))]
[JsonSerializable(typeof(KioskSummary))]
[JsonSerializable(typeof(KioskHealth))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(ChainReport))]
internal sealed partial class CentralJsonContext : JsonSerializerContext
{
}
