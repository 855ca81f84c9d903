using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Alerts;
using BackscatterConsole.Shared.Users;

namespace BackscatterConsole.Server.Alerts;

internal static class AlertsApi
{
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertOptions>().Bind(builder.Configuration.GetSection(AlertOptions.Section))
            .Validate(o => o.RiskStep is >= 1 and <= 100, "Alerts:RiskStep must be between 1 and 100.")
            .Validate(o => o.RetryDelays.All(d => d >= TimeSpan.Zero) && o.WebhookTimeout > TimeSpan.Zero, "Alerts:RetryDelays must not be negative and Alerts:WebhookTimeout must be positive.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName);
        builder.Services.AddScoped<IAlertService, AlertService>();
        builder.Services.AddScoped<AlertEvaluator>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        builder.Services.AddHostedService<AlertMonitor>();
        return builder;
    }

    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/alerts").WithTags("Alerts");
        group.MapGet("/", ListAsync).WithName("ListAlerts").RequireAuthorization(Policies.Read)
            .WithSummary("Alerts, newest first: a server started emitting backscatter, was newly listed on a blocklist, or its risk rose by Alerts:RiskStep; one open alert per server and cause until it clears.")
            .WithDescription("open=true leaves out cleared alerts; limit 1–500 (default 100). Each alert says whether its webhook delivery succeeded.")
            .Produces<IReadOnlyList<AlertDto>>().WithStandardProblems(400);
        group.MapGet("/webhook", GetWebhookAsync).WithName("GetAlertWebhook").RequireAuthorization(Policies.Admin)
            .WithSummary("The console's webhook target (the secret is never returned, only whether one is set).")
            .Produces<WebhookSettingsDto>().WithStandardProblems();
        group.MapPut("/webhook", UpdateWebhookAsync).WithName("UpdateAlertWebhook").RequireAuthorization(Policies.Admin)
            .WithSummary("Set the webhook target: URL, signing secret (omit to keep the current one) and whether it is on. Alerts are posted as signed JSON (see the README for headers and verification).")
            .Produces<WebhookSettingsDto>().WithStandardProblems(400, 413, 503);
        return api;
    }

    private static async Task<IResult> ListAsync(IAlertService alerts, CancellationToken cancellationToken, bool open = false, int limit = 100) =>
        TypedResults.Ok(await alerts.ListAsync(open, limit, cancellationToken));

    private static async Task<IResult> GetWebhookAsync(IAlertService alerts, CancellationToken cancellationToken) =>
        TypedResults.Ok(await alerts.GetWebhookAsync(cancellationToken));

    private static async Task<IResult> UpdateWebhookAsync(WebhookSettingsInput input, IAlertService alerts, CancellationToken cancellationToken)
    {
        var result = await alerts.UpdateWebhookAsync(input, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }
}
