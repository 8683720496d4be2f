using System.Text;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.People;
using GateKiosk.Central.Storage;
using GateKiosk.Central.Web.Exports;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace GateKiosk.Central.Web.Pages;

/// <summary>
/// Staff and their badges for the user's sites: add, change, remove, import and export as CSV; and, per kiosk, the badges
/// it would admit (people whose sites include the kiosk's). Admins and managers.
/// </summary>
[Authorize(Policy = Policies.People)]
[RequestSizeLimit(MaxImportBytes + 64 * 1024)]
internal sealed class PeopleModel(PeopleService people, IKioskSummaries kiosks, IStringLocalizer<Strings> strings) : PageModel
{
    /// <summary>Largest staff CSV an import takes.</summary>
    public const int MaxImportBytes = 8 * 1024 * 1024;

    public IReadOnlyList<StaffMember> People { get; private set; } = [];

    /// <summary>Kiosks of the user's sites, each with the badge numbers it would admit.</summary>
    public IReadOnlyList<(KioskSummary Kiosk, IReadOnlyList<string> Badges)> Admits { get; private set; } = [];

    /// <summary>The record being changed; null for a new one.</summary>
    public StaffMember? Editing { get; private set; }

    /// <summary>What the form shows after a refused save: what was typed.</summary>
    public StaffInput? Typed { get; private set; }

    public string? Message { get; private set; }

    public bool Done { get; private set; }

    public IReadOnlyList<string> ImportErrors { get; private set; } = [];

    public async Task OnGetAsync(long? edit, CancellationToken cancellationToken)
    {
        if (edit is { } id && people.Store.Find(id) is { } person && SiteScope.Of(User).AllowsAll(person.Sites))
        {
            Editing = person;
        }

        await LoadAsync(cancellationToken);
    }

    public async Task OnPostAsync(long id, string? employeeId, string? name, string? department, string? sites, string? badges, string? schedule, CancellationToken cancellationToken)
    {
        var input = new StaffInput(employeeId, name, department, sites, badges, schedule);
        var change = await people.SaveAsync(id, input, PeopleServices.ActorOf(HttpContext), cancellationToken);
        Done = change.Done;
        Message = change.Done ? strings[id == 0 ? "People.Added" : "People.Changed"] : strings[change.ErrorKey!];
        if (!change.Done)
        {
            Typed = input;
            Editing = id == 0 ? null : people.Store.Find(id);
        }

        await LoadAsync(cancellationToken);
    }

    public async Task OnPostRemoveAsync(long id, CancellationToken cancellationToken)
    {
        var change = await people.RemoveAsync(id, PeopleServices.ActorOf(HttpContext), cancellationToken);
        Done = change.Done;
        Message = change.Done ? strings["People.Removed"] : strings[change.ErrorKey!];
        await LoadAsync(cancellationToken);
    }

    public async Task OnPostImportAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0 || file.Length > MaxImportBytes)
        {
            Message = strings["People.ImportNoFile"];
        }
        else
        {
            using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var result = await people.ImportAsync(reader, PeopleServices.ActorOf(HttpContext), cancellationToken);
            Done = result.Errors.Count == 0;
            Message = string.Format(System.Globalization.CultureInfo.CurrentCulture, strings["People.Imported"], result.Added, result.Changed, result.Errors.Count);
            ImportErrors = [.. result.Errors.Take(50).Select(e => string.Format(System.Globalization.CultureInfo.CurrentCulture, strings["People.LineError"], e.Line, strings[e.ErrorKey]))];
        }

        await LoadAsync(cancellationToken);
    }

    /// <summary>The user's people as CSV or XLSX, streamed; the export is audited with its format and row count.</summary>
    public async Task<IActionResult> OnGetExportAsync(string? format, CancellationToken cancellationToken)
    {
        format ??= ExportFormats.Csv;
        if (!ExportFormats.IsValid(format))
        {
            return BadRequest();
        }

        var actor = PeopleServices.ActorOf(HttpContext);
        await TableExport.WriteAsync(Response, format, "people", "people", PeopleCsv.Header, people.ExportRows(actor),
            rows => people.AuditExportAsync(actor, format, rows, CancellationToken.None), cancellationToken);
        return new EmptyResult();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var scope = SiteScope.Of(User);
        People = people.List(scope);
        var all = people.Store.List();
        Admits = [.. (await kiosks.GetKiosksAsync(cancellationToken))
            .Where(k => k.SiteId.Length > 0 && scope.Allows(k.SiteId))
            .Select(k => (k, (IReadOnlyList<string>)[.. all.Where(p => p.MayEnter(k.SiteId)).SelectMany(p => p.Badges).Order(StringComparer.Ordinal)]))];
    }
}
