using BackscatterConsole.Shared.Users;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Servers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BackscatterConsole.Server.Servers;

internal static class ServersApi
{
    public static IHostApplicationBuilder AddServers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<IServerInventory, ServerInventory>();
        return builder;
    }

    public static RouteGroupBuilder MapServersApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/servers").WithTags("Servers").RequireAuthorization(Policies.Read);
        group.MapGet("/", ListAsync).WithName("ListServers").WithSummary("List managed servers with search, filters (platform, tag, risk range, status of the worst finding, a check failing or warning in the latest scan, emitting backscatter now), multi-column sorting and paging.").WithStandardProblems(400);
        group.MapPost("/tags", ChangeTagsAsync).WithName("ChangeServerTags").Produces<ServerTagsResultDto>()
            .WithSummary("Add and remove tags on several servers at once; each changed server gets a new revision and an audit entry.")
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 413, 503);
        group.MapGet("/{id:guid}", GetAsync).WithName("GetServer").WithSummary("Get one server; the ETag header carries its revision.").WithStandardProblems(404);
        group.MapPost("/", CreateAsync).WithName("CreateServer").WithSummary("Add a managed server.").Produces<ServerDto>(StatusCodes.Status201Created)
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 409, 413, 503);
        group.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateServer").Produces<ServerDto>().WithSummary("Replace a server. Send If-Match with the ETag you read; a stale one gives 412.")
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(400, 404, 409, 412, 413, 428, 503);
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteServer").Produces(StatusCodes.Status204NoContent).WithSummary("Delete a server; If-Match is honoured when sent.")
            .RequireAuthorization(Policies.ServersWrite).WithStandardProblems(404, 412, 503);
        return api;
    }

    private static async Task<Results<Ok<PagedResult<ServerDto>>, ValidationProblem>> ListAsync(
        IServerInventory inventory,
        CancellationToken cancellationToken,
        string? q = null,
        string? platform = null,
        string? tag = null,
        string? sort = null,
        int page = 1,
        int pageSize = 25,
        int? minRisk = null,
        int? maxRisk = null,
        string? status = null,
        string? check = null,
        bool? emitting = null)
    {
        var result = await inventory.ListAsync(new ServerQuery(q, platform, tag, sort, page, pageSize, minRisk, maxRisk, status, check, emitting), cancellationToken);
        return result.Succeeded
            ? TypedResults.Ok(result.Value)
            : TypedResults.ValidationProblem(result.Errors!.ToDictionary(), title: result.Message);
    }

    private static async Task<IResult> ChangeTagsAsync(ServerTagsInput input, IServerInventory inventory, CancellationToken cancellationToken)
    {
        var result = await inventory.ChangeTagsAsync(input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Results<Ok<ServerDto>, ProblemHttpResult>> GetAsync(Guid id, IServerInventory inventory, HttpContext context, CancellationToken cancellationToken)
    {
        var server = await inventory.GetAsync(id, cancellationToken);
        if (server is null)
        {
            return ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No server has the id {id}.");
        }

        context.Response.Headers.ETag = ETags.For(server.Revision);
        return TypedResults.Ok(server);
    }

    private static async Task<IResult> CreateAsync(ServerInput input, IServerInventory inventory, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await inventory.CreateAsync(input, cancellationToken);
        if (!result.Succeeded)
        {
            return result.ToProblem();
        }

        context.Response.Headers.ETag = ETags.For(result.Value!.Revision);
        return TypedResults.CreatedAtRoute(result.Value, "GetServer", new { id = result.Value.Id });
    }

    private static async Task<IResult> UpdateAsync(
        Guid id,
        ServerInput input,
        IServerInventory inventory,
        HttpContext context,
        [FromHeader(Name = "If-Match")] string? ifMatch,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ApiExtensions.Problem(StatusCodes.Status428PreconditionRequired, "Precondition required", "Send If-Match with the ETag from GET /api/v1/servers/{id} (or '*' to overwrite whatever is there), so a concurrent change is not silently overwritten.");
        }

        if (!ETags.TryParse(ifMatch, out var expected))
        {
            return ApiExtensions.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", $"If-Match '{ifMatch}' is not an ETag this API issued.");
        }

        var result = await inventory.UpdateAsync(id, input, expected, cancellationToken);
        if (!result.Succeeded)
        {
            return result.ToProblem();
        }

        context.Response.Headers.ETag = ETags.For(result.Value!.Revision);
        return TypedResults.Ok(result.Value);
    }

    private static async Task<IResult> DeleteAsync(Guid id, IServerInventory inventory, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken cancellationToken)
    {
        long? expected = null;
        if (!string.IsNullOrWhiteSpace(ifMatch) && !ETags.TryParse(ifMatch, out expected))
        {
            return ApiExtensions.Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", $"If-Match '{ifMatch}' is not an ETag this API issued.");
        }

        var result = await inventory.DeleteAsync(id, expected, cancellationToken);
        return result.Succeeded ? TypedResults.NoContent() : result.ToProblem();
    }
}

/// <summary>Strong ETags carrying an object's revision.</summary>
internal static class ETags
{
    public static string For(long revision) => $"\"{revision}\"";

    /// <summary>Parses an If-Match value; <c>*</c> matches any revision (<paramref name="revision"/> null).</summary>
    public static bool TryParse(string value, out long? revision)
    {
        revision = null;
        var text = value.Trim();
        if (text == "*")
        {
            return true;
        }

        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"' && long.TryParse(text[1..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            revision = parsed;
            return true;
        }

        return false;
    }
}
