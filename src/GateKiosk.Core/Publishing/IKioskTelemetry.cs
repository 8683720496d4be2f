using GateKiosk.Contracts;

namespace GateKiosk.Core.Publishing;

/// <summary>Gathers the kiosk's telemetry snapshot (outbox, clock, door, reader, temperature); cheap enough every 30 s.</summary>
public interface IKioskTelemetry
{
    /// <summary>The figures now.</summary>
    KioskTelemetry Snapshot();
}
