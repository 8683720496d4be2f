using System.Net;
using System.Net.Sockets;
using GateKiosk.Central;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Collecting;
using GateKiosk.Central.Passes;
using GateKiosk.Core.Credentials.Signed;
using GateKiosk.Core.Scanning;
using GateKiosk.Devices.Simulated;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MQTTnet.Server;

namespace GateKiosk.Demo;

/// <summary>
/// The demo: an in-process MQTT broker on loopback, central with SQLite in a local folder, and two simulated
/// kiosks fed by a scripted stream of people and by lines typed in the terminal. Everything binds loopback.
/// </summary>
internal static class DemoRunner
{
    public const string SiteId = "demo-site";

    /// <summary>The enrolled badges. The script never presents <c>E1005</c>: it is there to be typed.</summary>
    private static readonly string[] Allowlist = ["E1001", "E1002", "E1003", "E1004", "E1005"];

    /// <summary>The scripted people: which kiosk, what the narration says, and the code they show.</summary>
    private static readonly (int Kiosk, string Who, string Code)[] Script =
    [
        (0, "a staff member", "E1001"),
        (1, "a staff member", "E1002"),
        (0, "someone with a badge that is not enrolled", "E9999"),
        (1, "someone with a damaged code", "E10\u000701"),
        (0, "someone with a COVID certificate (not accepted at this door)", "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-1HNJ3WDTRC6JJ:D:T3"),
        (1, "a staff member", "E1003"),
        (0, "someone showing a web address", "https://example.com/menu"),
        (1, "a staff member", "E1004"),
    ];

    /// <summary>The codes the script presents (besides the visitor pass it issues at start).</summary>
    internal static IEnumerable<string> ScriptedCodes => Script.Select(s => s.Code);

    /// <summary>The enrolled badge codes.</summary>
    internal static IReadOnlyList<string> EnrolledBadges => Allowlist;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextReader? terminal, CancellationToken stoppingToken)
    {
        var settings = new ConfigurationBuilder().AddCommandLine(args).Build().GetSection("Demo");
        var dataDirectory = Path.GetFullPath(settings["DataDirectory"] ?? "gatekiosk-demo-data");
        var interval = TimeSpan.Parse(settings["ScanInterval"] ?? "00:00:03", System.Globalization.CultureInfo.InvariantCulture);
        TimeSpan? duration = settings["Duration"] is { } d ? TimeSpan.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : null;
        var httpPort = int.Parse(settings["HttpPort"] ?? "5080", System.Globalization.CultureInfo.InvariantCulture);
        if (httpPort != 0 && !IsFree(httpPort))
        {
            httpPort = 0;
        }

        using var runFor = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        if (duration is { } limit)
        {
            runFor.CancelAfter(limit);
        }

        var brokerPort = FreePort();
        var brokerOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(brokerPort)
            .WithPersistentSessions()
            .Build();
        using var broker = new MqttServerFactory().CreateMqttServer(brokerOptions);
        await broker.StartAsync();

        // The demo organisation signs visitor passes with a key central keeps in its data folder; the kiosks trust it.
        var trustPath = PrepareDemoIssuer(Path.Combine(dataDirectory, "central"));
        var visitorPass = await IssueDemoVisitorPassAsync(Path.Combine(dataDirectory, "central"));
        var script = Script.Append((1, "a visitor with a signed pass (valid 8 hours)", visitorPass)).ToArray();

        await using var central = CentralApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Central:DataDirectory"] = Path.Combine(dataDirectory, "central"),
                ["Central:Urls"] = $"http://127.0.0.1:{httpPort}",
                ["Central:ApiToken"] = "",
                ["Mqtt:Host"] = "127.0.0.1",
                ["Mqtt:Port"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Services.AddSingleton<IHostLifetime, DemoLifetime>();
        });
        await central.StartAsync(runFor.Token);
        var url = central.Urls.First();

        // The kiosks start once central listens to their topics: on a broker central never used, nobody would get their first events.
        var collector = central.Services.GetRequiredService<MqttEventCollector>();
        using (var subscribeWait = CancellationTokenSource.CreateLinkedTokenSource(runFor.Token))
        {
            subscribeWait.CancelAfter(TimeSpan.FromSeconds(15));
            while (!collector.IsSubscribed && !subscribeWait.IsCancellationRequested)
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }

        var (adminPassword, adminToken) = PrepareDemoAdmin(central.Services.GetRequiredService<AccountService>());

        string[] kioskIds = ["main-gate", "factory-door"];
        var readers = kioskIds.Select(id => new SimulatedScanSource(id, TimeProvider.System)).ToArray();
        var kiosks = new List<IHost>();
        for (var i = 0; i < kioskIds.Length; i++)
        {
            var reader = readers[i];
            var kioskConfig = KioskConfiguration(kioskIds[i], dataDirectory, brokerPort, trustPath);

            var kiosk = GateKiosk.Program.BuildKioskHost([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(kioskConfig);
                builder.Services.Replace(ServiceDescriptor.Singleton<IScanSource>(reader));
                builder.Services.AddSingleton<IHostLifetime, DemoLifetime>();
            });
            await kiosk.StartAsync(runFor.Token);
            kiosks.Add(kiosk);
        }

        await output.WriteLineAsync($"""

            GateKiosk demo is running.
              Dashboard:  {url}
              Sign in:    {DemoAdmin} / {adminPassword}
              API:        {url}/api/events   {url}/api/kiosks   (Authorization: Bearer {adminToken})
              Broker:     mqtt://127.0.0.1:{brokerPort} (in-process)
              Data:       {dataDirectory}
              Kiosks:     {string.Join(", ", kioskIds)} at site {SiteId}; enrolled badges {string.Join(" ", Allowlist)}; visitor passes of the demo issuer
            {(terminal is null ? "Running unattended (standard input is not a terminal)." : $"Type a code and Enter to scan it at {kioskIds[0]}, or '2 CODE' for {kioskIds[1]}.")}
            Press Ctrl+C to stop.

            """);

        var scripted = RunScriptAsync(script, readers, interval, output, runFor.Token);
        var typed = terminal is null ? Task.CompletedTask : ReadTerminalAsync(terminal, readers, runFor.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, runFor.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await output.WriteLineAsync("Stopping: kiosks, central, broker…");
        await scripted;
        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var kiosk in kiosks)
        {
            await kiosk.StopAsync(stopTimeout.Token);
            kiosk.Dispose();
        }

        await central.StopAsync(stopTimeout.Token);
        await broker.StopAsync();
        await output.WriteLineAsync("Stopped.");
        await typed.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    /// <summary>The demo admin's user name.</summary>
    public const string DemoAdmin = "demo-admin";

    /// <summary>Makes the demo admin, or gives it a new password when the data folder already has it, and a personal token.</summary>
    internal static (string Password, string Token) PrepareDemoAdmin(AccountService accounts)
    {
        var password = "demo-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        var change = accounts.Store.Find(DemoAdmin) is null
            ? accounts.Add(DemoAdmin, "Demo admin", password, Roles.Admin, ["*"])
            : accounts.ResetPassword(DemoAdmin, password);
        if (!change.Done || accounts.Store.Find(DemoAdmin) is not { } admin)
        {
            throw new InvalidOperationException("The demo admin could not be made: " + change.Error);
        }

        accounts.SetDisabled(DemoAdmin, false);
        return (password, accounts.CreateToken(admin, "demo").Token);
    }

    /// <summary>The configuration of one demo kiosk: simulated outputs, the enrolled badges, and the demo issuer trusted for visitor passes.</summary>
    internal static Dictionary<string, string?> KioskConfiguration(string kioskId, string dataDirectory, int brokerPort, string trustPath)
    {
        var kioskConfig = new Dictionary<string, string?>
        {
            ["Kiosk:SiteId"] = SiteId,
            ["Kiosk:KioskId"] = kioskId,
            ["Kiosk:DataDirectory"] = Path.Combine(dataDirectory, kioskId),
            ["Kiosk:AcceptedKinds:0"] = GateKiosk.Contracts.CredentialKinds.Badge,
            ["Kiosk:AcceptedKinds:1"] = GateKiosk.Contracts.CredentialKinds.VisitorPass,
            ["Credentials:TrustListPath"] = trustPath,
            ["Gpio:Driver"] = "Simulated",
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:GateKiosk.Core.GatePipeline"] = "Information",
        };
        for (var b = 0; b < Allowlist.Length; b++)
        {
            kioskConfig[$"Badges:Allowlist:{b}"] = Allowlist[b];
        }

        return kioskConfig;
    }

    /// <summary>Creates the demo issuer key in central's data folder when there is none, and writes the kiosks' trust file.</summary>
    internal static string PrepareDemoIssuer(string centralDataDirectory)
    {
        var store = new IssuerKeyStore(centralDataDirectory);
        if (store.ActiveKeyId is null)
        {
            store.Create(KeyAlgorithm.ES256);
        }

        var trustPath = Path.Combine(centralDataDirectory, "trust.json");
        File.WriteAllText(trustPath, store.ExportTrustList("demo-org"));
        return trustPath;
    }

    private static async Task<string> IssueDemoVisitorPassAsync(string centralDataDirectory)
    {
        using var text = new StringWriter();
        await PassCommand.RunAsync(["issue", "--data", centralDataDirectory, "--kind", "visitor", "--subject", "visitor-001", "--host", "E1001", "--issuer", "demo-org"], text, TextWriter.Null, TimeProvider.System);
        return text.ToString().Trim();
    }

    private static async Task RunScriptAsync((int Kiosk, string Who, string Code)[] script, SimulatedScanSource[] readers, TimeSpan interval, TextWriter output, CancellationToken token)
    {
        try
        {
            for (var i = 0; !token.IsCancellationRequested; i++)
            {
                await Task.Delay(i == 0 ? TimeSpan.FromSeconds(1) : interval, token);
                var (kiosk, who, code) = script[i % script.Length];
                await output.WriteLineAsync($"  [script] {who} at {readers[kiosk].Name}");
                readers[kiosk].Present(code);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task ReadTerminalAsync(TextReader terminal, SimulatedScanSource[] readers, CancellationToken token)
    {
        try
        {
            while (await terminal.ReadLineAsync(token) is { } line)
            {
                line = line.Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                var target = readers[0];
                if (line.Length > 2 && line[0] == '2' && line[1] == ' ')
                {
                    (target, line) = (readers[1], line[2..].Trim());
                }

                target.Present(line);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The demo owns Ctrl+C and stops its hosts in order, so the hosts themselves do not listen for it.</summary>
    private sealed class DemoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
