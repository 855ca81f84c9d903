using System.IO.Compression;
using System.Text;
using System.Text.Json;
using BackscatterConsole.Agent.Emission;
using BackscatterConsole.Agent.Tests.Support;

namespace BackscatterConsole.Agent.Tests.Emission;

/// <summary>
/// The incremental reader on real files, rotated the ways logrotate and Postfix do it: renamed, copied and truncated,
/// compressed; the writer caught in the middle of a line. Every scan hands over each line exactly once.
/// </summary>
public sealed class IncrementalLogReaderTests : IDisposable
{
    private static readonly DateTime Now = DateTime.UtcNow;
    private readonly TempDirectory _directory = new();
    private List<LogCursor> _cursors = [];

    private string Log => _directory.Combine("mail.log");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Scan_AppendedLines_AreReadOnceAndOnlyTheNewOnes()
    {
        Write(Log, Lines(1, 3));
        Assert.Equal(Lines(1, 3), Scan());

        Append(Log, Lines(4, 5));

        var second = Scan(out var result);
        Assert.Equal(Lines(4, 5), second);
        Assert.Equal(Encoding.ASCII.GetByteCount(string.Concat(Lines(4, 5).Select(l => l + "\n"))), result.BytesRead);
        Assert.Empty(Scan());
    }

    [Fact]
    public void Scan_PartialLastLine_IsKeptForTheNextScanAndReadWhole()
    {
        Write(Log, Lines(1, 2));
        Append(Log, "Dec 04 20:18:40 mx postfix/bounce[3]: 67900B24019: sender non-deliv", newline: false);

        Assert.Equal(Lines(1, 2), Scan());

        Append(Log, "ery notification: 86CF4B24056");
        Assert.Equal(["Dec 04 20:18:40 mx postfix/bounce[3]: 67900B24019: sender non-delivery notification: 86CF4B24056"], Scan());
    }

    [Fact]
    public void Scan_RotationByRename_ReadsTheRestOfTheRenamedFileAndTheNewFileWhole()
    {
        Write(Log, Lines(1, 3));
        Scan();

        // The writer adds lines, logrotate renames, the writer adds more to the renamed file until it reopens.
        Append(Log, Lines(4, 4));
        File.Move(Log, Log + ".1");
        Append(Log + ".1", Lines(5, 5));
        Write(Log, Lines(6, 7));

        Assert.Equal(Lines(4, 7), Scan());
        Assert.Empty(Scan());
    }

    [Fact]
    public void Scan_Copytruncate_ReadsTheCopysTailAndTheTruncatedFileFromItsStart()
    {
        Write(Log, Lines(1, 3));
        Scan();
        Append(Log, Lines(4, 5));

        // copytruncate: the content is copied to mail.log.1 and mail.log truncated in place (same inode), then written again.
        File.Copy(Log, Log + ".1");
        using (var truncate = new FileStream(Log, FileMode.Open, FileAccess.Write))
        {
            truncate.SetLength(0);
        }

        Append(Log, Lines(6, 11));

        Assert.Equal(Lines(4, 11), Scan().Order(StringComparer.Ordinal));
        Assert.Empty(Scan());
    }

    [Fact]
    public void Scan_RotatedFileCompressedLater_IsNotReadAgainAndItsUnreadTailIsRead()
    {
        Write(Log, Lines(1, 3));
        Scan();
        Append(Log, Lines(4, 4));
        File.Move(Log, Log + ".1");
        Write(Log, Lines(5, 5));
        Assert.Equal(Lines(4, 5), Scan());

        // The renamed file gets one more line before the writer lets go; then logrotate gzips it (delaycompress).
        Append(Log + ".1", Lines(6, 6));
        Gzip(Log + ".1", Log + ".2.gz");

        Assert.Equal(Lines(6, 6), Scan());
        Assert.Empty(Scan(out var again));
        Assert.Equal(0, again.BytesRead);
    }

    [Fact]
    public void Scan_FirstScanOfAHistory_ReadsRotatedAndCompressedFilesOldestFirstAndSkipsOnesOlderThanTheWindow()
    {
        Write(Log + ".3.gz.src", Lines(1, 1));
        Gzip(Log + ".3.gz.src", Log + ".3.gz");
        File.SetLastWriteTimeUtc(Log + ".3.gz", Now.AddDays(-9));
        Write(Log + ".2.gz.src", Lines(2, 2));
        Gzip(Log + ".2.gz.src", Log + ".2.gz");
        File.SetLastWriteTimeUtc(Log + ".2.gz", Now.AddDays(-2));
        Write(Log + ".1", Lines(3, 3));
        File.SetLastWriteTimeUtc(Log + ".1", Now.AddDays(-1));
        Write(Log, Lines(4, 4));

        Assert.Equal(Lines(2, 4), Scan());
    }

    [Fact]
    public void Scan_CursorsStoredAsJsonBetweenScans_ContinueWhereTheyStopped()
    {
        Write(Log, Lines(1, 2));
        Scan();
        _cursors = JsonSerializer.Deserialize<List<LogCursor>>(JsonSerializer.Serialize(_cursors))!;
        Append(Log, Lines(3, 3));

        Assert.Equal(Lines(3, 3), Scan());
    }

    [Fact]
    public void FileIdentity_RenamedFile_KeepsItAndANewFileHasAnother()
    {
        Write(Log, Lines(1, 1));
        var before = Identity(Log);
        File.Move(Log, Log + ".1");
        Write(Log, Lines(2, 2));

        Assert.NotNull(before);
        Assert.Equal(before, Identity(Log + ".1"));
        Assert.NotEqual(before, Identity(Log));
    }

    [Fact]
    public void LogFiles_Rotated_FindsNumberedDatedAndPostfixRotatedSiblingsOldestFirst()
    {
        foreach (var (name, age) in new[] { ("mail.log.2.gz", 3), ("mail.log.1", 2), ("mail.log-20261201.gz", 4), ("mail.log.20261204-204158.gz", 1), ("mail.log.3.bz2", 5), ("mail.log.old", 1), ("mail.logger", 1) })
        {
            Write(_directory.Combine(name), Lines(1, 1));
            File.SetLastWriteTimeUtc(_directory.Combine(name), Now.AddDays(-age));
        }

        Write(Log, Lines(1, 1));

        var files = LogFiles.Rotated(Log, out var skipped);

        Assert.Equal(["mail.log-20261201.gz", "mail.log.2.gz", "mail.log.1", "mail.log.20261204-204158.gz", "mail.log"], files.Select(f => Path.GetFileName(f.Path)));
        Assert.Equal(["mail.log.3.bz2"], skipped.Select(Path.GetFileName));
    }

    private static FileIdentity? Identity(string path)
    {
        using var stream = File.OpenRead(path);
        return FileIdentity.Of(stream.SafeFileHandle);
    }

    private List<string> Scan() => Scan(out _);

    private List<string> Scan(out LogScanResult result)
    {
        var reader = new IncrementalLogReader { Cursors = _cursors };
        var lines = new List<string>();
        result = reader.Scan(LogFiles.Rotated(Log, out _), Now, TimeSpan.FromDays(7), (line, _) => lines.Add(Encoding.ASCII.GetString(line)));
        _cursors = reader.Cursors;
        return lines;
    }

    private static string[] Lines(int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(i => $"Dec 04 20:{i:00}:00 mx postfix/smtpd[1]: connect from client{i}.example.net[192.0.2.{i}]").ToArray();

    private static void Write(string path, IEnumerable<string> lines) => File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));

    private static void Append(string path, IEnumerable<string> lines) => File.AppendAllText(path, string.Concat(lines.Select(l => l + "\n")));

    private static void Append(string path, string text, bool newline = true) => File.AppendAllText(path, text + (newline ? "\n" : string.Empty));

    private static void Gzip(string source, string target)
    {
        using (var input = File.OpenRead(source))
        using (var output = File.Create(target))
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            input.CopyTo(gzip);
        }

        File.Delete(source);
    }
}
