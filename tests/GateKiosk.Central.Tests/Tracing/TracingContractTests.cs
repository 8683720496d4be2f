using GateKiosk.Central.Storage;
using GateKiosk.Central.Tracing;
using GateKiosk.Contracts;

namespace GateKiosk.Central.Tests.Tracing;

/// <summary>
/// Stays and contacts on a generated scenario whose answer was worked out by hand (<see cref="TraceScenario"/>), read
/// through each backend's <see cref="ITracingQueries"/>: every backend's test class derives from this one.
/// </summary>
public abstract class TracingContractTests : IAsyncLifetime
{
    private ICentralStore? _store;

    /// <summary>Opens an empty store of the backend under test.</summary>
    protected abstract Task<ICentralStore> OpenStoreAsync();

    /// <summary>Removes the test's data once the store is disposed.</summary>
    protected abstract Task DeleteStoreAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _store?.Dispose();
        await DeleteStoreAsync();
    }

    private async Task<ContactFinder> FinderAsync()
    {
        _store = await OpenStoreAsync();
        await TraceScenario.Build().StoreAsync(_store);
        var options = new TracingOptions();
        return new ContactFinder(_store, options, new SiteClock(options.Zone));
    }

    [SkippableFact]
    public async Task TraceAsync_GeneratedDay_StaysAndContactsAsWorkedOutByHand()
    {
        var finder = await FinderAsync();

        var result = await finder.TraceAsync(TraceScenario.Case, TraceScenario.T(0), TraceScenario.T(23));

        Assert.False(result.TooManyEvents);
        Assert.Equal(
            TraceScenario.Stays.Select(s => $"{s.Site} {s.From:O} {s.To:O} {string.Join('+', s.Doors)}"),
            result.Stays.Select(s => $"{s.Site} {s.From:O} {s.To:O} {string.Join('+', s.Doors)}"));
        Assert.Equal(
            TraceScenario.Contacts.Select(c => $"{c.Kind}/{c.Subject} {c.Site} {c.From:O} {c.To:O} {c.Minutes} none={c.TimeSourceNone}"),
            result.Contacts.Select(c => $"{c.Person.Kind}/{c.Person.Subject} {c.Site} {c.From:O} {c.To:O} {c.OverlapMinutes} none={c.TimeSourceNone}"));
    }

    [SkippableFact]
    public async Task TraceAsync_NarrowWindow_OnlyStaysIntersectingItAndTheirContacts()
    {
        var finder = await FinderAsync();

        var result = await finder.TraceAsync(TraceScenario.Case, TraceScenario.T(4), TraceScenario.T(5, 30));

        var stay = Assert.Single(result.Stays);
        Assert.Equal((TraceScenario.S2, TraceScenario.T(5), TraceScenario.T(6)), (stay.Site, stay.From, stay.To));
        var contact = Assert.Single(result.Contacts);
        Assert.Equal(("K", TraceScenario.S2, 30L), (contact.Person.Subject, contact.Site, contact.OverlapMinutes));
    }

    [SkippableFact]
    public async Task TraceAsync_WindowEndingAtAStaysEnd_CountsThatStay()
    {
        var finder = await FinderAsync();

        var result = await finder.TraceAsync(TraceScenario.Case, TraceScenario.T(3), TraceScenario.T(4));

        var stay = Assert.Single(result.Stays);
        Assert.Equal((TraceScenario.S1, TraceScenario.T(1), TraceScenario.T(3)), (stay.Site, stay.From, stay.To));
        Assert.Equal(5, result.Contacts.Count);
    }

    [SkippableFact]
    public async Task TraceAsync_PersonNeverSeen_Empty()
    {
        var finder = await FinderAsync();

        var result = await finder.TraceAsync(new Person(CredentialKinds.Badge, "nobody"), TraceScenario.T(0), TraceScenario.T(23));

        Assert.Empty(result.Stays);
        Assert.Empty(result.Contacts);
    }
}
