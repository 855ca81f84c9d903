using System.Diagnostics;
using BackscatterConsole.Agent.Execution;

namespace BackscatterConsole.Agent.Tests.Execution;

public sealed class ProcessRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunAsync_ArgumentsWithSpacesAndShellCharacters_ReachProgramAsOneArgumentEach()
    {
        var runner = new ProcessRunner();

        var result = await runner.RunAsync(["/usr/bin/printf", "[%s]\n", "check_policy_service unix:private/policy", "$HOME; rm -rf /", "it's"], Timeout, CancellationToken.None);

        Assert.True(result.Succeeded, result.Transcript);
        Assert.Equal("[check_policy_service unix:private/policy]\n[$HOME; rm -rf /]\n[it's]\n", result.StandardOutput);
    }

    [Fact]
    public async Task RunAsync_NonZeroExit_ReturnsExitCodeAndStandardError()
    {
        var result = await new ProcessRunner().RunAsync(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], Timeout, CancellationToken.None);

        Assert.Equal(CommandOutcome.Exited, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
    }

    [Fact]
    public async Task RunAsync_MissingProgram_ReturnsNotFoundWithoutThrowing()
    {
        var result = await new ProcessRunner().RunAsync(["/nonexistent/carbonio", "prov", "gacf"], Timeout, CancellationToken.None);

        Assert.Equal(CommandOutcome.NotFound, result.Outcome);
        Assert.Null(result.ExitCode);
        Assert.Contains("not found", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_HangingProgramWithChild_KillsTheWholeTreeAtTimeout()
    {
        using var directory = new Support.TempDirectory();
        var pidFile = directory.Combine("child.pid");

        // The shell starts a child that would outlive it, then hangs; both must be gone after the timeout.
        var stopwatch = Stopwatch.StartNew();
        var result = await new ProcessRunner().RunAsync(["/bin/sh", "-c", $"sleep 300 & echo $! > {pidFile}; echo started; sleep 300"], TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(CommandOutcome.TimedOut, result.Outcome);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"took {stopwatch.Elapsed}");
        Assert.Contains("started", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Timed out after 1 s", result.StandardError, StringComparison.Ordinal);
        var childPid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await WaitUntilGoneAsync(childPid);
    }

    [Fact]
    public async Task RunAsync_OutputBeyondCap_IsTruncatedWithVisibleMarker()
    {
        var result = await new ProcessRunner(outputLimitCharacters: 1000).RunAsync(["/bin/sh", "-c", "head -c 50000 /dev/zero | tr '\\0' x"], Timeout, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.StartsWith(new string('x', 1000), result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[output truncated: 49000 more characters not kept]", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(result.StandardOutputTruncated);
        Assert.False((await new ProcessRunner(outputLimitCharacters: 1000).RunAsync(["/bin/echo", "short"], Timeout, CancellationToken.None)).StandardOutputTruncated);
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsProcessAndThrows()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ProcessRunner().RunAsync(["/bin/sleep", "300"], Timeout, cancellation.Token));
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        for (var i = 0; i < 50; i++)
        {
            // A killed child that is a zombie is gone for our purpose: it runs nothing.
            var stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat) || File.ReadAllText(stat).Split(' ')[2] == "Z")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The child process {pid} still runs after the timeout killed its parent.");
    }
}
