using System.Security.Cryptography;
using System.Text.Json;
using GateKiosk.Central.Accounts;
using GateKiosk.Central.Api;
using GateKiosk.Central.Storage;
using GateKiosk.Contracts;
using GateKiosk.Core.Commands;

namespace GateKiosk.Central.Policy;

/// <summary>
/// <c>POST /api/kiosks/{site}/{kiosk}/commands</c> with <c>{"type":"open-once" | "lockdown" | "release-lockdown"}</c>:
/// central signs the command with its policy key (target kiosk, 30 s expiry, nonce, the sending user) and sends it.
/// Admins, managers and guards, for the sites of their account; every command sent or refused is in the audit trail
/// with the user. 202 with the command id (the kiosk's answer arrives on <c>…/cmd/result</c>); 503 when the broker
/// cannot be reached now.
/// </summary>
internal static class DoorCommandEndpoints
{
    public static WebApplication MapDoorCommands(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/kiosks/{site}/{kiosk}/commands", SendAsync).RequireAuthorization(ApiAccess.Policy, Policies.ApiDoorCommands);
        return app;
    }

    private static async Task<IResult> SendAsync(string site, string kiosk, HttpContext http, PolicyPublisher publisher, PolicyKeys keys, IAuditLog audit, TimeProvider time)
    {
        var user = http.User.Identity?.Name ?? "?";
        if (!Ids.IsValid(site) || !Ids.IsValid(kiosk))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid", "site and kiosk must be ids ([a-z0-9-]).");
        }

        string? type = null;
        if (http.Request.ContentLength is null or <= 1024)
        {
            try
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 2 }, http.RequestAborted);
                type = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException)
            {
            }
        }

        if (type is not (CommandTypes.OpenOnce or CommandTypes.Lockdown or CommandTypes.ReleaseLockdown))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid", "type: open-once, lockdown or release-lockdown.");
        }

        if (!SiteScope.Of(http.User).Allows(site))
        {
            await audit.AppendAuditAsync(new AuditRecord(time.GetUtcNow(), user, "door-command", $"site={site} kiosk={kiosk} refused=not-your-site"), http.RequestAborted);
            return Error(StatusCodes.Status403Forbidden, "forbidden", "not a site of your account.");
        }

        var now = time.GetUtcNow();
        var command = new SignedCommand
        {
            CommandId = Guid.CreateVersion7(),
            Type = type,
            SiteId = site,
            KioskId = kiosk,
            IssuedAt = now,
            ExpiresAt = now + SignedCommand.DefaultLifetime,
            Nonce = RandomNumberGenerator.GetBytes(16),
            IssuedBy = user.Length > 64 ? user[..64] : user,
        };
        var sent = await publisher.SendCommandAsync(site, kiosk, command.Sign(keys.SigningKey), http.RequestAborted);
        await audit.AppendAuditAsync(new AuditRecord(now, user, "door-command", $"type={type} site={site} kiosk={kiosk} command={command.CommandId} {(sent ? "sent" : "refused=broker-unreachable")} from={http.Connection.RemoteIpAddress?.ToString() ?? "-"}"), http.RequestAborted);
        return sent
            ? Results.Json(new SentCommand(command.CommandId, type, command.ExpiresAt), DoorCommandJson.Default.SentCommand, statusCode: StatusCodes.Status202Accepted)
            : Error(StatusCodes.Status503ServiceUnavailable, "broker-unreachable", "the broker cannot be reached now; nothing was sent.");
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new ApiError(code, message), CentralJsonContext.Default.ApiError, statusCode: status);
}

/// <summary>What was sent: the id the kiosk's result will carry, and until when the kiosk accepts it.</summary>
internal sealed record SentCommand(Guid CommandId, string Type, DateTimeOffset ExpiresAt);

[System.Text.Json.Serialization.JsonSerializable(typeof(SentCommand))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class DoorCommandJson : System.Text.Json.Serialization.JsonSerializerContext
{
}
