namespace BackscatterConsole.Agent.Hosting;

/// <summary>A service state the agent reports to the Windows Service Control Manager (values of <c>SERVICE_STATUS.dwCurrentState</c>).</summary>
internal enum ServiceState
{
    /// <summary>SERVICE_STOPPED.</summary>
    Stopped = 1,

    /// <summary>SERVICE_START_PENDING.</summary>
    StartPending = 2,

    /// <summary>SERVICE_STOP_PENDING.</summary>
    StopPending = 3,

    /// <summary>SERVICE_RUNNING.</summary>
    Running = 4,
}

/// <summary>Reports the service's state to the Service Control Manager.</summary>
internal interface IServiceStatusReporter
{
    /// <summary>Reports <paramref name="state"/>; <paramref name="waitHint"/> is how long a pending state may last.</summary>
    void Report(ServiceState state, int exitCode, TimeSpan waitHint);
}

/// <summary>The connection to the Service Control Manager.</summary>
internal interface IServiceDispatcher
{
    /// <summary>
    /// Connects the process to the Service Control Manager as service <paramref name="serviceName"/> and routes its control
    /// codes to <paramref name="onControl"/> (true: handled). Completes once the manager has started the service; faults
    /// when the process was not started by the manager.
    /// </summary>
    Task<IServiceStatusReporter> ConnectAsync(string serviceName, Func<int, bool> onControl, CancellationToken cancellationToken);
}

/// <summary>
/// Runs the agent as a Windows service: the host waits for the Service Control Manager to start the service, reports
/// start-pending, running, stop-pending and stopped as the host moves through them, and stops the host on the manager's
/// stop and shutdown controls. This is what Microsoft.Extensions.Hosting.WindowsServices provides; that package is not on
/// this project's feed, so the agent talks to the manager itself (<see cref="Win32ServiceDispatcher"/>).
/// </summary>
internal sealed partial class WindowsServiceLifetime(
    IServiceDispatcher dispatcher,
    IHostApplicationLifetime application,
    ILogger<WindowsServiceLifetime> logger) : IHostLifetime
{
    /// <summary>SERVICE_CONTROL_STOP.</summary>
    public const int ControlStop = 0x1;

    /// <summary>SERVICE_CONTROL_INTERROGATE.</summary>
    public const int ControlInterrogate = 0x4;

    /// <summary>SERVICE_CONTROL_SHUTDOWN.</summary>
    public const int ControlShutdown = 0x5;

    /// <summary>The service name; the manager ignores it for a service in its own process, but it appears in the logs.</summary>
    public const string ServiceName = "backscatter-agent";

    /// <summary>How long the manager should wait for a start or stop before it considers the service hung.</summary>
    private static readonly TimeSpan PendingHint = TimeSpan.FromSeconds(30);

    private IServiceStatusReporter? _reporter;

    /// <inheritdoc />
    public async Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _reporter = await dispatcher.ConnectAsync(ServiceName, OnControl, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException exception)
        {
            LogNotAService(exception.Message);
            throw;
        }

        _reporter.Report(ServiceState.StartPending, 0, PendingHint);
        application.ApplicationStarted.Register(() => _reporter.Report(ServiceState.Running, 0, TimeSpan.Zero));
        application.ApplicationStopping.Register(() => _reporter.Report(ServiceState.StopPending, 0, PendingHint));
        application.ApplicationStopped.Register(() => _reporter.Report(ServiceState.Stopped, Environment.ExitCode, TimeSpan.Zero));
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Handles one control code from the manager; false for codes the agent does not accept.</summary>
    internal bool OnControl(int control)
    {
        switch (control)
        {
            case ControlStop:
            case ControlShutdown:
                LogStopRequested(control == ControlStop ? "stop" : "shutdown");
                application.StopApplication();
                return true;
            case ControlInterrogate:
                return true;
            default:
                return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Agent:WindowsService is set but the agent cannot run as a service: {Reason}")]
    private partial void LogNotAService(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Service Control Manager asked the agent to {Control}.")]
    private partial void LogStopRequested(string control);
}
