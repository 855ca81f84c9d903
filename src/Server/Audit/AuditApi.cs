using System.Globalization;
using System.Text;
using System.Text.Json;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BackscatterConsole.Server.Audit;

internal static class AuditApi
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditChainLock>();
        builder.Services.AddScoped<AuditTrail>();
        builder.Services.AddScoped<IAuditReader, AuditReader>();
        return builder;
    }

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(Policies.AuditRead);
        group.MapGet("/", ListAsync).WithName("ListAudit")
            .WithSummary("Audit entries, newest first, filtered by action, actor, object type/id and time range (from inclusive, to exclusive).")
            .WithStandardProblems(400);
        group.MapGet("/verify", VerifyAsync).WithName("VerifyAudit")
            .WithSummary("Recompute the hash chain: {intact, checked, firstBrokenId?}.").WithStandardProblems();
        group.MapGet("/export", ExportAsync).WithName("ExportAudit")
            .WithSummary("Every matching entry, oldest first, as CSV (format=csv) or JSON (format=json).")
            .Produces<List<AuditEntryDto>>(StatusCodes.Status200OK, "application/json")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // One status with two bodies of different shapes, which Produces cannot say: CSV text beside the JSON array.
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is Microsoft.OpenApi.OpenApiResponse response)
                {
                    response.Content ??= new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>();
                    response.Content["text/csv"] = new Microsoft.OpenApi.OpenApiMediaType { Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String } };
                }

                return Task.CompletedTask;
            })
            .WithStandardProblems(400);
        return api;
    }

    /// <summary>The portal's export link: the same export behind the sign-in cookie (the API itself takes bearer tokens only).</summary>
    public static IEndpointRouteBuilder MapAuditExportForPortal(this IEndpointRouteBuilder app)
    {
        app.MapGet("/audit/export", ExportAsync).RequireAuthorization(Policies.AuditRead).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<Ok<PagedResult<AuditEntryDto>>, ValidationProblem>> ListAsync(
        IAuditReader reader,
        CancellationToken cancellationToken,
        string? action = null,
        string? actor = null,
        string? objectType = null,
        string? objectId = null,
        DateTime? from = null,
        DateTime? to = null,
        int page = 1,
        int pageSize = 50)
    {
        var result = await reader.ListAsync(new AuditQuery(action, actor, objectType, objectId, from, to, page, pageSize), cancellationToken);
        return result.Succeeded
            ? TypedResults.Ok(result.Value)
            : TypedResults.ValidationProblem(result.Errors!.ToDictionary(), title: result.Message);
    }

    private static async Task<Ok<AuditVerification>> VerifyAsync(IAuditReader reader, CancellationToken cancellationToken) =>
        TypedResults.Ok(await reader.VerifyAsync(cancellationToken));

    private static async Task<IResult> ExportAsync(
        IAuditReader reader,
        HttpContext context,
        string? format = "csv",
        string? action = null,
        string? actor = null,
        string? objectType = null,
        string? objectId = null,
        DateTime? from = null,
        DateTime? to = null)
    {
        var query = new AuditQuery(action, actor, objectType, objectId, from, to);
        var json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        if (!json && !string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = [$"'{format}' is not an export format: use csv or json."] });
        }

        if (AuditReader.Validate(query) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var response = context.Response;
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        response.ContentType = json ? "application/json; charset=utf-8" : "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"audit-{stamp}.{(json ? "json" : "csv")}\"";
        var entries = reader.ExportAsync(query, context.RequestAborted);
        if (json)
        {
            await JsonSerializer.SerializeAsync(response.Body, entries, new JsonSerializerOptions(JsonSerializerDefaults.Web), context.RequestAborted);
            return TypedResults.Empty;
        }

        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync("id,occurredAt,actorId,actorName,sourceAddress,action,objectType,objectId,detail,before,after,previousHash,hash");
        await foreach (var e in entries)
        {
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                e.Id.ToString(CultureInfo.InvariantCulture), e.OccurredAt.ToString("O", CultureInfo.InvariantCulture), e.ActorId?.ToString(), e.ActorName,
                e.SourceAddress, e.Action, e.ObjectType, e.ObjectId, e.Detail, e.Before, e.After, e.PreviousHash, e.Hash,
            }.Select(Csv)));
        }

        return TypedResults.Empty;
    }

    /// <summary>RFC 4180 quoting; a leading formula character is prefixed so spreadsheets do not execute it.</summary>
    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
