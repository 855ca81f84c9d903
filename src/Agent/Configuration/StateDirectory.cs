using System.Text;

namespace BackscatterConsole.Agent.Configuration;

/// <summary>
/// The agent's state directory: the credential and the job journals. On Unix the directory is 0700 and every file 0600
/// (owner only), set when the file is created so there is no moment where another user could read it. Writes go to a
/// temporary file that is renamed over the target, so a crash leaves the old or the new content, never half of one.
/// </summary>
public sealed class StateDirectory(string path)
{
    /// <summary>The directory.</summary>
    public string Path { get; } = path;

    /// <summary>Creates the directory (and <paramref name="subdirectory"/>) if missing and returns its full path.</summary>
    public string Ensure(string? subdirectory = null)
    {
        var directory = subdirectory is null ? Path : System.IO.Path.Combine(Path, subdirectory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="file"/> (relative to the directory) atomically, owner-only.</summary>
    public void WriteAllText(string file, string content)
    {
        var target = System.IO.Path.Combine(Path, file);
        Ensure(System.IO.Path.GetDirectoryName(file) is { Length: > 0 } sub ? sub : null);
        var temporary = target + ".tmp-" + Guid.NewGuid().ToString("N");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(content));
            // The rename must not reach the disk before the bytes do, or a power cut could leave an empty journal.
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>Reads <paramref name="file"/> (relative to the directory), or null when it does not exist.</summary>
    public string? ReadAllText(string file)
    {
        var target = System.IO.Path.Combine(Path, file);
        return File.Exists(target) ? File.ReadAllText(target) : null;
    }

    /// <summary>Files directly under <paramref name="subdirectory"/> matching <paramref name="pattern"/>, relative to the directory.</summary>
    public IReadOnlyList<string> List(string subdirectory, string pattern)
    {
        var directory = System.IO.Path.Combine(Path, subdirectory);
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, pattern).Select(f => System.IO.Path.GetRelativePath(Path, f)).Order(StringComparer.Ordinal).ToArray()
            : [];
    }
}
