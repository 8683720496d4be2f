using GateKiosk.Central.Declarations;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary><c>gatekiosk-central site add|list</c>.</summary>
public sealed class SiteCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("gk-site-cmd-").FullName;

    [Fact]
    public async Task Add_ThenList_ShowsTheSiteWithItsDefaultTimeZoneAndForm()
    {
        Assert.Equal(0, await Run("add", "--id", "que-vo", "--name", "Công ty Cơ khí Bắc Ninh", "--address", "KCN Quế Võ, Bắc Ninh"));
        using var listed = new StringWriter();

        Assert.Equal(0, await SiteCommand.RunAsync(["list", "--data", _data], listed, TextWriter.Null, new FakeTimeProvider()));

        Assert.Equal("que-vo\tAsia/Ho_Chi_Minh\tCông ty Cơ khí Bắc Ninh\tKCN Quế Võ, Bắc Ninh", listed.ToString().Trim());
        using var store = new SqliteSiteStore(Path.Combine(_data, "central.db"));
        Assert.Equal(DeclarationForm.Default.Fields, store.Find("que-vo")!.Form.Fields);
    }

    [Fact]
    public async Task Add_SameIdTwice_ExitsOne()
    {
        Assert.Equal(0, await Run("add", "--id", "que-vo", "--name", "A", "--address", "B"));
        Assert.Equal(1, await Run("add", "--id", "que-vo", "--name", "C", "--address", "D"));
    }

    [Fact]
    public async Task Add_FieldsAndRequired_KeepsTheForm()
    {
        Assert.Equal(0, await Run("add", "--id", "gate-2", "--name", "A", "--address", "B", "--time-zone", "Asia/Bangkok",
            "--fields", "fullName,idNumber,birthYear,sex,symptoms,contact", "--required", "idNumber,contact"));

        using var store = new SqliteSiteStore(Path.Combine(_data, "central.db"));
        var site = store.Find("gate-2")!;
        Assert.Equal("Asia/Bangkok", site.TimeZone);
        Assert.False(site.Form.Asks(DeclarationFields.Travel));
        Assert.True(site.Form.Requires(DeclarationFields.IdNumber));
        Assert.False(site.Form.Requires(DeclarationFields.FullName));
    }

    [Theory]
    [InlineData("add", "--id", "Que Vo", "--name", "A", "--address", "B")]
    [InlineData("add", "--id", "que-vo", "--name", "A", "--address", "")]
    [InlineData("add", "--id", "que-vo", "--name", "A", "--address", "B", "--time-zone", "Mars/Olympus")]
    [InlineData("add", "--id", "que-vo", "--name", "A", "--address", "B", "--fields", "fullName,shoeSize")]
    [InlineData("add", "--id", "que-vo", "--name", "A", "--address", "B", "--required", "travel", "--fields", "fullName")]
    [InlineData("frobnicate")]
    public async Task Run_BadArguments_ExitsTwo(params string[] args) => Assert.Equal(2, await Run(args));

    [Fact]
    public void Open_SchemaFromANewerRelease_IsRefused()
    {
        using (var store = new SqliteSiteStore(Path.Combine(_data, "central.db")))
        {
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_data, "central.db")};Pooling=false"))
        {
            connection.Open();
            using var bump = connection.CreateCommand();
            bump.CommandText = "UPDATE schema_parts SET version = 99 WHERE part = 'declarations'";
            Assert.Equal(1, bump.ExecuteNonQuery());
        }

        Assert.Throws<InvalidOperationException>(() => new SqliteSiteStore(Path.Combine(_data, "central.db")));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private Task<int> Run(params string[] args) => SiteCommand.RunAsync([.. args, "--data", _data], TextWriter.Null, TextWriter.Null, new FakeTimeProvider());
}
