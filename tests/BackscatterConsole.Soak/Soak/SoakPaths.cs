namespace BackscatterConsole.Soak;

/// <summary>Where the repository and the built programs are, seen from the running soak (program or test).</summary>
public static class SoakPaths
{
    /// <summary>The repository root: the first directory above this program's output that holds <c>src/Server</c>.</summary>
    public static string Repository
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "src", "Server")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"No repository (a directory with src/Server) above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The build configuration of this program (Release for the soak program, Debug for the test suite), taken from its output path.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The .NET host that runs the built programs.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>
    /// A file of the build output of <c>src/{project}</c> in this program's configuration and framework; fails with the
    /// build command (<paramref name="buildCommand"/>, with the configuration as <c>{0}</c>) when it is missing.
    /// </summary>
    public static string BuildOutput(string project, string file, string buildCommand)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var path = Path.Combine(Repository, "src", project, "bin", Configuration, framework, file);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build it first with '{string.Format(System.Globalization.CultureInfo.InvariantCulture, buildCommand, Configuration)}'.");
    }
}
