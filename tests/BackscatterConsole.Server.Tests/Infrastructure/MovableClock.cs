namespace BackscatterConsole.Server.Tests.Infrastructure;

/// <summary>The system clock plus an offset a test can move forward (to reach the hour after a fix without waiting for it).</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + Offset;
}
