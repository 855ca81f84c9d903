using System.Collections.Concurrent;
using BackscatterConsole.Shared.Agents;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>What the fake console saw from agents.</summary>
public sealed class ConsoleLog
{
    public const string Token = "one-time-token";

    public static readonly Guid AgentId = Guid.Parse("0b5f2a9c-1d44-4e0f-a6a1-3c9d2e7f8a10");

    public static readonly Guid ServerId = Guid.Parse("6d1f2f0e-35a4-4a4f-9d8e-2a3f0c1b5e77");

    public string Credential { get; } = "cred-" + Guid.NewGuid().ToString("N");

    public int Enrollments;

    public bool TokenSpent;

    /// <summary>The hub refuses the credential with 401 on negotiate and on the WebSocket request, as the real console does for a revoked one.</summary>
    public volatile bool RefuseCredential;

    /// <summary>The hub accepts connections and aborts them at once (an authenticated connection the console drops).</summary>
    public volatile bool AbortConnections;

    /// <summary>Requests to the hub path (negotiate and WebSocket), refused ones included.</summary>
    public int HubRequests;

    /// <summary>Connections that reached the hub's OnConnectedAsync.</summary>
    public int ConnectAttempts;

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    public ConcurrentDictionary<string, HubCallerContext> Contexts { get; } = new();

    public ConcurrentQueue<EnrollmentRequest> EnrollmentRequests { get; } = new();

    public ConcurrentQueue<string> Connections { get; } = new();

    public ConcurrentQueue<AgentHello> Hellos { get; } = new();

    public ConcurrentQueue<AgentHeartbeat> Heartbeats { get; } = new();

    public ConcurrentQueue<AgentSnapshotReport> Snapshots { get; } = new();

    public ConcurrentQueue<JobStepEvent> Steps { get; } = new();

    public ConcurrentQueue<JobCompletion> Completions { get; } = new();

    public ConcurrentQueue<EmissionReport> Emissions { get; } = new();
}

/// <summary>The console side of the contract in BackscatterConsole.Shared.Agents, as small as a test can make it.</summary>
public sealed class FakeAgentsHub(ConsoleLog log) : Hub
{
    public override Task OnConnectedAsync()
    {
        Interlocked.Increment(ref log.ConnectAttempts);
        if (log.AbortConnections)
        {
            Context.Abort();
            return Task.CompletedTask;
        }

        log.Connections.Enqueue(Context.ConnectionId);
        log.Contexts[Context.ConnectionId] = Context;
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        log.Contexts.TryRemove(Context.ConnectionId, out _);
        return base.OnDisconnectedAsync(exception);
    }

    public AgentWelcome Hello(AgentHello hello)
    {
        log.Hellos.Enqueue(hello);
        return new AgentWelcome(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    public void Heartbeat(AgentHeartbeat heartbeat) => log.Heartbeats.Enqueue(heartbeat);

    public void ReportSnapshot(AgentSnapshotReport report) => log.Snapshots.Enqueue(report);

    public void ReportJobStep(JobStepEvent step) => log.Steps.Enqueue(step);

    public void ReportJobCompleted(JobCompletion completion) => log.Completions.Enqueue(completion);

    public void ReportEmission(EmissionReport report) => log.Emissions.Enqueue(report);
}

public static class FakeConsole
{
    /// <summary>
    /// Maps the enrollment endpoint (one token, usable once) and the agents hub, which admits only the issued credential
    /// as a bearer token (header, or <c>access_token</c> like the real console) and answers anything else with 401.
    /// </summary>
    public static void Map(WebApplication app, ConsoleLog log)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(AgentHub.Path))
            {
                Interlocked.Increment(ref log.HubRequests);
                string? header = context.Request.Headers.Authorization;
                log.AuthorizationHeaders.Enqueue(header ?? string.Empty);
                var credential = header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : context.Request.Query["access_token"].ToString();
                if (log.RefuseCredential || credential != log.Credential)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }
            }

            await next(context);
        });

        app.MapPost(AgentHub.EnrollPath, (EnrollmentRequest request) =>
        {
            Interlocked.Increment(ref log.Enrollments);
            log.EnrollmentRequests.Enqueue(request);
            if (request.Token != ConsoleLog.Token || log.TokenSpent)
            {
                return Results.Problem(statusCode: 401, title: "Enrollment refused", detail: "The token is unknown, expired or already used.");
            }

            log.TokenSpent = true;
            return Results.Ok(new EnrollmentResponse(ConsoleLog.AgentId, ConsoleLog.ServerId, log.Credential, AgentHub.Path));
        });
        app.MapHub<FakeAgentsHub>(AgentHub.Path);
    }

    public static Task<TestHubServer> StartAsync(ConsoleLog log, int port = 0) =>
        TestHubServer.StartAsync(port, configure: services => services.AddSingleton(log), map: app => Map(app, log));
}
