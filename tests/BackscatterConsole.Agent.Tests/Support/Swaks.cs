using System.Diagnostics;
using BackscatterConsole.Agent.Execution;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>Sends test mail with swaks (the Debian package) to a listener on loopback, as a remote sender would.</summary>
public static class Swaks
{
    /// <summary>Sends one message; returns swaks' exit code and transcript (24 means a recipient was refused).</summary>
    public static async Task<(int ExitCode, string Transcript)> SendAsync(int port, string from, string to)
    {
        if (!File.Exists("/usr/bin/swaks"))
        {
            throw new InvalidOperationException("swaks is not installed: run ./test.sh as root, or apt-get install swaks.");
        }

        var start = new ProcessStartInfo("/usr/bin/swaks") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--server", $"127.0.0.1:{port}", "--from", from, "--to", to, "--helo", "sender.example.net", "--body", "backscatter test", "--timeout", "30" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    /// <summary>Points the instance's transports at the <c>retry</c> delivery agent, so nothing can leave the machine and notifications stay queued.</summary>
    public static async Task KeepEverythingLocalAsync(RunningPostfix postfix)
    {
        ArgumentNullException.ThrowIfNull(postfix);
        var runner = new ProcessRunner();
        var timeout = TimeSpan.FromSeconds(60);
        foreach (var arguments in new[]
        {
            new[] { "/usr/sbin/postconf", "-c", postfix.ConfigDirectory, "-e", "default_transport=retry:nothing leaves this test machine", "relay_transport=retry:nothing leaves this test machine" },
            ["/usr/sbin/postfix", "-c", postfix.ConfigDirectory, "reload"],
        })
        {
            var result = await runner.RunAsync(arguments, timeout, CancellationToken.None);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(result.Transcript);
            }
        }
    }
}
