using System.Net;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
using BackscatterConsole.Agent.Emission;
using BackscatterConsole.Agent.Enrollment;
using BackscatterConsole.Agent.Jobs;
using BackscatterConsole.Agent.Transport;
using BackscatterConsole.Shared.Agents;
using Microsoft.Extensions.Options;

namespace BackscatterConsole.Agent;

/// <summary>
/// The agent's main loop: enroll (or reuse the stored credential), roll back jobs a crash left unfinished, connect to the
/// agents hub for good, say hello on every connect, report heartbeats and snapshots, and run dispatched jobs one at a time.
/// Step events are sent as they happen; while the connection is down they wait in an in-memory outbox and follow the next
/// hello. The job's outcome is also journaled and listed in every hello, so even an agent restart cannot lose it.
/// </summary>
public sealed partial class AgentWorker(
    IOptions<AgentOptions> options,
    IMailConnector connector,
    EnrollmentClient enrollment,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers,
    IEnumerable<IEmissionSource> emissionSources) : BackgroundService
{
    private readonly AgentOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();
    private const int OutboxLimit = 10_000;

    private readonly SemaphoreSlim _oneJobAtATime = new(1, 1);
    private readonly SemaphoreSlim _reportOrder = new(1, 1);
    private readonly SemaphoreSlim _oneEmissionCount = new(1, 1);
    private readonly IEmissionSource? _emission = emissionSources.FirstOrDefault();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Method, Func<IAgentHub, Task> Send)> _outbox = new();
    private TimeSpan _heartbeatInterval = options.Value.HeartbeatInterval;
    private TimeSpan _snapshotInterval = options.Value.SnapshotInterval;
    private Guid? _runningJob;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        AgentIdentity identity;
        try
        {
            identity = await enrollment.EnsureEnrolledAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (EnrollmentException exception)
        {
            LogCannotStart(exception.Message);

            // Stopping with a non-zero code lets systemd or the service manager show the agent as failed, not finished;
            // retrying would only present the same refused token again.
            Environment.ExitCode = 3;
            lifetime.StopApplication();
            return;
        }

        var state = new StateDirectory(_options.StateDirectory);
        var journal = new JobJournal(state);

        // A job id the console could still redeliver must stay answerable; a month is far beyond any job expiry.
        journal.Prune(clock.GetUtcNow().AddDays(-30));
        var jobs = new JobRunner(connector, journal, clock, _options.OutputLimitCharacters);
        await using var hub = new AgentHubConnection(
            new Uri(identity.ServerUrl + identity.HubPath),
            () => Task.FromResult<string?>(identity.Credential),
            new ReconnectBackoff(TimeSpan.FromSeconds(1), _options.MaxReconnectDelay),
            loggers);

        // Jobs interrupted by a crash are finished (rolled back) before anything new runs.
        await _oneJobAtATime.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            foreach (var outcome in await jobs.ReconcileUnfinishedAsync((step, ct) => SendStepAsync(hub, step, ct), stoppingToken).ConfigureAwait(false))
            {
                LogReconciled(outcome.JobId, outcome.State);
            }
        }
        finally
        {
            _oneJobAtATime.Release();
        }

        hub.Register(new Handlers(this, identity, jobs, hub));
        hub.Connected += async cancellationToken =>
        {
            var open = journal.All()
                .Select(e => e.Completion ?? new JobCompletion(e.Job.JobId, AgentJobState.Running, e.Diff, null, clock.GetUtcNow()))
                .Where(c => c.FinishedAt > clock.GetUtcNow().AddDays(-7))
                .ToArray();
            var welcome = await hub.Hub.Hello(new AgentHello(identity.AgentId, EnrollmentClient.AgentVersion, connector.Kind, Dns.GetHostName(), open)).ConfigureAwait(false);
            _heartbeatInterval = welcome.HeartbeatInterval > TimeSpan.Zero ? welcome.HeartbeatInterval : _heartbeatInterval;
            _snapshotInterval = welcome.SnapshotInterval > TimeSpan.Zero ? welcome.SnapshotInterval : _snapshotInterval;
            await FlushAsync(hub, cancellationToken).ConfigureAwait(false);
            await ReportSnapshotAsync(identity, hub, cancellationToken).ConfigureAwait(false);
            StartEmissionReport(identity, hub, stoppingToken);
        };

        await hub.StartAsync().ConfigureAwait(false);
        var nextSnapshot = clock.GetUtcNow() + _snapshotInterval;
        var nextEmission = clock.GetUtcNow() + _options.EmissionInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var tick = Task.Delay(_heartbeatInterval, clock, stoppingToken);
            if (await Task.WhenAny(tick, hub.CredentialRefused).ConfigureAwait(false) == hub.CredentialRefused)
            {
                LogCredentialRefused(identity.ToString(), (await hub.CredentialRefused.ConfigureAwait(false)).Message, _options.StateDirectory);

                // Like a refused enrollment token: a non-zero exit shows the agent as failed, and retrying would only
                // present the same dead credential again (the systemd unit does not restart on exit code 3).
                Environment.ExitCode = 3;
                lifetime.StopApplication();
                break;
            }

            if (tick.IsCanceled)
            {
                break;
            }

            if (!hub.IsConnected)
            {
                continue;
            }

            try
            {
                await hub.Hub.Heartbeat(new AgentHeartbeat(identity.AgentId, clock.GetUtcNow(), _runningJob)).ConfigureAwait(false);
                if (clock.GetUtcNow() >= nextSnapshot)
                {
                    nextSnapshot = clock.GetUtcNow() + _snapshotInterval;
                    await ReportSnapshotAsync(identity, hub, stoppingToken).ConfigureAwait(false);
                    StartEmissionReport(identity, hub, stoppingToken);
                }

                if (clock.GetUtcNow() >= nextEmission)
                {
                    nextEmission = clock.GetUtcNow() + _options.EmissionInterval;
                    StartEmissionReport(identity, hub, stoppingToken);
                }
            }
            catch (Exception exception) when (AgentHubConnection.IsConnectionFailure(exception) && !stoppingToken.IsCancellationRequested)
            {
                LogHeartbeatFailed(exception.Message);
            }
        }

        await hub.StopAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _oneJobAtATime.Dispose();
        _reportOrder.Dispose();
        _oneEmissionCount.Dispose();
        base.Dispose();
    }

    private async Task RunJobAsync(JobDispatch job, AgentIdentity identity, JobRunner jobs, AgentHubConnection hub, CancellationToken stoppingToken)
    {
        try
        {
            await _oneJobAtATime.WaitAsync(stoppingToken).ConfigureAwait(false);
            JobCompletion completion;
            try
            {
                _runningJob = job.JobId;
                completion = await jobs.RunAsync(job, identity.ServerId, (step, ct) => SendStepAsync(hub, step, ct), stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _runningJob = null;
                _oneJobAtATime.Release();
            }

            LogJobFinished(job.JobId, completion.State);
            await ReportAsync(hub, AgentHub.Server.ReportJobCompleted, h => h.ReportJobCompleted(completion), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down mid-job: the journal makes the next start roll the job back.
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Nothing may end a job silently: the console hears that it failed and why.
            LogJobCrashed(job.JobId, exception.Message);
            var completion = new JobCompletion(job.JobId, AgentJobState.Failed, [], "The agent could not run the job: " + exception.Message, clock.GetUtcNow());
            await ReportAsync(hub, AgentHub.Server.ReportJobCompleted, h => h.ReportJobCompleted(completion), stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues a report and sends everything queued, in order, while connected. Step events and completions produced while
    /// the console is unreachable (a restart mid-job) are delivered after the reconnect instead of being lost; the oldest
    /// are dropped beyond <see cref="OutboxLimit"/>, and the journal still answers for every job's final state.
    /// </summary>
    private async Task ReportAsync(AgentHubConnection hub, string method, Func<IAgentHub, Task> send, CancellationToken cancellationToken)
    {
        _outbox.Enqueue((method, send));
        while (_outbox.Count > OutboxLimit && _outbox.TryDequeue(out _))
        {
            LogOutboxFull(OutboxLimit);
        }

        await FlushAsync(hub, cancellationToken).ConfigureAwait(false);
    }

    private Task SendStepAsync(AgentHubConnection hub, JobStepEvent step, CancellationToken cancellationToken) =>
        ReportAsync(hub, AgentHub.Server.ReportJobStep, h => h.ReportJobStep(step), cancellationToken);

    private async Task FlushAsync(AgentHubConnection hub, CancellationToken cancellationToken)
    {
        if (!hub.IsConnected)
        {
            return;
        }

        await _reportOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_outbox.TryPeek(out var report))
            {
                try
                {
                    await report.Send(hub.Hub).ConfigureAwait(false);
                }
                catch (Exception exception) when (AgentHubConnection.IsConnectionFailure(exception))
                {
                    LogStepNotSent(report.Method, exception.Message);
                    return;
                }

                _outbox.TryDequeue(out _);
            }
        }
        finally
        {
            _reportOrder.Release();
        }
    }

    private async Task ReportSnapshotAsync(AgentIdentity identity, AgentHubConnection hub, CancellationToken cancellationToken)
    {
        var collected = await connector.CollectAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var step = new JobStepEvent(Guid.Empty, 1, "collect settings", collected.Step.Succeeded ? JobStepState.Succeeded : JobStepState.Failed, now, now,
            Execution.OutputText.Truncate(collected.Step.Output, _options.OutputLimitCharacters), collected.Step.ExitCode);
        var report = new AgentSnapshotReport(identity.AgentId, collected.Snapshot, [step], collected.Snapshot is null ? "Collecting the settings failed; see the step output." : null);
        await hub.Hub.ReportSnapshot(report).ConfigureAwait(false);
    }

    /// <summary>
    /// Counts null-sender mail and reports it, off the caller's path: a first scan of a large log takes seconds and must
    /// not hold up the hello or a heartbeat. One count at a time; a request while one runs is covered by that one. A
    /// report that cannot be sent is not queued: the counts are totals per hour, so the next report carries them.
    /// </summary>
    private void StartEmissionReport(AgentIdentity identity, AgentHubConnection hub, CancellationToken stoppingToken)
    {
        if (_emission is null || !_oneEmissionCount.Wait(0, CancellationToken.None))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var report = await _emission.CollectAsync(identity.AgentId, stoppingToken).ConfigureAwait(false);
                if (hub.IsConnected)
                {
                    await hub.Hub.ReportEmission(report).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception exception)
            {
                LogEmissionFailed(exception.Message);
            }
            finally
            {
                _oneEmissionCount.Release();
            }
        }, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The emission count could not be reported: {Error}")]
    private partial void LogEmissionFailed(string error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The console refused the credential of {Identity} ({Reason}): it was revoked, or another agent was enrolled for this server. The agent stops. To enroll it again, delete credential.json in {StateDirectory} and set Agent:EnrollmentToken to a new token.")]
    private partial void LogCredentialRefused(string identity, string reason, string stateDirectory);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The agent cannot start: {Reason}")]
    private partial void LogCannotStart(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send {Step} to the console: {Error}")]
    private partial void LogStepNotSent(string step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}, interrupted by a restart, ended {State}.")]
    private partial void LogReconciled(Guid jobId, AgentJobState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ended {State}.")]
    private partial void LogJobFinished(Guid jobId, AgentJobState state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} could not run: {Error}")]
    private partial void LogJobCrashed(Guid jobId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {Limit} reports are waiting for the console; the oldest was dropped.")]
    private partial void LogOutboxFull(int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat not sent: {Error}")]
    private partial void LogHeartbeatFailed(string error);

    /// <summary>The hub's calls to this agent; the connection runs each off its receive loop.</summary>
    private sealed class Handlers(AgentWorker worker, AgentIdentity identity, JobRunner jobs, AgentHubConnection hub) : IAgentClient
    {
        public Task DispatchJob(JobDispatch job, CancellationToken cancellationToken) => worker.RunJobAsync(job, identity, jobs, hub, cancellationToken);

        public async Task RequestSnapshot(CancellationToken cancellationToken)
        {
            await worker.ReportSnapshotAsync(identity, hub, cancellationToken).ConfigureAwait(false);
            worker.StartEmissionReport(identity, hub, cancellationToken);
        }
    }
}
