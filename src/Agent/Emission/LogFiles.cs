using System.Text.RegularExpressions;

namespace BackscatterConsole.Agent.Emission;

/// <summary>Finds a log and its rotated siblings, oldest first.</summary>
public static partial class LogFiles
{
    /// <summary>
    /// <paramref name="path"/> and what rotation left next to it: <c>mail.log.1</c>, <c>mail.log.2.gz</c> (logrotate's
    /// numbering), <c>mail.log-20261204</c>, <c>mail.log-20261204.gz</c> (its dateext) and <c>maillog.20261204-204158.gz</c>
    /// (<c>postfix logrotate</c> with the default <c>maillog_file_rotate_suffix</c>), oldest first by last write time,
    /// the log itself last. Siblings compressed with anything but gzip are listed in <paramref name="skipped"/>.
    /// </summary>
    public static IReadOnlyList<LogFileInfo> Rotated(string path, out IReadOnlyList<string> skipped)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(path) ?? ".";
        var name = Path.GetFileName(path);
        var found = new List<LogFileInfo>();
        var other = new List<string>();
        if (Directory.Exists(directory))
        {
            foreach (var candidate in Directory.EnumerateFiles(directory, name + "*"))
            {
                var suffix = Path.GetFileName(candidate)[name.Length..];
                if (suffix.Length == 0 || !RotationSuffix().IsMatch(suffix))
                {
                    continue;
                }

                if (CompressionSuffix().IsMatch(suffix) && !suffix.EndsWith(".gz", StringComparison.Ordinal))
                {
                    other.Add(candidate);
                    continue;
                }

                found.Add(new LogFileInfo(candidate, File.GetLastWriteTimeUtc(candidate)));
            }
        }

        skipped = other;
        var ordered = found.OrderBy(f => f.LastWriteUtc).ThenByDescending(f => f.Path, StringComparer.Ordinal).ToList();
        if (File.Exists(path))
        {
            ordered.Add(new LogFileInfo(path, File.GetLastWriteTimeUtc(path)));
        }

        return ordered;
    }

    /// <summary>The files in <paramref name="directory"/> matching <paramref name="pattern"/> (MailEnable's daily <c>SMTP-Activity-YYMMDD.log</c>), oldest first.</summary>
    public static IReadOnlyList<LogFileInfo> Matching(string directory, string pattern)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(pattern);
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, pattern)
                .Select(f => new LogFileInfo(f, File.GetLastWriteTimeUtc(f)))
                .OrderBy(f => f.LastWriteUtc).ThenBy(f => f.Path, StringComparer.Ordinal)
                .ToList()
            : [];
    }

    [GeneratedRegex(@"^[.-]\d[\d-]*(\.(gz|bz2|xz|zst|lz4|Z))?$")]
    private static partial Regex RotationSuffix();

    [GeneratedRegex(@"\.(gz|bz2|xz|zst|lz4|Z)$")]
    private static partial Regex CompressionSuffix();
}
