using System.Security.Claims;
using System.Text.Json;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Http.Features;

namespace GateKiosk.Central.Declarations;

/// <summary>
/// <c>GET /api/sites</c> for admins and managers (a manager sees the sites of their account), and for admins
/// <c>POST /api/sites</c> (add) and <c>PUT /api/sites/{id}</c> (name, address, time zone): 400 names the wrong field,
/// 404 an unknown site, 409 an id already taken.
/// </summary>
internal static class SiteEndpoints
{
    /// <summary>A site is a few hundred bytes.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    private static readonly string[] Fields = [SiteInput.IdField, SiteInput.NameField, SiteInput.AddressField, SiteInput.TimeZoneField];

    public static WebApplication MapSites(this WebApplication app)
    {
        app.MapGet("/api/sites", GetSites).RequireAuthorization(ApiAccess.Policy, Policies.ApiPeople);
        app.MapPost("/api/sites", AddAsync).RequireAuthorization(ApiAccess.Policy, Policies.ApiSites);
        app.MapPut("/api/sites/{id}", EditAsync).RequireAuthorization(ApiAccess.Policy, Policies.ApiSites);
        return app;
    }

    private static IResult GetSites(ClaimsPrincipal user, SiteEditor editor) =>
        Results.Json(editor.Visible(user).Select(editor.View).ToList(), DeclarationJson.Default.ListSiteView);

    private static async Task<IResult> AddAsync(HttpContext http, SiteEditor editor)
    {
        var (body, problem) = await ReadAsync(http);
        if (body is null)
        {
            return problem!;
        }

        var edit = await editor.AddAsync(http.User, body.GetValueOrDefault(SiteInput.IdField), body.GetValueOrDefault(SiteInput.NameField),
            body.GetValueOrDefault(SiteInput.AddressField), body.GetValueOrDefault(SiteInput.TimeZoneField), http.RequestAborted);
        if (edit.Status == SiteEditStatus.Done)
        {
            http.Response.Headers.Location = "/api/sites/" + edit.Site!.Id;
            return Results.Json(editor.View(edit.Site), DeclarationJson.Default.SiteView, statusCode: StatusCodes.Status201Created);
        }

        return Refused(edit);
    }

    private static async Task<IResult> EditAsync(string id, HttpContext http, SiteEditor editor)
    {
        var (body, problem) = await ReadAsync(http);
        if (body is null)
        {
            return problem!;
        }

        if (body.GetValueOrDefault(SiteInput.IdField) is { } other && other != id)
        {
            return Invalid(new DeclarationError(SiteInput.IdField, "cannot be changed: a site's id is what its kiosks carry."));
        }

        var edit = await editor.EditAsync(http.User, id, body.GetValueOrDefault(SiteInput.NameField), body.GetValueOrDefault(SiteInput.AddressField),
            body.GetValueOrDefault(SiteInput.TimeZoneField), http.RequestAborted);
        return edit.Status == SiteEditStatus.Done ? Results.Json(editor.View(edit.Site!), DeclarationJson.Default.SiteView) : Refused(edit);
    }

    private static IResult Refused(SiteEdit edit) => edit.Status switch
    {
        SiteEditStatus.Invalid => Invalid(edit.Error!),
        SiteEditStatus.Exists => Results.Json(new ApiError("exists", $"There is already a site '{edit.Site?.Id}'."), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status409Conflict),
        _ => Results.Json(new ApiError("not-found", "There is no such site."), CentralJsonContext.Default.ApiError, statusCode: StatusCodes.Status404NotFound),
    };

    /// <summary>The body's string fields by name, or a 400 naming the field that is not a string or not a site field.</summary>
    private static async Task<(Dictionary<string, string>? Body, IResult? Problem)> ReadAsync(HttpContext http)
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Invalid(new DeclarationError("body", "send the site as application/json.")));
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return (null, Invalid(new DeclarationError("body", $"is over {MaxBodyBytes} bytes.")));
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 4 }, http.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid(new DeclarationError("body", "must be a JSON object.")));
            }

            var body = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Fields.Contains(property.Name, StringComparer.Ordinal))
                {
                    return (null, Invalid(new DeclarationError(property.Name, $"is not a site field ({string.Join(", ", Fields)}).")));
                }

                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    body[property.Name] = property.Value.GetString()!;
                }
                else if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    return (null, Invalid(new DeclarationError(property.Name, "must be a string.")));
                }
            }

            return (body, null);
        }
        catch (JsonException)
        {
            return (null, Invalid(new DeclarationError("body", "is not valid JSON.")));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Invalid(new DeclarationError("body", $"is over {MaxBodyBytes} bytes.")));
        }
    }

    private static IResult Invalid(DeclarationError error) =>
        Results.Json(new DeclarationProblem("invalid", error.Field, $"{error.Field} {error.Message}"), DeclarationJson.Default.DeclarationProblem, statusCode: StatusCodes.Status400BadRequest);
}
