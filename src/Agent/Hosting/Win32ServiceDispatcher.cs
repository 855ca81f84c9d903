using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace BackscatterConsole.Agent.Hosting;

/// <summary>
/// <see cref="IServiceDispatcher"/> over advapi32: <c>StartServiceCtrlDispatcherW</c> on a dedicated thread (it blocks
/// until the service reports stopped), <c>RegisterServiceCtrlHandlerExW</c> in the service's main function, and
/// <c>SetServiceStatus</c> for every state. This code cannot run on the Linux build machine; the state handling it
/// serves is tested through <see cref="WindowsServiceLifetime"/> with a scripted dispatcher.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class Win32ServiceDispatcher : IServiceDispatcher
{
    private const int ServiceWin32OwnProcess = 0x10;
    private const int AcceptStop = 0x1;
    private const int AcceptShutdown = 0x4;
    private const int NoError = 0;
    private const int ErrorCallNotImplemented = 120;
    private const int ErrorFailedServiceControllerConnect = 1063;

    // The manager calls back through these pointers for as long as the process lives; the delegates must not be collected.
    private ServiceMainCallback? _serviceMain;
    private HandlerExCallback? _handler;

    private delegate void ServiceMainCallback(int argc, IntPtr argv);

    private delegate int HandlerExCallback(int control, int eventType, IntPtr eventData, IntPtr context);

    /// <inheritdoc />
    public Task<IServiceStatusReporter> ConnectAsync(string serviceName, Func<int, bool> onControl, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource<IServiceStatusReporter>(TaskCreationOptions.RunContinuationsAsynchronously);
        _handler = (control, _, _, _) => onControl(control) ? NoError : ErrorCallNotImplemented;
        _serviceMain = (_, _) =>
        {
            var handle = NativeMethods.RegisterServiceCtrlHandlerExW(serviceName, _handler, IntPtr.Zero);
            if (handle == IntPtr.Zero)
            {
                started.TrySetException(new InvalidOperationException($"RegisterServiceCtrlHandlerEx failed with error {Marshal.GetLastPInvokeError()}."));
                return;
            }

            started.TrySetResult(new Reporter(handle));
        };

        var thread = new Thread(() =>
        {
            var table = new[]
            {
                new NativeMethods.ServiceTableEntry { ServiceName = serviceName, ServiceProc = Marshal.GetFunctionPointerForDelegate(_serviceMain) },
                default,
            };
            if (!NativeMethods.StartServiceCtrlDispatcherW(table))
            {
                var error = Marshal.GetLastPInvokeError();
                started.TrySetException(new InvalidOperationException(error == ErrorFailedServiceControllerConnect
                    ? "the process was not started by the Service Control Manager (error 1063). Install it with sc.exe create, or leave Agent:WindowsService unset to run it from a console."
                    : $"StartServiceCtrlDispatcher failed with error {error}."));
            }
        })
        {
            IsBackground = true,
            Name = "Service Control Manager dispatcher",
        };
        thread.Start();
        return started.Task.WaitAsync(cancellationToken);
    }

    private sealed class Reporter(IntPtr handle) : IServiceStatusReporter
    {
        private readonly Lock _gate = new();
        private int _checkPoint;

        public void Report(ServiceState state, int exitCode, TimeSpan waitHint)
        {
            lock (_gate)
            {
                var pending = state is ServiceState.StartPending or ServiceState.StopPending;
                var status = new NativeMethods.ServiceStatus
                {
                    ServiceType = ServiceWin32OwnProcess,
                    CurrentState = (int)state,
                    ControlsAccepted = state == ServiceState.Running ? AcceptStop | AcceptShutdown : 0,
                    Win32ExitCode = exitCode,
                    CheckPoint = pending ? ++_checkPoint : 0,
                    WaitHint = (int)waitHint.TotalMilliseconds,
                };
                NativeMethods.SetServiceStatus(handle, ref status);
            }
        }
    }

    private static class NativeMethods
    {
        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        public struct ServiceTableEntry
        {
            public string? ServiceName;
            public IntPtr ServiceProc;
        }

        [StructLayout(LayoutKind.Sequential)]
        public struct ServiceStatus
        {
            public int ServiceType;
            public int CurrentState;
            public int ControlsAccepted;
            public int Win32ExitCode;
            public int ServiceSpecificExitCode;
            public int CheckPoint;
            public int WaitHint;
        }

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool StartServiceCtrlDispatcherW([In] ServiceTableEntry[] serviceTable);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        public static extern IntPtr RegisterServiceCtrlHandlerExW(string serviceName, HandlerExCallback handler, IntPtr context);

        [DllImport("advapi32.dll", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static extern bool SetServiceStatus(IntPtr serviceStatusHandle, ref ServiceStatus serviceStatus);
    }
}
