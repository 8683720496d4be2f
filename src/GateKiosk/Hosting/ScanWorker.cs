using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Hosting;

/// <summary>Feeds every scan of the configured source through the pipeline; the loop only loops.</summary>
internal sealed partial class ScanWorker(IScanSource source, GatePipeline pipeline, IEntryJournal journal, ILogger<ScanWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (journal is SqliteEntryJournal { OpenReport: { Salvaged: true } report })
        {
            LogSalvaged(report.Detail);
            pipeline.RecordSystemEvent("journal-recovered: " + report.Detail);
        }

        pipeline.RecordSystemEvent("kiosk-started");
        LogReading(source.Name);
        try
        {
            await foreach (var scan in source.ReadAsync(stoppingToken))
            {
                pipeline.Process(scan);
            }

            LogSourceEnded(source.Name);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            pipeline.RecordSystemEvent("kiosk-stopping");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The journal was damaged and has been salvaged: {Detail}")]
    private partial void LogSalvaged(string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading scans from {Source}")]
    private partial void LogReading(string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan source {Source} ended; the kiosk keeps publishing its journal")]
    private partial void LogSourceEnded(string source);
}
