using Microsoft.Extensions.Hosting.WindowsServices;

namespace BackscatterConsole.Agent.Hosting;

/// <summary>
/// Integration with the service manager that started the agent, through Microsoft.Extensions.Hosting.Systemd and
/// Microsoft.Extensions.Hosting.WindowsServices. Each one activates only when it detects its manager, so from a console
/// nothing changes: systemd (the parent process is <c>systemd</c>, or the agent is PID 1 with <c>NOTIFY_SOCKET</c> or
/// <c>LISTEN_PID</c> set, as in a container) brings <c>READY=1</c>/<c>STOPPING=1</c> for <c>Type=notify</c> units and
/// journal-style log lines; the Service Control Manager (the parent is services.exe) brings the service lifetime.
/// </summary>
public static class ServiceManagers
{
    /// <summary>The Windows service name the agent reports to the Service Control Manager.</summary>
    public const string WindowsServiceName = "backscatter-agent";

    /// <summary>Adds both integrations; each is inert unless its manager started the process.</summary>
    public static IHostApplicationBuilder AddServiceManagers(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = WindowsServiceName);
        return builder;
    }

    /// <summary>True when the Windows Service Control Manager started this process.</summary>
    public static bool StartedByWindowsServiceManager() => WindowsServiceHelpers.IsWindowsService();
}
