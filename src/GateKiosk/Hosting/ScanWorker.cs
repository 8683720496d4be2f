using GateKiosk.Core;
using GateKiosk.Core.Journaling;
using GateKiosk.Core.Scanning;
using GateKiosk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GateKiosk.Hosting;

/// <summary>Feeds every scan of the configured source through the pipeline; the loop only loops.</summary>
internal sealed partial class ScanWorker(IScanSource source, IScannerHealth health, GatePipeline pipeline, IEntryJournal journal, KioskLiveness liveness, ILogger<ScanWorker> logger) : BackgroundService
{
    /// <summary>System event detail when the reader goes away (unplugged, camera stopped).</summary>
    public const string ScannerDisconnected = "scanner-disconnected";

    /// <summary>System event detail when a reader that had gone away is back.</summary>
    public const string ScannerReconnected = "scanner-reconnected";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (journal is SqliteEntryJournal { OpenReport: { } report } && (report.Salvaged || report.LostSeqs is not null))
        {
            // The journal has already declared any lost seqs (journal-tail-lost); this says what was kept and where the damaged files are.
            LogJournalLoss(report.Detail);
            if (report.Salvaged)
            {
                pipeline.RecordSystemEvent("journal-recovered: " + report.Detail);
            }
        }

        if (journal is SqliteEntryJournal { OpenReport.SeqFileProblem: { } problem })
        {
            LogSeqFileProblem(problem);
            pipeline.RecordSystemEvent($"journal-seq-unreadable: {problem}; numbering continues after the last event and is reserved again");
        }

        pipeline.RecordSystemEvent("kiosk-started");
        LogReading(source.Name);
        health.ConnectionChanged += OnConnectionChanged;
        liveness.ScanLoopStarted();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await foreach (var scan in source.ReadAsync(stoppingToken))
                    {
                        ProcessScan(scan);
                    }

                    LogSourceEnded(source.Name);
                    return;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    // A reader that cannot be opened or fails: the kiosk keeps running and tries again.
                    LogSourceFailed(source.Name, ex.GetBaseException().Message);
                    await Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            pipeline.RecordSystemEvent("kiosk-stopping");
        }
        finally
        {
            liveness.ScanLoopStopped();
            health.ConnectionChanged -= OnConnectionChanged;
        }
    }

    /// <summary>One scan through the pipeline, timed for the watchdog's liveness check.</summary>
    internal void ProcessScan(RawScan scan)
    {
        liveness.ScanStarted();
        try
        {
            pipeline.Process(scan);
        }
        finally
        {
            liveness.ScanFinished();
        }
    }

    /// <summary>Journals a reader that went away or came back (called on the reader's thread).</summary>
    internal void OnConnectionChanged(object? sender, ScannerHealth now)
    {
        if (!now.Connected)
        {
            LogScannerLost(now.Source);
            pipeline.RecordSystemEvent(ScannerDisconnected);
        }
        else if (now.Disconnects > 0)
        {
            LogScannerBack(now.Source);
            pipeline.RecordSystemEvent(ScannerReconnected);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The journal's seq reservation was not usable ({Problem}): numbering continues after the last event; a journal damaged now could reuse numbers")]
    private partial void LogSeqFileProblem(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "The journal opened without some of its events: {Detail}")]
    private partial void LogJournalLoss(string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan source {Source} failed ({Error}); trying again in 5 s")]
    private partial void LogSourceFailed(string source, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading scans from {Source}")]
    private partial void LogReading(string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan source {Source} ended; the kiosk keeps publishing its journal")]
    private partial void LogSourceEnded(string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reader {Source} went away; journaled as a system event")]
    private partial void LogScannerLost(string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reader {Source} is back")]
    private partial void LogScannerBack(string source);
}
