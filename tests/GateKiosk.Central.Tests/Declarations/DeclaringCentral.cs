using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using GateKiosk.Central.Declarations;
using GateKiosk.Central.Passes;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace GateKiosk.Central.Tests.Declarations;

/// <summary>Central on a free loopback port (no broker, no accounts) with an issuer key, on a fake clock, and sites added in its store.</summary>
internal sealed class DeclaringCentral : IAsyncDisposable
{
    /// <summary>10:00 in Hanoi on Monday 2 March 2026.</summary>
    public static readonly DateTimeOffset Morning = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);

    private readonly string _folder;

    private DeclaringCentral(string folder, RunningCentral central, FakeTimeProvider clock)
    {
        _folder = folder;
        Central = central;
        Clock = clock;
    }

    public RunningCentral Central { get; }

    public FakeTimeProvider Clock { get; }

    public HttpClient Http => Central.Http;

    public string DataDirectory => Path.Combine(_folder, "central");

    public string Folder => _folder;

    public static async Task<DeclaringCentral> StartAsync(int submissionsPerMinute = 100_000, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var folder = Directory.CreateTempSubdirectory("gk-declare-").FullName;
        var data = Path.Combine(folder, "central");
        new IssuerKeyStore(data).Create(KeyAlgorithm.ES256);
        var clock = new FakeTimeProvider(Morning);
        var settings = new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",
            ["Declarations:SubmissionsPerMinute"] = submissionsPerMinute.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var central = await RunningCentral.StartAsync(data, settings, b => b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        return new DeclaringCentral(folder, central, clock);
    }

    public SqliteSiteStore Sites => Central.Services.GetRequiredService<DeclarationService>().Sites;

    public Site AddSite(string id, string name = "Công ty TNHH Cơ khí Bắc Ninh", DeclarationForm? form = null)
    {
        var site = new Site(id, name, "Lô A2, KCN Quế Võ, Bắc Ninh", Site.DefaultTimeZone, form ?? DeclarationForm.Default);
        Assert.True(Sites.Add(site, Morning));
        return site;
    }

    /// <summary>Clear answers of a made-up person.</summary>
    public static Dictionary<string, object?> ClearAnswers() => new()
    {
        ["fullName"] = "Nguyễn Văn An",
        ["idNumber"] = "001099012345",
        ["birthYear"] = 1990,
        ["sex"] = "male",
        ["category"] = "visitor",
        ["symptoms"] = Array.Empty<string>(),
        ["contact"] = false,
        ["travel"] = "",
    };

    public Task<HttpResponseMessage> PostAsync(string site, object body) => Http.PostAsJsonAsync($"/api/public/declarations/{site}", body);

    public async Task<DeclarationReply> DeclareAsync(string site, object body)
    {
        using var response = await PostAsync(site, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<DeclarationReply>(text, JsonSerializerOptions.Web)!;
    }

    public async ValueTask DisposeAsync()
    {
        await Central.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
