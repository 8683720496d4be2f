using System.Text.Json;
using GateKiosk.Central.Api;
using Microsoft.AspNetCore.Http.Features;

namespace GateKiosk.Central.People;

/// <summary>
/// <c>POST /api/people</c> (add), <c>PUT /api/people/{id}</c> (replace) and <c>DELETE /api/people/{id}</c> for admins and
/// managers within their sites. The body is the same record as a row of the people CSV: <c>employeeId</c>, <c>name</c>,
/// <c>department</c>, <c>sites</c>, <c>badges</c> and <c>schedule</c>, each a string. 400 names the message key of what is
/// wrong, 404 an unknown person, 409 an employee id or badge that is someone else's. Each change is audited, and the
/// sites' policies follow within seconds.
/// </summary>
internal static class PeopleEndpoints
{
    /// <summary>A person is a few hundred bytes.</summary>
    public const int MaxBodyBytes = 8 * 1024;

    private static readonly string[] Fields = ["employeeId", "name", "department", "sites", "badges", "schedule"];

    public static WebApplication MapPeopleApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/people").RequireAuthorization(ApiAccess.Policy, Policies.ApiPeopleWrite);
        api.MapPost("", (HttpContext http, PeopleService people) => SaveAsync(0, http, people));
        api.MapPut("/{id}", (string id, HttpContext http, PeopleService people) => long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? SaveAsync(n, http, people)
            : Task.FromResult(BadId()));
        api.MapDelete("/{id}", (string id, HttpContext http, PeopleService people) => long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? RemoveAsync(n, http, people)
            : Task.FromResult(BadId()));
        return app;
    }

    private static async Task<IResult> SaveAsync(long id, HttpContext http, PeopleService people)
    {
        var (body, problem) = await ReadAsync(http);
        if (body is null)
        {
            return problem!;
        }

        var input = new StaffInput(body.GetValueOrDefault("employeeId"), body.GetValueOrDefault("name"), body.GetValueOrDefault("department"),
            body.GetValueOrDefault("sites"), body.GetValueOrDefault("badges"), body.GetValueOrDefault("schedule"));
        var change = await people.SaveAsync(id, input, PeopleServices.ActorOf(http), http.RequestAborted);
        if (change.Done)
        {
            return id == 0
                ? Results.Json(new PersonId(change.Id), PeopleJson.Default.PersonId, statusCode: StatusCodes.Status201Created)
                : Results.Json(new PersonId(change.Id), PeopleJson.Default.PersonId);
        }

        return Refused(change.ErrorKey!);
    }

    private static async Task<IResult> RemoveAsync(long id, HttpContext http, PeopleService people)
    {
        var change = await people.RemoveAsync(id, PeopleServices.ActorOf(http), http.RequestAborted);
        return change.Done ? Results.NoContent() : Refused(change.ErrorKey!);
    }

    private static IResult BadId() => Error(StatusCodes.Status400BadRequest, "invalid", "id: a person's id is a positive number.");

    private static IResult Refused(string key) => key switch
    {
        "People.Error.Gone" => Error(StatusCodes.Status404NotFound, "not-found", key),
        "People.Error.Taken" => Error(StatusCodes.Status409Conflict, "taken", key),
        "People.Error.NotYourSites" => Error(StatusCodes.Status403Forbidden, "forbidden", key),
        _ => Error(StatusCodes.Status400BadRequest, "invalid", key),
    };

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new ApiError(code, message), CentralJsonContext.Default.ApiError, statusCode: status);

    private static async Task<(Dictionary<string, string>? Body, IResult? Problem)> ReadAsync(HttpContext http)
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Error(StatusCodes.Status400BadRequest, "invalid", "body: send the person as application/json."));
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "invalid", $"body: is over {MaxBodyBytes} bytes."));
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
                return (null, Error(StatusCodes.Status400BadRequest, "invalid", "body: must be a JSON object."));
            }

            var body = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Fields.Contains(property.Name, StringComparer.Ordinal) || property.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, Error(StatusCodes.Status400BadRequest, "invalid", $"{property.Name}: is not a person field ({string.Join(", ", Fields)}) given as a string."));
                }

                body[property.Name] = property.Value.GetString()!;
            }

            return (body, null);
        }
        catch (JsonException)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "invalid", "body: is not JSON."));
        }
        catch (BadHttpRequestException)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "invalid", $"body: is over {MaxBodyBytes} bytes."));
        }
    }
}

/// <summary>The id of the person added or changed.</summary>
internal sealed record PersonId(long Id);

[System.Text.Json.Serialization.JsonSerializable(typeof(PersonId))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PeopleJson : System.Text.Json.Serialization.JsonSerializerContext
{
}
