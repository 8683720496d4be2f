using GateKiosk.Central.People;
using Microsoft.Data.Sqlite;

namespace GateKiosk.Central.Tests.People;

public sealed class SqlitePeopleStoreTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-people-" + Guid.NewGuid().ToString("N")[..8]);

    private string Database => Path.Combine(_folder, "central.db");

    [Fact]
    public void Save_NewThenChanged_ReplacesBadgesAndFindsByEither()
    {
        using var store = new SqlitePeopleStore(Database);
        var id = store.Save(new StaffMember(0, "E1", "A", "", ["site-a"], ["B1", "B2"], ""), At)!.Value;

        Assert.Equal(id, store.Save(new StaffMember(id, "E1", "A2", "D", ["site-a", "site-b"], ["B3"], "Mon 07:00–08:00"), At));

        Assert.Null(store.FindByBadge("B1"));
        var person = store.FindByBadge("B3")!;
        Assert.Equal(("E1", "A2", "D", "Mon 07:00–08:00"), (person.EmployeeId, person.Name, person.Department, person.Schedule));
        Assert.Equal(["site-a", "site-b"], person.Sites);
        Assert.Equal(id, store.FindByEmployeeId("e1")!.Id);
    }

    [Fact]
    public void Save_BadgeOrEmployeeIdOfAnother_IsRefusedAndChangesNothing()
    {
        using var store = new SqlitePeopleStore(Database);
        var first = store.Save(new StaffMember(0, "E1", "A", "", ["site-a"], ["B1"], ""), At)!.Value;

        Assert.Null(store.Save(new StaffMember(0, "E2", "B", "", ["site-a"], ["B2", "B1"], ""), At));
        Assert.Null(store.Save(new StaffMember(0, "e1", "C", "", ["site-a"], [], ""), At));

        Assert.Null(store.FindByEmployeeId("E2"));
        Assert.Null(store.FindByBadge("B2"));
        Assert.Equal(first, Assert.Single(store.List()).Id);
    }

    [Fact]
    public void Remove_Person_FreesTheirBadges()
    {
        using var store = new SqlitePeopleStore(Database);
        var id = store.Save(new StaffMember(0, "E1", "A", "", ["site-a"], ["B1"], ""), At)!.Value;

        Assert.True(store.Remove(id));

        Assert.Null(store.FindByBadge("B1"));
        Assert.NotNull(store.Save(new StaffMember(0, "E2", "B", "", ["site-a"], ["B1"], ""), At));
    }

    [Fact]
    public void Open_PeoplePartFromANewerRelease_IsRefused()
    {
        using (new SqlitePeopleStore(Database))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            connection.Open();
            using var bump = connection.CreateCommand();
            bump.CommandText = $"UPDATE schema_parts SET version = {PeopleSchema.Part.Steps.Count + 1} WHERE part = 'people'";
            Assert.Equal(1, bump.ExecuteNonQuery());
        }

        var error = Assert.Throws<InvalidOperationException>(() => new SqlitePeopleStore(Database));
        Assert.Contains("people schema version", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
