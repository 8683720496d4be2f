using System.Net.Http.Json;
using System.Text.Json;
using GateKiosk.Central.Storage;
using GateKiosk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GateKiosk.Central.Tests.EndToEnd;

/// <summary>Central started in-process on a free port with in-memory configuration, and a client for its API.</summary>
internal sealed class RunningCentral : IAsyncDisposable
{
    private RunningCentral(WebApplication app, HttpClient http)
    {
        App = app;
        Http = http;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Starts central with its data in <paramref name="dataDirectory"/> and <paramref name="settings"/> (broker, logging, …).</summary>
    public static async Task<RunningCentral> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string?> settings, Action<WebApplicationBuilder>? customize = null)
    {
        var httpPort = Mosquitto.FreePort();
        var app = CentralApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
            {
                ["Central:DataDirectory"] = dataDirectory,
                ["Central:Urls"] = $"http://127.0.0.1:{httpPort}",
            });
            customize?.Invoke(b);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new RunningCentral(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) });
    }

    public Task StopAsync() => App.StopAsync();

    /// <summary>Waits until the collector has subscribed: on a broker central never used, what kiosks publish before that reaches nobody.</summary>
    public Task WaitSubscribedAsync() =>
        Eventually.TrueAsync(() => Services.GetRequiredService<GateKiosk.Central.Collecting.MqttEventCollector>().IsSubscribed, TimeSpan.FromSeconds(30), "central subscribes to the kiosks' topics");

    /// <summary><c>GET /api/kiosks</c> as it came (null for a JSON null).</summary>
    public Task<List<KioskSummary>?> KiosksAsync() => Http.GetFromJsonAsync<List<KioskSummary>>("/api/kiosks", JsonSerializerOptions.Web);

    /// <summary>Every item of <c>GET /api/events?<paramref name="query"/></c>, following <c>nextCursor</c> to the last page.</summary>
    public async Task<List<JsonElement>> AllEventsAsync(string query)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync("/api/events?" + query + (cursor is null ? "" : "&cursor=" + cursor)));
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                all.Add(item.Clone());
            }

            cursor = doc.RootElement.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.DisposeAsync();
    }
}
