using System.Diagnostics;

namespace BackscatterConsole.Agent.Tests.Support;

/// <summary>
/// A Postfix configuration directory made from the Debian package's pristine master.cf (<see cref="PristinePostfix"/>)
/// plus a main.cf that accepts unknown recipients, with its own queue and data directories so nothing reads or touches
/// the system instance. postconf and postfix work on it through -c without a running instance.
/// </summary>
public sealed class PostfixInstance : IDisposable
{
    private readonly TempDirectory _root = new();

    public PostfixInstance()
    {
        PristinePostfix.EnsureInstalled("/usr/sbin/postconf");
        ConfigDirectory = _root.Combine("etc");
        Directory.CreateDirectory(_root.Combine("queue"));
        Directory.CreateDirectory(_root.Combine("data"));
        PristinePostfix.WriteConfigDirectory(ConfigDirectory, $"""
            compatibility_level = 3.6
            myhostname = mx.example.test
            mydestination = $myhostname, localhost
            inet_protocols = ipv4
            queue_directory = {_root.Combine("queue")}
            data_directory = {_root.Combine("data")}
            smtpd_reject_unlisted_recipient = no
            local_recipient_maps =

            """);
    }

    public string ConfigDirectory { get; }

    /// <summary>Runs postconf -c DIR -h NAME directly, as an independent witness of what the agent did.</summary>
    public string Postconf(string name)
    {
        var start = new ProcessStartInfo("/usr/sbin/postconf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", ConfigDirectory, "-h", name })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.TrimEnd('\n');
    }

    public string MainCf => File.ReadAllText(System.IO.Path.Combine(ConfigDirectory, "main.cf"));

    public void Dispose() => _root.Dispose();
}
