using System.Net;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Connectors;
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
    ILoggerFactory loggers) : BackgroundService
{
    private readonly AgentOptions _options = options.Value;
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();
    private const int OutboxLimit = 10_000;

    private readonly SemaphoreSlim _oneJobAtATime = new(1, 1);
    private readonly SemaphoreSlim _reportOrder = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Method, object Payload)> _outbox = new();
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
        await using var hub = new HubClient(
            new HubClientOptions
            {
                HubUrl = new Uri(identity.ServerUrl + identity.HubPath),
                AccessTokenProvider = _ => ValueTask.FromResult<string?>(identity.Credential),
                MaxReconnectDelay = _options.MaxReconnectDelay,
            },
            loggers.CreateLogger<HubClient>());

        Task SendStepAsync(JobStepEvent step, CancellationToken cancellationToken) =>
            ReportAsync(hub, AgentHub.Server.ReportJobStep, step, cancellationToken);

        // Jobs interrupted by a crash are finished (rolled back) before anything new runs.
        await _oneJobAtATime.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            foreach (var outcome in await jobs.ReconcileUnfinishedAsync(SendStepAsync, stoppingToken).ConfigureAwait(false))
            {
                LogReconciled(outcome.JobId, outcome.State);
            }
        }
        finally
        {
            _oneJobAtATime.Release();
        }

        hub.On<JobDispatch>(AgentHub.Agent.DispatchJob, (job, handlerCancellation) =>
        {
            // The job runs outside the hub handler so a long restart never holds the receive loop; it ends on shutdown only.
            JobStepSink sink = SendStepAsync;
            _ = Task.Run(() => RunJobAsync(job, identity, jobs, hub, sink, stoppingToken), CancellationToken.None);
            return Task.CompletedTask;
        });
        hub.On(AgentHub.Agent.RequestSnapshot, async (_, cancellationToken) =>
        {
            await ReportSnapshotAsync(identity, hub, cancellationToken).ConfigureAwait(false);
            return null;
        });
        hub.Connected += async cancellationToken =>
        {
            var open = journal.All()
                .Select(e => e.Completion ?? new JobCompletion(e.Job.JobId, AgentJobState.Running, e.Diff, null, clock.GetUtcNow()))
                .Where(c => c.FinishedAt > clock.GetUtcNow().AddDays(-7))
                .ToArray();
            var welcome = await hub.InvokeAsync<AgentWelcome>(
                AgentHub.Server.Hello,
                [new AgentHello(identity.AgentId, EnrollmentClient.AgentVersion, connector.Kind, Dns.GetHostName(), open)],
                cancellationToken).ConfigureAwait(false);
            if (welcome is not null)
            {
                _heartbeatInterval = welcome.HeartbeatInterval > TimeSpan.Zero ? welcome.HeartbeatInterval : _heartbeatInterval;
                _snapshotInterval = welcome.SnapshotInterval > TimeSpan.Zero ? welcome.SnapshotInterval : _snapshotInterval;
            }

            await FlushAsync(hub, cancellationToken).ConfigureAwait(false);
            await ReportSnapshotAsync(identity, hub, cancellationToken).ConfigureAwait(false);
        };

        await hub.StartAsync().ConfigureAwait(false);
        var nextSnapshot = clock.GetUtcNow() + _snapshotInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_heartbeatInterval, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (hub.State != HubClientState.Connected)
            {
                continue;
            }

            try
            {
                await hub.SendAsync(AgentHub.Server.Heartbeat, [new AgentHeartbeat(identity.AgentId, clock.GetUtcNow(), _runningJob)], stoppingToken).ConfigureAwait(false);
                if (clock.GetUtcNow() >= nextSnapshot)
                {
                    nextSnapshot = clock.GetUtcNow() + _snapshotInterval;
                    await ReportSnapshotAsync(identity, hub, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (IOException exception)
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
        base.Dispose();
    }

    private async Task RunJobAsync(JobDispatch job, AgentIdentity identity, JobRunner jobs, HubClient hub, JobStepSink steps, CancellationToken stoppingToken)
    {
        try
        {
            await _oneJobAtATime.WaitAsync(stoppingToken).ConfigureAwait(false);
            JobCompletion completion;
            try
            {
                _runningJob = job.JobId;
                completion = await jobs.RunAsync(job, identity.ServerId, steps, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                _runningJob = null;
                _oneJobAtATime.Release();
            }

            LogJobFinished(job.JobId, completion.State);
            await ReportAsync(hub, AgentHub.Server.ReportJobCompleted, completion, stoppingToken).ConfigureAwait(false);
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
            await ReportAsync(hub, AgentHub.Server.ReportJobCompleted, completion, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues a report and sends everything queued, in order, while connected. Step events and completions produced while
    /// the console is unreachable (a restart mid-job) are delivered after the reconnect instead of being lost; the oldest
    /// are dropped beyond <see cref="OutboxLimit"/>, and the journal still answers for every job's final state.
    /// </summary>
    private async Task ReportAsync(HubClient hub, string method, object payload, CancellationToken cancellationToken)
    {
        _outbox.Enqueue((method, payload));
        while (_outbox.Count > OutboxLimit && _outbox.TryDequeue(out _))
        {
            LogOutboxFull(OutboxLimit);
        }

        await FlushAsync(hub, cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(HubClient hub, CancellationToken cancellationToken)
    {
        if (hub.State != HubClientState.Connected)
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
                    await hub.SendAsync(report.Method, [report.Payload], cancellationToken).ConfigureAwait(false);
                }
                catch (IOException exception)
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

    private async Task ReportSnapshotAsync(AgentIdentity identity, HubClient hub, CancellationToken cancellationToken)
    {
        var collected = await connector.CollectAsync(cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var step = new JobStepEvent(Guid.Empty, 1, "collect settings", collected.Step.Succeeded ? JobStepState.Succeeded : JobStepState.Failed, now, now,
            Execution.OutputText.Truncate(collected.Step.Output, _options.OutputLimitCharacters), collected.Step.ExitCode);
        var report = new AgentSnapshotReport(identity.AgentId, collected.Snapshot, [step], collected.Snapshot is null ? "Collecting the settings failed; see the step output." : null);
        await hub.SendAsync(AgentHub.Server.ReportSnapshot, [report], cancellationToken).ConfigureAwait(false);
    }

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
}
