using System.Net;
using System.Text.Json;
using GateKiosk.Central.Collecting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>A central process that serves the API and the pages alone, and the settings of processes that share the event stream.</summary>
public sealed class CollectModeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-collect-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static List<string> Errors(CentralOptions options) =>
        new CentralOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void ServeArguments_NoCollect_BecomesCentralCollectFalse_OtherArgumentsKept()
    {
        Assert.Equal(["--Central:Collect=false", "--Mqtt:Host=broker"], Program.ServeArguments(["--no-collect", "--Mqtt:Host=broker"]));
    }

    [Fact(Timeout = 60_000)]
    public async Task Serve_NoCollect_RunsNoCollectorNorGapCheck_HealthzAnswersForTheStoreAlone()
    {
        // The broker's port is closed: a process that does not collect never needs it.
        await using var central = await RunningCentral.StartAsync(_folder, new Dictionary<string, string?>
        {
            ["Central:Collect"] = "false",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = GateKiosk.Testing.Mosquitto.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Error",
        });

        var hosted = central.Services.GetServices<IHostedService>().ToList();
        Assert.DoesNotContain(hosted, s => s is MqttEventCollector or ChainRepairService);
        using var response = await central.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("ok", "not-collecting", "writable"), (body.RootElement.GetProperty("status").GetString(), body.RootElement.GetProperty("collector").GetString(), body.RootElement.GetProperty("store").GetString()));
    }

    [Fact]
    public void Validate_CollectorGroupWithSqlite_NamesCollectorGroupAndPostgres()
    {
        var error = Assert.Single(Errors(new CentralOptions { CollectorGroup = "central" }));
        Assert.StartsWith("Central:CollectorGroup needs Central:Store=Postgres", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("group with spaces")]
    public void Validate_CollectorGroupNotASimpleName_NamesTheKey(string group)
    {
        var error = Assert.Single(Errors(new CentralOptions { Store = "Postgres", ConnectionString = "Host=db.local;Database=gk", CollectorGroup = group }));
        Assert.StartsWith("Central:CollectorGroup must be", error, StringComparison.Ordinal);
    }
}
