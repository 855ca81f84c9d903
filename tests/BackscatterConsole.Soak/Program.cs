using System.Globalization;
using System.Runtime.InteropServices;
using BackscatterConsole.Soak;

// dotnet run -c Release --project tests/BackscatterConsole.Soak -- [--cycles N] [--provider sqlite|postgres] [--seed S] [--only KIND] [--keep] [--console DIR]
var cycles = 1000;
KillKind? only = null;
var provider = SoakProvider.Sqlite;
var seed = Environment.TickCount;
var keep = false;
string? consoleDirectory = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cycles" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0:
            cycles = n;
            i++;
            break;
        case "--provider" when i + 1 < args.Length && Enum.TryParse<SoakProvider>(args[i + 1], ignoreCase: true, out var p):
            provider = p;
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s):
            seed = s;
            i++;
            break;
        case "--only" when i + 1 < args.Length && Enum.TryParse<KillKind>(args[i + 1], ignoreCase: true, out var k):
            only = k;
            i++;
            break;
        case "--console" when i + 1 < args.Length && Directory.Exists(args[i + 1]):
            consoleDirectory = Path.GetFullPath(args[i + 1]);
            i++;
            break;
        case "--keep":
            keep = true;
            break;
        default:
            await Console.Error.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'. Use --cycles N, --provider sqlite|postgres, --seed S, --only none|console|agent|both|database, --keep, --console DIR (an existing published console).");
            return 2;
    }
}

if (SoakPaths.Configuration != "Release")
{
    Console.WriteLine($"soak: note: this is a {SoakPaths.Configuration} build; the figures in the README come from Release (dotnet run -c Release).");
}

if (only == KillKind.Database && provider != SoakProvider.Postgres)
{
    await Console.Error.WriteLineAsync("--only database needs --provider postgres.");
    return 2;
}

// --only narrows the faults to one kind, to chase one defect; the README's figures come from the random mix.
var options = new SoakOptions(cycles, provider, seed, KillSequence: only is { } kind ? [kind] : null, KeepWorkDirectory: keep, ConsoleDirectory: consoleDirectory);
Console.WriteLine($"soak: {cycles} cycles on {provider.ToString().ToLowerInvariant()}, seed {seed}, console {consoleDirectory ?? "from src/Server/bin"}, started {DateTime.UtcNow:u}");
// Ctrl+C or SIGTERM ends the run after the cycle under way and still prints the report; a second one stops at once.
using var stop = new CancellationTokenSource();
using var interrupt = new CancellationTokenSource();
void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    if (stop.IsCancellationRequested)
    {
        interrupt.Cancel();
    }
    else
    {
        Console.WriteLine("soak: stopping after this cycle (again to stop at once)");
        stop.Cancel();
    }
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

try
{
    var report = await SoakRun.RunAsync(options, Console.Out, interrupt.Token, stop.Token);
    Console.WriteLine();
    Console.WriteLine(report);
    return report.Violations.Count == 0 && report.StoppedBecause is null ? 0 : 1;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    await Console.Error.WriteLineAsync("soak: the run could not go on: " + e);
    return 2;
}
