namespace BackscatterConsole.Domain.Tests.Settings;

/// <summary>Reads the sample outputs under Settings/Samples, found by walking up from the test binaries to the project folder.</summary>
internal static class Samples
{
    private static readonly Lazy<string> Directory = new(FindDirectory);

    public static string Read(string name) => File.ReadAllText(Path.Combine(Directory.Value, name));

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Settings", "Samples");
            if (System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "BackscatterConsole.Domain.Tests.csproj")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("Settings/Samples not found above " + AppContext.BaseDirectory);
    }
}
