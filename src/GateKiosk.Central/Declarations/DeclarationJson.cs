using System.Text.Json;
using System.Text.Json.Serialization;

namespace GateKiosk.Central.Declarations;

/// <summary>JSON of the declaration records (web defaults: camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DeclarationForm))]
[JsonSerializable(typeof(DeclarationAnswers))]
[JsonSerializable(typeof(DeclarationReply))]
[JsonSerializable(typeof(SiteView))]
[JsonSerializable(typeof(List<SiteView>))]
[JsonSerializable(typeof(DeclarationView))]
[JsonSerializable(typeof(DeclarationPage))]
[JsonSerializable(typeof(DeclarationProblem))]
internal sealed partial class DeclarationJson : JsonSerializerContext;

/// <summary>A site as <c>GET /api/sites</c> shows it.</summary>
internal sealed record SiteView(string Id, string Name, string Address, string TimeZone, DeclarationForm Form, string DeclarationUrl);

/// <summary>One declaration as <c>GET /api/declarations</c> shows it.</summary>
internal sealed record DeclarationView(long Id, string Site, DateTimeOffset SubmittedAt, string Subject, string Status, string PassId, DeclarationAnswers Answers);

/// <summary>A page of declarations, newest first; <c>nextCursor</c> continues below the last.</summary>
internal sealed record DeclarationPage(IReadOnlyList<DeclarationView> Items, string? NextCursor);

/// <summary>The answer to a declaration: the pass as text, the end of its day, and the status it carries.</summary>
internal sealed record DeclarationReply(string Pass, DateTimeOffset ValidUntil, string Status);

/// <summary>A refused declaration: which field, and what is wrong with it.</summary>
internal sealed record DeclarationProblem(string Error, string Field, string Message);
