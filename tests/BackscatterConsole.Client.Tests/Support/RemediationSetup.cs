using System.Security.Claims;
using BackscatterConsole.Server.Agents;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Jobs;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Settings;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace BackscatterConsole.Client.Tests.Support;

/// <summary>
/// Set-up for the change pages through the console's real services: a server with a settings snapshot whose checks an
/// agent can fix, an enrolled agent, change requests, and agent reports fed to the same code the agents hub calls.
/// </summary>
public static class RemediationSetup
{
    /// <summary>Two settings an agent fixes with <c>postconf -e</c>: <c>mta.bounce-hygiene</c> and <c>mta.unlisted-sender</c>.</summary>
    public const string WeakPostconf = "soft_bounce = yes\nsmtpd_reject_unlisted_sender = no\n";

    public const string BounceCheck = "mta.bounce-hygiene";

    public const string UnlistedSenderCheck = "mta.unlisted-sender";

    /// <summary>A Postfix server with the weak snapshot and an enrolled agent that has never connected.</summary>
    public static async Task<(ServerDto Server, Guid AgentId)> AddServerWithAgentAsync(this ConsoleHost host, string name)
    {
        ArgumentNullException.ThrowIfNull(host);
        var server = await host.AddServerAsync(name);
        await host.UploadSnapshotAsync(server.Id);
        return (server, await host.EnrollAgentAsync(server.Id));
    }

    public static Task UploadSnapshotAsync(this ConsoleHost host, Guid serverId, string text = WeakPostconf) =>
        host.WithAsync<ISettingsSnapshotService, bool>(async snapshots =>
        {
            var result = await snapshots.UploadAsync(serverId, new SettingsSnapshotInput { Text = text }, "test", CancellationToken.None);
            return result.Succeeded ? true : throw new InvalidOperationException(result.Describe());
        });

    /// <summary>Creates a one-time token and spends it as an agent would.</summary>
    public static async Task<Guid> EnrollAgentAsync(this ConsoleHost host, Guid serverId)
    {
        ArgumentNullException.ThrowIfNull(host);
        var admin = await host.CreateUserAsync(Roles.Admin);
        return await host.WithAsync<IAgentAdministration, Guid>(async agents =>
        {
            var token = await agents.CreateEnrollmentAsync(serverId, new CreateEnrollmentInput(), admin.ToActor(), CancellationToken.None);
            var enrolled = await agents.EnrollAsync(new EnrollmentRequest(token.Value!.Token, "mx.example.com", AgentConnectorKind.Postfix, "1.2.3", "Debian 12"), CancellationToken.None);
            return enrolled.Value?.AgentId ?? throw new InvalidOperationException(enrolled.Describe());
        });
    }

    /// <summary>Marks the agent connected, as the agents hub does when it says hello, and announces it.</summary>
    public static async Task ConnectAgentAsync(this ConsoleHost host, Guid serverId, Guid agentId)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.WithAsync<AgentPresence, bool>(async presence =>
        {
            await presence.ConnectedAsync(agentId, serverId, new TestConnection(), CancellationToken.None);
            return true;
        });
        var now = DateTime.UtcNow;
        await host.WithAsync<AppDbContext, int>(db => db.Agents.Where(a => a.Id == agentId).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastConnectedAt, now).SetProperty(a => a.LastSeenAt, now)));
        await host.PublishAsync(new AgentPresenceEvent(serverId, agentId, AgentStatusDto.Online));
    }

    public static async Task<ChangeRequestDto> CreateRequestAsync(this ConsoleHost host, ClaimsPrincipal author, string title, params (Guid ServerId, string[] Checks)[] items)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(author);
        var input = new ChangeRequestInput
        {
            Title = title,
            Rationale = "Found by the checklist.",
            Items = items.Select(i => new ChangeRequestItemInput { ServerId = i.ServerId, CheckIds = [.. i.Checks] }).ToList(),
        };
        return Ok(await host.WithAsync<IChangeRequestService, OperationResult<ChangeRequestDto>>(r => r.CreateAsync(input, author.ToReviewActor(), CancellationToken.None)));
    }

    /// <summary>Runs a request service operation as <paramref name="user"/> and fails the test if it is refused.</summary>
    public static async Task<ChangeRequestDto> ActAsync(this ConsoleHost host, ClaimsPrincipal user, Func<IChangeRequestService, ReviewActor, Task<OperationResult<ChangeRequestDto>>> action)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(user);
        return Ok(await host.WithAsync<IChangeRequestService, OperationResult<ChangeRequestDto>>(r => action(r, user.ToReviewActor())));
    }

    /// <summary>A queued dry run for the server's agent.</summary>
    public static async Task<JobDto> CreateDryRunAsync(this ConsoleHost host, Guid serverId, params string[] checks)
    {
        ArgumentNullException.ThrowIfNull(host);
        var result = await host.WithAsync<IJobService, OperationResult<JobDto>>(jobs => jobs.CreateAsync(new CreateJobInput { ServerId = serverId, CheckIds = [.. checks], DryRun = true }, "tester", CancellationToken.None));
        return result.Value ?? throw new InvalidOperationException(result.Describe());
    }

    /// <summary>Feeds a step report to the console as the agents hub does.</summary>
    public static Task ReportStepAsync(this ConsoleHost host, Guid serverId, JobStepEvent step) =>
        host.WithAsync<JobReports, bool>(async reports =>
        {
            await reports.StepAsync(serverId, step, CancellationToken.None);
            return true;
        });

    /// <summary>Feeds a job's end to the console as the agents hub does.</summary>
    public static Task ReportCompletionAsync(this ConsoleHost host, Guid serverId, Guid agentId, JobCompletion completion) =>
        host.WithAsync<JobReports, bool>(async reports =>
        {
            await reports.CompletedAsync(serverId, agentId, completion, CancellationToken.None);
            return true;
        });

    private static ChangeRequestDto Ok(OperationResult<ChangeRequestDto> result) =>
        result.Value ?? throw new InvalidOperationException(result.Describe());

    /// <summary>A hub connection that exists only in the presence registry: the console treats the agent as online.</summary>
    private sealed class TestConnection : HubCallerContext
    {
        public override string ConnectionId { get; } = "test-" + Guid.NewGuid().ToString("N");

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
