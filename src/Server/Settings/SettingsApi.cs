using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Settings;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Settings;

internal static class SettingsApi
{
    public static IHostApplicationBuilder AddSettingsSnapshots(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ISettingsSnapshotService, SettingsSnapshotService>();
        return builder;
    }

    public static RouteGroupBuilder MapSettingsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/servers/{id:guid}/settings-snapshots").WithTags("Settings").RequireAuthorization(Policies.Read);
        group.MapPost("/", UploadAsync).WithName("UploadSettingsSnapshot")
            .WithSummary("Store the server's MTA settings: postconf -n (+ postconf -P) text for Postfix, carbonio prov gcf / zmprov gacf text for Carbonio/Zimbra, the options object for MailEnable. The answer lists the lines that were ignored.")
            .RequireAuthorization(Policies.ServersWrite).Produces<SettingsSnapshotDto>(StatusCodes.Status201Created).WithStandardProblems(400, 404, 413, 503);
        group.MapGet("/latest", LatestAsync).WithName("GetLatestSettingsSnapshot")
            .WithSummary("The newest settings snapshot of the server; 404 when the server has none.")
            .Produces<SettingsSnapshotDto>().WithStandardProblems(404);
        return api;
    }

    private static async Task<IResult> UploadAsync(Guid id, SettingsSnapshotInput input, ISettingsSnapshotService snapshots, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await snapshots.UploadAsync(id, input, context.User.Identity?.Name, cancellationToken);
        return result.Succeeded
            ? TypedResults.CreatedAtRoute(result.Value, "GetLatestSettingsSnapshot", new { id })
            : result.ToProblem();
    }

    private static async Task<IResult> LatestAsync(Guid id, ISettingsSnapshotService snapshots, CancellationToken cancellationToken)
    {
        var result = await snapshots.GetLatestAsync(id, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }
}
