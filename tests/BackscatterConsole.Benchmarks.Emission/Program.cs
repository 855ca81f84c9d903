using System.Diagnostics;
using System.Globalization;
using System.Text;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Emission;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Shared.Agents;

// The agent's emission collection (PostfixEmissionSource.CollectAsync: the incremental log reader, the Postfix line parser,
// the hourly ledger, the state file, real postconf calls) on a generated 1 GB Postfix log: the first scan, a scan with
// nothing new, scans of what a server that writes 1 GB a day adds in one Agent:EmissionInterval, and a rotation.
// CPU is this process's plus its waited-for children's (postconf), from /proc/self/stat.
var sizeBytes = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) * 1024 * 1024 : 1024L * 1024 * 1024;
var interval = TimeSpan.FromMinutes(15);
var root = Directory.CreateTempSubdirectory("bsc-emission-bench-").FullName;
try
{
    var config = Path.Combine(root, "etc");
    Directory.CreateDirectory(config);
    File.Copy("/usr/share/postfix/main.cf.dist", Path.Combine(config, "main.cf"));
    File.Copy("/usr/share/postfix/master.cf.dist", Path.Combine(config, "master.cf"));
    File.AppendAllText(Path.Combine(config, "main.cf"), "\nmydestination = example.test, localhost\nmyhostname = mx.example.test\n");
    var log = Path.Combine(root, "mail.log");
    var now = DateTime.UtcNow;
    var bytesPerSecond = sizeBytes / 86400.0;

    var generator = new LogGenerator(now.AddDays(-1), bytesPerSecond);
    var watch = Stopwatch.StartNew();
    generator.Append(log, sizeBytes);
    Console.WriteLine($"generated {Mb(new FileInfo(log).Length)} MB ({generator.Lines:N0} lines, {generator.Bounces:N0} bounces, {Ratio(generator.Bounces, generator.Messages)} of messages) in {watch.Elapsed.TotalSeconds:F1} s");

    var options = new AgentOptions { StateDirectory = Path.Combine(root, "state"), Connector = "postfix" };
    options.Postfix.ConfigDirectory = config;
    options.Postfix.PostconfPath = "/usr/sbin/postconf";
    options.Postfix.PostmapPath = "/usr/sbin/postmap";
    options.Emission.LogPath = log;
    options.Emission.TimeZone = "UTC";

    // No Postfix runs here, so postqueue -j is /bin/true (an empty queue): the queue is not what this measures.
    options.Emission.PostqueuePath = "/bin/true";
    Directory.CreateDirectory(options.StateDirectory);
    var source = EmissionSources.Create(options, new ProcessRunner(), TimeProvider.System);
    var agentId = Guid.NewGuid();

    var first = await MeasureAsync("first scan of the whole log (once, after install)", source, agentId);
    Check(first.Report, generator);
    var idle = await MeasureAsync("scan with nothing new", source, agentId);

    var increment = (long)(bytesPerSecond * interval.TotalSeconds);
    var steady = new List<Measured>();
    for (var i = 1; i <= 4; i++)
    {
        generator.Append(log, increment);
        steady.Add(await MeasureAsync($"scan of one interval's growth #{i} ({Mb(increment)} MB)", source, agentId));
        Check(steady[^1].Report, generator);
    }

    File.Move(log, log + ".1");
    generator.Append(log, increment);
    var rotated = await MeasureAsync($"scan after rotation (mail.log -> mail.log.1, {Mb(increment)} MB new)", source, agentId);
    Check(rotated.Report, generator);

    var perScan = steady.Concat([rotated]).Max(m => m.Cpu);
    var share = perScan.TotalSeconds / interval.TotalSeconds;
    var shareAtOneMinute = perScan.TotalSeconds / 60;
    var throughput = first.Report.Log!.BytesRead / first.Cpu.TotalSeconds;
    Console.WriteLine();
    Console.WriteLine($"steady state, a log growing {Mb(sizeBytes)} MB a day, Agent:EmissionInterval 15 min: worst scan {perScan.TotalMilliseconds:F0} ms CPU = {share:P3} of one core (target < 5 %)");
    Console.WriteLine($"same growth scanned every minute (the shortest interval): {shareAtOneMinute:P3} of one core");
    Console.WriteLine($"idle scan: {idle.Cpu.TotalMilliseconds:F0} ms CPU; first scan: {first.Cpu.TotalSeconds:F1} s CPU for {Mb(first.Report.Log.BytesRead)} MB ({throughput / 1024 / 1024:F0} MB per CPU second), working set at the end {Environment.WorkingSet / 1024 / 1024} MB");
    Console.WriteLine($"5 % of one core would keep up with a log growing {throughput * 0.05 * 86400 / 1024 / 1024 / 1024:F0} GB a day");
    return share < 0.05 ? 0 : 1;
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task<Measured> MeasureAsync(string what, IEmissionSource source, Guid agentId)
{
    var cpu = ProcessCpu();
    var watch = Stopwatch.StartNew();
    var report = await source.CollectAsync(agentId, CancellationToken.None);
    watch.Stop();
    var used = ProcessCpu() - cpu;
    if (report.LogError is not null)
    {
        throw new InvalidOperationException(report.LogError);
    }

    Console.WriteLine($"{what}: {used.TotalMilliseconds:F0} ms CPU, {watch.Elapsed.TotalMilliseconds:F0} ms wall, {Mb(report.Log!.BytesRead)} MB read from {report.Log.FilesRead} file(s)");
    return new Measured(used, report);
}

// utime + stime + cutime + cstime: the agent's own CPU and that of the commands it ran and waited for.
static TimeSpan ProcessCpu()
{
    var stat = File.ReadAllText("/proc/self/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
    return TimeSpan.FromSeconds(ticks / 100.0);
}

// The counts must match what was written, or the figures would time a reader that skips work.
static void Check(EmissionReport report, LogGenerator generator)
{
    var counted = report.Hours.Sum(h => h.NonDeliveryNotifications);
    var expected = generator.BouncesSince(DateTime.UtcNow.AddHours(-23).Date.AddHours(DateTime.UtcNow.AddHours(-23).Hour));
    if (counted < expected || report.Hours.Sum(h => h.UnparsedLines) > 0)
    {
        throw new InvalidOperationException($"The agent counted {counted} notifications and {report.Hours.Sum(h => h.UnparsedLines)} unparsed lines; the generator wrote {expected} in the reported hours.");
    }
}

static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

static string Ratio(long part, long whole) => whole == 0 ? "0 %" : ((double)part / whole).ToString("P1", CultureInfo.InvariantCulture);

internal sealed record Measured(TimeSpan Cpu, EmissionReport Report);

/// <summary>
/// Writes the lines a busy Postfix writes per message (smtpd connect, client, cleanup, qmgr from, a delivery, removed,
/// disconnect); one message in twenty is to an unknown local user and bounces, with the bounce daemon's line and the
/// notification's own delivery to the (foreign) sender. Classic syslog stamps in UTC, time advancing with the bytes.
/// </summary>
internal sealed class LogGenerator(DateTime start, double bytesPerSecond)
{
    private static readonly string[] Senders = ["news.example.org", "shop.example.net", "forged-a.example.com", "forged-b.example.com", "list.example.org"];
    private readonly List<DateTime> _bounceTimes = [];
    private long _written;
    private long _queueId = 0x1A2B3C4D5E;
    private int _pid = 1000;

    public long Lines { get; private set; }

    public long Messages { get; private set; }

    public long Bounces => _bounceTimes.Count;

    public long BouncesSince(DateTime from) => _bounceTimes.Count(t => t >= from);

    public void Append(string path, long bytes)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20);
        var target = _written + bytes;
        var line = new StringBuilder(256);
        while (_written < target)
        {
            var at = start.AddSeconds(_written / bytesPerSecond);
            var stamp = at.ToString("MMM ", CultureInfo.InvariantCulture) + at.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + at.ToString(" HH:mm:ss", CultureInfo.InvariantCulture);
            var id = (_queueId++).ToString("X10", CultureInfo.InvariantCulture);
            var pid = _pid++ % 30000 + 1000;
            var domain = Senders[(int)(Messages % Senders.Length)];
            var bounce = Messages % 20 == 7;
            var user = bounce ? "nobody" + Messages : "user" + (Messages % 50);
            Write(writer, line, stamp, $"postfix/smtpd[{pid}]: connect from mail{Messages % 97}.{domain}[192.0.2.{Messages % 250 + 1}]");
            Write(writer, line, stamp, $"postfix/smtpd[{pid}]: {id}: client=mail{Messages % 97}.{domain}[192.0.2.{Messages % 250 + 1}]");
            Write(writer, line, stamp, $"postfix/cleanup[{pid + 1}]: {id}: message-id=<{Messages}.{id}@{domain}>");
            Write(writer, line, stamp, $"postfix/qmgr[900]: {id}: from=<sender{Messages % 13}@{domain}>, size={2000 + Messages % 40000}, nrcpt=1 (queue active)");
            if (bounce)
            {
                var notification = (_queueId++).ToString("X10", CultureInfo.InvariantCulture);
                Write(writer, line, stamp, $"postfix/local[{pid + 2}]: {id}: to=<{user}@example.test>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=5.1.1, status=bounced (unknown user: \"{user}\")");
                Write(writer, line, stamp, $"postfix/cleanup[{pid + 1}]: {notification}: message-id=<{at:yyyyMMddHHmmss}.{notification}@mx.example.test>");
                Write(writer, line, stamp, $"postfix/bounce[{pid + 3}]: {id}: sender non-delivery notification: {notification}");
                Write(writer, line, stamp, $"postfix/qmgr[900]: {notification}: from=<>, size={3000 + Messages % 9000}, nrcpt=1 (queue active)");
                Write(writer, line, stamp, $"postfix/smtp[{pid + 4}]: {notification}: to=<sender{Messages % 13}@{domain}>, relay=mx.{domain}[198.51.100.{Messages % 250 + 1}]:25, delay=0.4, delays=0/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)");
                Write(writer, line, stamp, $"postfix/qmgr[900]: {notification}: removed");
                _bounceTimes.Add(at);
            }
            else
            {
                Write(writer, line, stamp, $"postfix/local[{pid + 2}]: {id}: to=<{user}@example.test>, relay=local, delay=0.03, delays=0.01/0/0/0.02, dsn=2.0.0, status=sent (delivered to mailbox)");
            }

            Write(writer, line, stamp, $"postfix/qmgr[900]: {id}: removed");
            Write(writer, line, stamp, $"postfix/smtpd[{pid}]: disconnect from mail{Messages % 97}.{domain}[192.0.2.{Messages % 250 + 1}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
            Messages++;
        }
    }

    private void Write(StreamWriter writer, StringBuilder line, string stamp, string text)
    {
        line.Clear().Append(stamp).Append(" mx ").Append(text).Append('\n');
        _written += line.Length;
        writer.Write(line);
        Lines++;
    }
}
