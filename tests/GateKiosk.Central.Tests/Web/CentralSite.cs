using System.Globalization;
using System.Text.RegularExpressions;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Tests.EndToEnd;
using GateKiosk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace GateKiosk.Central.Tests.Web;

/// <summary>
/// Central on a free loopback port with a temporary data folder and one user per role (<c>{role}-user</c>, password
/// <see cref="Password"/>), and Debian's Chromium driven by Playwright. Shared by the tests of a class; each test
/// opens its own browser context, so cookies do not leak between tests.
/// </summary>
public sealed class CentralSite : IAsyncLifetime
{
    public const string Password = "correct-horse-battery";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "gk-site-" + Guid.NewGuid().ToString("N")[..8]);
    private RunningCentral? _central;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    internal RunningCentral Central => _central ?? throw new InvalidOperationException("not started");

    public string Url => Central.Http.BaseAddress!.ToString().TrimEnd('/');

    public HttpClient Http => Central.Http;

    internal AccountService Accounts => Central.Services.GetRequiredService<AccountService>();

    public async Task InitializeAsync()
    {
        _central = await RunningCentral.StartAsync(Path.Combine(_folder, "central"), new Dictionary<string, string?>
        {
            // No broker: the collector keeps trying in the background; the pages answer from the store.
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Mosquitto.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Critical",

            // The tests of a class sign in many times from one address; SignInLimitTests tries the limit.
            ["Central:SignInAttemptsPerMinute"] = "10000",

            // Presence days end six hours before the start (in the default zone), so the entries the tests store an hour
            // or two ago are on site whatever the time of day the tests run.
            ["Central:PresenceEndOfDay"] = PresenceEndOfDay,
        });
        foreach (var role in Roles.All)
        {
            AddUser(UserOf(role), role);
        }
    }

    /// <summary>The end of a presence day: six hours before now, in the sites' default time zone.</summary>
    public static readonly string PresenceEndOfDay = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddHours(-6), TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh"))
        .ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The user name made for <paramref name="role"/>.</summary>
    public static string UserOf(string role) => role + "-user";

    /// <summary>Adds a user with <see cref="Password"/>.</summary>
    public void AddUser(string userName, string role)
    {
        var change = Accounts.Add(userName, "Test " + userName, Password, role, ["*"]);
        Assert.True(change.Done, change.Error);
    }

    /// <summary>A personal token of <paramref name="userName"/>, made directly in the store.</summary>
    public (string Token, long Id) TokenOf(string userName) => Accounts.CreateToken(Accounts.Store.Find(userName)!, "test");

    /// <summary>Chromium, started on first use; the test is skipped when Debian's chromium is not installed.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        Skip.IfNot(File.Exists(Chromium.Path), Chromium.NotInstalled);
        if (_browser is null)
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await LaunchAsync(_playwright);
        }

        return _browser;
    }

    /// <summary>Debian's Chromium through Playwright (which cannot download its own browsers here).</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (no cookies) on a phone-sized screen, and a page in it.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Url, ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page signed in as <paramref name="userName"/>, on the page sign-in leads to.</summary>
    public async Task<IPage> SignInAsync(string userName, string password = Password)
    {
        var page = await NewPageAsync();
        await SignInAsync(page, Url, userName, password);
        return page;
    }

    /// <summary>Fills the sign-in form at <paramref name="url"/> and waits until the browser has left it.</summary>
    public static async Task SignInAsync(IPage page, string url, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(url + "/signin");
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#signin");
        // The server-rendered page is enough: its images and the live tail's requests need not have finished.
        await page.WaitForURLAsync(new Regex("^(?!.*/signin)"), new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_central is not null)
        {
            await _central.DisposeAsync();
        }

        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
