using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackscatterConsole.Domain.Tests.Fixtures;

/// <summary>
/// A private Postfix instance from the Debian package, on two loopback ports: one smtpd that accepts unknown recipients
/// (<c>-o local_recipient_maps=</c>), one with the default maps that refuses them with 550 5.1.1, and a third like the
/// second that also refuses the disabled mailbox <see cref="DisabledRecipient"/> through <c>check_recipient_access</c>.
/// It lives in its own temporary configuration, queue and data directories and is started with <c>postfix -c</c>,
/// so the machine's default instance and its /etc/postfix are never touched.
/// </summary>
public sealed class PostfixInstanceFixture : IAsyncLifetime
{
    public const string Domain = "backscatter.test";
    private const string PostfixBinary = "/usr/sbin/postfix";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "bsc-postfix-" + Guid.NewGuid().ToString("N")[..12]);

    public string ConfigDirectory => Path.Combine(Root, "conf");

    public string QueueDirectory => Path.Combine(Root, "queue");

    public string MailLog => Path.Combine(Root, "maillog");

    /// <summary>Port of the smtpd that accepts any recipient at <see cref="Domain"/>.</summary>
    public int AcceptingPort { get; private set; }

    /// <summary>Port of the smtpd that refuses unknown recipients.</summary>
    public int RejectingPort { get; private set; }

    /// <summary>Port of the smtpd that refuses unknown recipients and, through <see cref="DisabledMailboxesTable"/>, <see cref="DisabledRecipient"/>.</summary>
    public int DisabledRefusingPort { get; private set; }

    /// <summary>
    /// A mailbox that exists (nobody is in passwd) and stands for a disabled one: the default maps accept it, so on
    /// <see cref="RejectingPort"/> mail to it would be accepted and then bounce once the mail store refuses it.
    /// </summary>
    public static string DisabledRecipient => "nobody@" + Domain;

    /// <summary>The Postfix lookup table that lists <see cref="DisabledRecipient"/> with a rejection.</summary>
    public string DisabledMailboxesTable => "texthash:" + Path.Combine(ConfigDirectory, "disabled_mailboxes");

    /// <summary>A recipient that exists (root is in the passwd table that the default local_recipient_maps consults).</summary>
    public static string ControlRecipient => "root@" + Domain;

    public async Task InitializeAsync()
    {
        if (!File.Exists(PostfixBinary))
        {
            throw new InvalidOperationException(
                $"Postfix is not installed ({PostfixBinary} is missing). Install it as root: "
                + "echo \"postfix postfix/main_mailer_type select No configuration\" | debconf-set-selections && "
                + "DEBIAN_FRONTEND=noninteractive apt-get install -y postfix (see ENVIRONMENT.md).");
        }

        AcceptingPort = FreePort();
        RejectingPort = FreePort();
        DisabledRefusingPort = FreePort();
        Directory.CreateDirectory(ConfigDirectory);
        Directory.CreateDirectory(QueueDirectory);
        Directory.CreateDirectory(Path.Combine(Root, "data"));

        // The queue manager and smtpd run as the postfix user and must write their data directory.
        await RunAsync("chown", ["postfix:postfix", Path.Combine(Root, "data")]);
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "main.cf"), MainCf());
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "master.cf"), MasterCf());
        await File.WriteAllTextAsync(Path.Combine(ConfigDirectory, "disabled_mailboxes"), DisabledRecipient + " 550 5.2.1 Mailbox disabled\n");

        var (exitCode, output) = await RunAsync(PostfixBinary, ["-c", ConfigDirectory, "start"], throwOnError: false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"postfix -c {ConfigDirectory} start exited with {exitCode}: {output}\n{ReadMailLog()}");
        }

        await WaitForListenerAsync(AcceptingPort);
        await WaitForListenerAsync(RejectingPort);
        await WaitForListenerAsync(DisabledRefusingPort);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsync(PostfixBinary, ["-c", ConfigDirectory, "stop"], throwOnError: false);
            await WaitForMasterExitAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A daemon still closing a file can race the delete; a leftover directory under /tmp harms nothing.
            }
        }
    }

    /// <summary>The output of <c>postqueue -p</c> for this instance.</summary>
    public async Task<string> ListQueueAsync() =>
        (await RunAsync("/usr/sbin/postqueue", ["-c", ConfigDirectory, "-p"])).Output;

    /// <summary>Message files anywhere in the queue (incoming, active, deferred, hold, maildrop, corrupt).</summary>
    public int CountQueuedFiles() =>
        new[] { "incoming", "active", "deferred", "hold", "maildrop", "corrupt" }
            .Select(d => Path.Combine(QueueDirectory, d))
            .Where(Directory.Exists)
            .Sum(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Count());

    public string ReadMailLog() => File.Exists(MailLog) ? File.ReadAllText(MailLog) : "(no maillog)";

    private string MainCf() => $"""
        # Private test instance of BackscatterConsole's domain tests.
        compatibility_level = 3.6
        queue_directory = {QueueDirectory}
        data_directory = {Path.Combine(Root, "data")}
        maillog_file = {MailLog}
        maillog_file_prefixes = {Root}
        myhostname = mx.{Domain}
        mydomain = {Domain}
        mydestination = $myhostname, {Domain}, localhost
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        # Loopback must not count as a trusted network, or the open-relay probe would be allowed to relay.
        mynetworks = 192.0.2.0/24
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
        alias_maps =
        alias_database =
        biff = no
        smtpd_banner = $myhostname ESMTP Postfix (backscatter test)

        """;

    private string MasterCf() => $"""
        127.0.0.1:{AcceptingPort.ToString(CultureInfo.InvariantCulture)} inet n - n - - smtpd
          -o local_recipient_maps=
          -o syslog_name=postfix-accepting
        127.0.0.1:{RejectingPort.ToString(CultureInfo.InvariantCulture)} inet n - n - - smtpd
          -o syslog_name=postfix-rejecting
        127.0.0.1:{DisabledRefusingPort.ToString(CultureInfo.InvariantCulture)} inet n - n - - smtpd
          -o syslog_name=postfix-disabled
          -o smtpd_recipient_restrictions=check_recipient_access,{DisabledMailboxesTable}
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        local     unix  -       n       n       -       -       local
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitForListenerAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"Postfix did not listen on 127.0.0.1:{port} within 20 s ({ex.Message}).\n{ReadMailLog()}", ex);
            }
        }
    }

    private async Task WaitForMasterExitAsync()
    {
        var pidFile = Path.Combine(QueueDirectory, "pid", "master.pid");
        if (!File.Exists(pidFile) || !int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (!IsAlive(pid))
            {
                return;
            }

            await Task.Delay(100);
        }

        // The master of this private instance ignored "postfix stop": end it (and only it) so the test run cannot leave it behind.
        using var master = Process.GetProcessById(pid);
        master.Kill(entireProcessTree: true);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, bool throwOnError = true)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + fileName);
        using var timeout = new CancellationTokenSource(CommandTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        if (throwOnError && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output}");
        }

        return (process.ExitCode, output);
    }
}
