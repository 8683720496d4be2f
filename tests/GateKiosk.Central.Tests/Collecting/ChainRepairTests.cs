using System.Text.Json;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Journaling;
using GateKiosk.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Collecting;

/// <summary>Resend requests back off (1 min, 2, 4 … a day) and stop for ranges the kiosk answers it cannot send.</summary>
public sealed class ChainRepairTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-repair-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly SqliteEventStore _store;
    private readonly FakeSender _sender = new();
    private readonly ChainRepairService _repair;
    private readonly List<JournaledEvent> _events;

    public ChainRepairTests()
    {
        _store = new SqliteEventStore(Path.Combine(_folder, "central.db"), _time);
        _repair = new ChainRepairService(_store, _sender, Options.Create(new CentralOptions()), _time, NullLogger<ChainRepairService>.Instance);
        var journal = new FakeEntryJournal();
        _events = [.. Enumerable.Range(0, 10).Select(i => journal.Append(new EventDraft { Type = EventTypes.System, OccurredAt = DateTimeOffset.UnixEpoch, TimeSource = TimeSources.Ntp, Detail = $"e{i}" }))];

        // Central holds 1–3 and 10: 4–9 are missing.
        _store.Store([.. _events.Where(e => e.Seq is <= 3 or 10).Select(e => (JsonSerializer.Deserialize(e.Payload.Span, ContractsJsonContext.Default.EntryEvent)!, e.Payload))]);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Checks once a minute for <paramref name="minutes"/> minutes; returns the minutes (from now) at which a request went out.</summary>
    private async Task<List<int>> CheckEveryMinuteAsync(int minutes)
    {
        var at = new List<int>();
        for (var minute = 0; minute < minutes; minute++)
        {
            if (await _repair.RequestMissingAsync(CancellationToken.None) > 0)
            {
                at.Add(minute);
            }

            _time.Advance(TimeSpan.FromMinutes(1));
        }

        return at;
    }

    [Fact]
    public async Task RequestMissingAsync_GapNeverFilled_RequestsBackOffOneTwoFourMinutes()
    {
        var at = await CheckEveryMinuteAsync(130);

        // Seen at minute 0, asked at minute 1, then after 1, 2, 4, 8, 16, 32 and 64 minutes.
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128], at);
        Assert.All(_sender.Sent, s => Assert.Equal((4L, 9L), (s.Command.FromSeq!.Value, s.Command.ToSeq!.Value)));
    }

    [Fact]
    public void RetryDelay_DoublesFromOneMinute_CappedAtADay()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1440, 1440], Enumerable.Range(1, 13).Select(n => (int)ChainRepairService.RetryDelay(n).TotalMinutes));
        Assert.Equal(TimeSpan.FromDays(1), ChainRepairService.RetryDelay(int.MaxValue));
    }

    [Fact]
    public async Task OnCommandResult_CountZero_RangeUnrecoverable_NoLongerRequested()
    {
        await CheckEveryMinuteAsync(2);
        var (site, kiosk, command) = Assert.Single(_sender.Sent);

        _repair.OnCommandResult(site, kiosk, new CommandResult(command.CommandId, "done", 0, null));

        Assert.Empty(await CheckEveryMinuteAsync(26 * 60));
        Assert.Single(_sender.Sent);
        Assert.Empty(_store.GetGaps("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(4, 9)], _store.GetUnrecoverable("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(4, 9)], _store.GetChainPage("site-1", "kiosk-1", 100).Unrecoverable);
        var summary = _store.GetKiosks().Single();
        Assert.Equal((0L, 6L), (summary.Missing, summary.Unrecoverable));
    }

    [Fact]
    public async Task OnCommandResult_FewerThanAskedAndNoneArrive_UnrecoverableAtTheNextRetry()
    {
        await CheckEveryMinuteAsync(2);
        var (site, kiosk, command) = Assert.Single(_sender.Sent);

        _repair.OnCommandResult(site, kiosk, new CommandResult(command.CommandId, "done", 2, null));

        Assert.Empty(await CheckEveryMinuteAsync(60));
        Assert.Equal([new SeqRange(4, 9)], _store.GetUnrecoverable("site-1", "kiosk-1"));
    }

    [Fact]
    public async Task OnCommandResult_AnotherKioskOrUnknownCommand_Ignored()
    {
        await CheckEveryMinuteAsync(2);
        var (_, _, command) = Assert.Single(_sender.Sent);

        _repair.OnCommandResult("site-1", "other", new CommandResult(command.CommandId, "done", 0, null));
        _repair.OnCommandResult("site-1", "kiosk-1", new CommandResult(Guid.CreateVersion7(), "done", 0, null));

        Assert.Empty(_store.GetUnrecoverable("site-1", "kiosk-1"));
        Assert.Equal([new SeqRange(4, 9)], _store.GetGaps("site-1", "kiosk-1"));
    }

    private sealed class FakeSender : IKioskCommandSender
    {
        public List<(string Site, string Kiosk, KioskCommand Command)> Sent { get; } = [];

        public Task<bool> PublishCommandAsync(string site, string kiosk, KioskCommand command, CancellationToken cancellationToken)
        {
            Sent.Add((site, kiosk, command));
            return Task.FromResult(true);
        }
    }
}
