using BackscatterConsole.Domain.Tests.Smtp;

namespace BackscatterConsole.Cluster.Tests.Infrastructure;

/// <summary>An SMTP endpoint that greets only after a delay and then accepts every recipient, so a scan of it runs that long.</summary>
public static class SlowMta
{
    public static ScriptedSmtpServer Start(TimeSpan greetingDelay) => new(async (c, ct) =>
    {
        await Task.Delay(greetingDelay, ct);
        await c.SendAsync("220 mx.slow.example ESMTP", ct);
        while (await c.ReadLineAsync(ct) is { } line)
        {
            var verb = line.Split(' ', ':')[0].ToUpperInvariant();
            if (verb == "QUIT")
            {
                await c.SendAsync("221 2.0.0 Bye", ct);
                return;
            }

            await c.SendAsync(verb == "EHLO" ? "250 mx.slow.example" : "250 2.0.0 Ok", ct);
        }
    });
}
