using System.Text.Json;
using BackscatterConsole.Agent.Configuration;
using BackscatterConsole.Agent.Emission;
using BackscatterConsole.Agent.Execution;
using BackscatterConsole.Agent.Tests.Support;
using BackscatterConsole.Shared.Agents;

namespace BackscatterConsole.Agent.Tests.Emission;

/// <summary>
/// The emission sources on real inputs: a running Postfix on loopback that accepts mail for unknown recipients and
/// bounces it to forged foreign senders (its transports point at the retry agent, so the notifications stay queued and
/// nothing leaves the machine), and MailEnable's recorded activity log.
/// </summary>
public sealed class EmissionSourceTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _state = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task Collect_RealPostfixBouncingForgedMail_QueueAndLogCountEveryNotificationAcrossPostfixLogrotate()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        await Swaks.KeepEverythingLocalAsync(postfix);
        var source = Source(postfix);

        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(0, (await Swaks.SendAsync(postfix.Port, $"victim{i}@forged{i}.example.org", $"nobody{i}@example.test")).ExitCode);
        }

        await EventuallyAsync(() => Count(postfix.MailLog, "sender non-delivery notification") == 3, postfix, "Postfix bounced the three messages");
        var first = await source.CollectAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Null(first.LogError);
        Assert.Null(first.QueueError);
        Assert.Contains("example.test", first.LocalDomains);
        Assert.Contains("mx.example.test", first.LocalDomains);
        Assert.Equal(3, first.Hours.Sum(h => h.NonDeliveryNotifications));
        Assert.Equal(3, first.Hours.Sum(h => h.NotificationsToForeign));
        Assert.True(first.Hours.Sum(h => h.NotificationDeliveries) >= 3);
        Assert.Equal(3, first.Queue!.NullSenderToForeign);
        Assert.Equal(3, first.Queue.QueueIds.Count);
        Assert.Equal(["forged1.example.org", "forged2.example.org", "forged3.example.org"], first.Queue.RecipientDomains.Select(d => d.Domain).Order(StringComparer.Ordinal));
        Assert.EndsWith("maillog", first.Log!.Path, StringComparison.Ordinal);
        Assert.DoesNotContain("victim", JsonSerializer.Serialize(first), StringComparison.Ordinal);
        Assert.DoesNotContain("nobody", JsonSerializer.Serialize(first), StringComparison.Ordinal);

        // Postfix's own rotation renames the log and gzips it; two more bounces land in the new log.
        Assert.True((await new ProcessRunner().RunAsync(["/usr/sbin/postfix", "-c", postfix.ConfigDirectory, "logrotate"], Wait, CancellationToken.None)).Succeeded);
        for (var i = 4; i <= 5; i++)
        {
            Assert.Equal(0, (await Swaks.SendAsync(postfix.Port, $"victim{i}@forged{i}.example.org", $"nobody{i}@example.test")).ExitCode);
        }

        await EventuallyAsync(() => Count(postfix.MailLog, "sender non-delivery notification") == 2, postfix, "Postfix bounced the two later messages into the new log");
        var second = await source.CollectAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(5, second.Hours.Sum(h => h.NonDeliveryNotifications));
        Assert.Equal(5, second.Hours.Sum(h => h.NotificationsToForeign));
        Assert.Equal(5, second.Queue!.NullSenderToForeign);
        Assert.True(second.Log!.FilesRead >= 1);

        // Nothing new: a third count reads no bytes and reports the same totals.
        var third = await source.CollectAsync(Guid.NewGuid(), CancellationToken.None);
        Assert.Equal(0, third.Log!.BytesRead);
        Assert.Equal(5, third.Hours.Sum(h => h.NonDeliveryNotifications));
    }

    [Fact]
    public async Task Collect_MissingLog_ReportsWhyAndStillCountsTheQueue()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        var options = Options(postfix);
        options.Emission.LogPath = _state.Combine("no-such.log");

        var report = await new PostfixEmissionSource(AgentConnectorKind.Postfix, options, new ProcessRunner(), new StateDirectory(_state.Combine("state")), TimeProvider.System).CollectAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Contains("does not exist", report.LogError, StringComparison.Ordinal);
        Assert.Empty(report.Hours);
        Assert.Null(report.QueueError);
        Assert.Equal(0, report.Queue!.Messages);
    }

    [Fact]
    public async Task Collect_PostqueueMissing_ReportsAQueueErrorInsteadOfZero()
    {
        await using var postfix = await RunningPostfix.StartAsync();
        var options = Options(postfix);
        options.Emission.PostqueuePath = "/usr/sbin/no-such-postqueue";

        var report = await new PostfixEmissionSource(AgentConnectorKind.Postfix, options, new ProcessRunner(), new StateDirectory(_state.Combine("state")), TimeProvider.System).CollectAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Null(report.Queue);
        Assert.Contains("no-such-postqueue", report.QueueError, StringComparison.Ordinal);
        Assert.Null(report.LogError);
    }

    [Fact]
    public async Task Collect_MailEnableRecordedActivityLog_CountsItIncrementally()
    {
        var logs = _state.Combine("SMTP");
        Directory.CreateDirectory(logs);
        var sample = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Emission", "SMTP-Activity-261204.log"));
        var cut = sample.IndexOf("12/04/26 19:40:17", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(logs, "SMTP-Activity-261204.log"), sample[..cut]);
        var options = new AgentOptions { StateDirectory = _state.Combine("state"), Connector = "mailenable" };
        options.Emission.LogPath = logs;
        options.Emission.TimeZone = "UTC";
        options.Emission.LocalDomains.Add("example.test");
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero));
        var source = new MailEnableEmissionSource(options, new StateDirectory(options.StateDirectory), clock);

        var first = await source.CollectAsync(Guid.NewGuid(), CancellationToken.None);
        await File.AppendAllTextAsync(Path.Combine(logs, "SMTP-Activity-261204.log"), sample[cut..]);
        var second = await source.CollectAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Null(first.Queue);
        Assert.Null(first.QueueError);
        Assert.Equal(1, first.Hours.Sum(h => h.NotificationsToForeign));
        Assert.Equal(2, second.Hours.Sum(h => h.NotificationsToForeign));
        Assert.Equal(2, second.Hours.Sum(h => h.NonDeliveryNotifications));
        Assert.Equal(3, second.Hours.Sum(h => h.NotificationDeliveries));
        // The second scan read only the appended part, up to the line MailEnable was still writing.
        Assert.Equal(System.Text.Encoding.ASCII.GetByteCount(sample[cut..(sample.LastIndexOf('\n') + 1)]), second.Log!.BytesRead);
        Assert.Contains(second.Notes!, n => n.Contains("queue is not read", StringComparison.Ordinal));
    }

    private PostfixEmissionSource Source(RunningPostfix postfix) =>
        new(AgentConnectorKind.Postfix, Options(postfix), new ProcessRunner(), new StateDirectory(_state.Combine("state")), TimeProvider.System);

    private AgentOptions Options(RunningPostfix postfix)
    {
        var options = new AgentOptions { StateDirectory = _state.Combine("state"), Connector = "postfix" };
        options.Postfix.ConfigDirectory = postfix.ConfigDirectory;
        options.Postfix.PostconfPath = "/usr/sbin/postconf";
        options.Postfix.PostmapPath = "/usr/sbin/postmap";
        options.Emission.TimeZone = TimeZoneInfo.Local.Id;
        return options;
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    private static async Task EventuallyAsync(Func<bool> condition, RunningPostfix postfix, string what)
    {
        using var timeout = new CancellationTokenSource(Wait);
        try
        {
            while (!condition())
            {
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Timed out waiting until {what}. Mail log:\n{postfix.MailLog}");
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
