namespace BackscatterConsole.Domain.Tests.Emission;

/// <summary>
/// Reads the samples under Emission/Samples: <c>maillog-postfix-3.7.log</c> is the maillog_file of a real Postfix 3.7.11
/// (Debian 12) on loopback after forged mail to unknown recipients (non-delivery notifications), a message deferred past
/// delay_warning_time (a delay notification), a NOTIFY=SUCCESS request (a delivery status notification), long queue ids,
/// and the unknown-recipient fix refusing at RCPT; <c>postqueue-j-postfix-3.7.jsonl</c> is that instance's
/// <c>postqueue -j</c> afterwards (one message put on hold).
/// </summary>
internal static class EmissionSamples
{
    private static readonly Lazy<string> Directory = new(FindDirectory);

    public static string Path(string name) => System.IO.Path.Combine(Directory.Value, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static string Text(string name) => File.ReadAllText(Path(name));

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "Emission", "Samples");
            if (System.IO.Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(dir.FullName, "BackscatterConsole.Domain.Tests.csproj")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("Emission/Samples not found above " + AppContext.BaseDirectory);
    }
}
