using System.Collections.Concurrent;
using System.Diagnostics;
using BackscatterConsole.Shared.Jobs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace BackscatterConsole.Benchmarks.Agents;

/// <summary>
/// An API client on the status hub, like the job page: it joins the groups of the sampled servers before any job exists
/// (a job's own group cannot be joined before POST /api/v1/jobs returns its id, and the first step can arrive before
/// that), and timestamps each <c>jobUpdated</c> the moment it is handled.
/// </summary>
internal sealed class StatusWatcher : IAsyncDisposable
{
    private readonly HubConnection _client;
    private readonly ConcurrentDictionary<Guid, Expectation> _expected = new();

    public StatusWatcher(Uri baseAddress, string apiToken)
    {
        _client = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/status"), HttpTransportType.WebSockets, o => o.AccessTokenProvider = () => Task.FromResult<string?>(apiToken))
            .Build();
        _client.On<JobUpdatedEvent>("jobUpdated", update =>
        {
            var received = Stopwatch.GetTimestamp();
            if (_expected.TryGetValue(update.ServerId, out var expectation))
            {
                if (update.Step is not null)
                {
                    expectation.FirstStep.TrySetResult((received, update));
                }

                if (JobStates.Final.Contains(update.State))
                {
                    expectation.Final.TrySetResult(update);
                }
            }
        });
    }

    public async Task StartAsync(IEnumerable<Guid> serverIds, CancellationToken cancellationToken)
    {
        await _client.StartAsync(cancellationToken);
        foreach (var serverId in serverIds)
        {
            await _client.InvokeAsync("SubscribeServer", serverId, cancellationToken);
        }
    }

    /// <summary>Starts waiting for the next job events of a server; call before creating the job.</summary>
    public Expectation Expect(Guid serverId)
    {
        var expectation = new Expectation();
        _expected[serverId] = expectation;
        return expectation;
    }

    public void Forget(Guid serverId) => _expected.TryRemove(serverId, out _);

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    /// <summary>The first event carrying a step (with its receive timestamp), and the job's final state.</summary>
    internal sealed class Expectation
    {
        public TaskCompletionSource<(long Received, JobUpdatedEvent Update)> FirstStep { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<JobUpdatedEvent> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
