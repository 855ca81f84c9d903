using System.IO.Compression;
using System.Security.Cryptography;

namespace BackscatterConsole.Agent.Emission;

/// <summary>Where the reader stopped in one file, kept in the agent's state directory between scans.</summary>
public sealed class LogCursor
{
    /// <summary>SHA-256 (hex) of the file's first line, or null while the file has no complete line.</summary>
    public string? Fingerprint { get; set; }

    /// <summary>Device of the file when last seen (null where the platform does not tell).</summary>
    public ulong? Device { get; set; }

    /// <summary>Inode of the file when last seen.</summary>
    public ulong? Inode { get; set; }

    /// <summary>Bytes consumed: everything up to and including the last complete line (of the decompressed text for .gz).</summary>
    public long Offset { get; set; }

    /// <summary>Size of the file when the reader last finished it (of the compressed file for .gz): an unchanged .gz is skipped without decompressing.</summary>
    public long Length { get; set; }

    /// <summary>Name the file had when last seen.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>When the cursor was last used (UTC); cursors unused for longer than the history are dropped.</summary>
    public DateTime LastSeen { get; set; }
}

/// <summary>A file of the log set as the reader sees it at a scan.</summary>
/// <param name="Path">Full path.</param>
/// <param name="LastWriteUtc">Last write time: the reference for year inference of classic syslog stamps.</param>
public sealed record LogFileInfo(string Path, DateTime LastWriteUtc);

/// <summary>What one scan read.</summary>
/// <param name="BytesRead">Bytes read from the files (decompressed bytes for .gz).</param>
/// <param name="FilesRead">Files that had new complete lines.</param>
public sealed record LogScanResult(long BytesRead, int FilesRead);

/// <summary>
/// Reads only what was written since the last scan, across log rotation. Each file is known by its identity (device and
/// inode) and by a fingerprint of its first line; the cursor records how many bytes were consumed:
/// <list type="bullet">
/// <item>renamed by rotation (<c>mail.log</c> → <c>mail.log.1</c>): same identity, same fingerprint, so reading goes on
/// from the offset and the lines the writer added before it reopened are not lost;</item>
/// <item>a new file under the old name: new identity and fingerprint, read from the start;</item>
/// <item>truncated in place (copytruncate): same identity but shorter, or a different first line: read from the start,
/// while the old cursor stays for the copy, which has the old fingerprint and is read on from the old offset;</item>
/// <item>compressed (<c>mail.log.2.gz</c>): a new identity with the old fingerprint inside, so decompression skips the
/// bytes already read; afterwards an unchanged .gz is skipped by identity and size without decompressing;</item>
/// <item>a partial last line (a writer caught mid-line) is not consumed: the next scan reads it whole. Only a .gz, which
/// nobody writes to any more, hands its unterminated last line over as it is.</item>
/// </list>
/// On a first scan (no cursors), files last written before the history window are skipped.
/// </summary>
public sealed class IncrementalLogReader
{
    private const int FingerprintLimit = 4096;
    private const int BufferSize = 128 * 1024;

    /// <summary>The cursors: give the stored ones, store them again after the scan.</summary>
    public List<LogCursor> Cursors { get; init; } = [];

    /// <summary>
    /// Reads the files, oldest first, calling <paramref name="line"/> for every complete line (without its line break).
    /// A file that disappears or cannot be opened between listing and reading is skipped; one that cannot be read throws.
    /// </summary>
    /// <param name="files">The log set, oldest first (rotated files before the current one).</param>
    /// <param name="now">The scan's time.</param>
    /// <param name="history">How far back a first scan reads.</param>
    /// <param name="line">Receives each line and the file it came from.</param>
    public LogScanResult Scan(IReadOnlyList<LogFileInfo> files, DateTime now, TimeSpan history, LineHandler line)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(line);
        var firstScan = Cursors.Count == 0;
        long bytes = 0;
        var filesRead = 0;
        foreach (var file in files)
        {
            if (firstScan && file.LastWriteUtc < now - history)
            {
                continue;
            }

            var read = ReadFile(file, now, line);
            bytes += read;
            filesRead += read > 0 ? 1 : 0;
        }

        Cursors.RemoveAll(c => c.LastSeen < now - history - TimeSpan.FromDays(1));
        return new LogScanResult(bytes, filesRead);
    }

    private long ReadFile(LogFileInfo file, DateTime now, LineHandler line)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(file.Path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,

                // The writer keeps appending and logrotate may rename or delete the file while it is open here.
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
            });
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }

        using (stream)
        {
            var identity = FileIdentity.Of(stream.SafeFileHandle);
            var length = stream.Length;
            var compressed = file.Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

            // An unchanged file that was read to its end is not opened any further (a .gz not even decompressed).
            var known = identity is { } id ? Cursors.FirstOrDefault(c => c.Device == id.Device && c.Inode == id.Inode) : null;
            if (known is not null && compressed && known.Length == length)
            {
                known.LastSeen = now;
                known.Path = file.Path;
                return 0;
            }

            using var content = compressed ? (Stream)new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
            var head = ReadHead(content, out var headLength);
            var fingerprint = Fingerprint(head, headLength, complete: compressed);
            var cursor = Match(fingerprint, known, file.Path, compressed ? long.MaxValue : length);
            if (cursor is null)
            {
                cursor = new LogCursor();
                Cursors.Add(cursor);
            }

            cursor.Fingerprint ??= fingerprint;
            cursor.Device = identity?.Device;
            cursor.Inode = identity?.Inode;
            cursor.Path = file.Path;
            cursor.LastSeen = now;

            long consumed;
            if (compressed)
            {
                // The head was read already; decompressed bytes before the offset are skipped, the rest is new.
                consumed = Pump(content, head, headLength, cursor.Offset, file, line, final: true);
            }
            else
            {
                stream.Position = cursor.Offset;
                consumed = Pump(stream, [], 0, 0, file, line, final: false);
            }

            cursor.Offset += consumed;
            cursor.Length = length;
            return consumed;
        }
    }

    /// <summary>
    /// The cursor this file continues: one with the same first line (renamed, copied or compressed files), else one with
    /// the same identity (or, without identities, the same name) whose file had no complete line yet. A cursor of the same identity with another first line means
    /// the file was truncated and rewritten: it stays for the copy and the file starts afresh.
    /// </summary>
    private LogCursor? Match(string? fingerprint, LogCursor? sameIdentity, string path, long length)
    {
        if (fingerprint is not null)
        {
            var byContent = sameIdentity?.Fingerprint == fingerprint
                ? sameIdentity
                : Cursors.Where(c => c.Fingerprint == fingerprint).OrderByDescending(c => c.Offset).FirstOrDefault();
            if (byContent is not null)
            {
                if (byContent.Offset > length)
                {
                    // Same first line but shorter than what was read: truncated and rewritten with an identical start.
                    byContent.Offset = 0;
                }

                return byContent;
            }
        }

        if (sameIdentity is not null && sameIdentity.Fingerprint is null)
        {
            return sameIdentity;
        }

        // Without an identity (a platform that does not tell), a file that has no complete line yet is known by its name.
        return fingerprint is null && sameIdentity is null ? Cursors.FirstOrDefault(c => c.Fingerprint is null && c.Device is null && c.Path == path) : null;
    }

    private static byte[] ReadHead(Stream content, out int length)
    {
        var head = new byte[FingerprintLimit];
        length = 0;
        int read;
        while (length < head.Length && (read = content.Read(head, length, head.Length - length)) > 0)
        {
            length += read;
        }

        return head;
    }

    /// <summary>Fingerprint of the first line; null when there is no complete first line yet (a file still being written).</summary>
    private static string? Fingerprint(byte[] head, int length, bool complete)
    {
        var newline = Array.IndexOf(head, (byte)'\n', 0, length);
        var end = newline >= 0 ? newline + 1 : length == FingerprintLimit || (complete && length > 0) ? length : -1;
        return end <= 0 ? null : Convert.ToHexString(SHA256.HashData(head.AsSpan(0, end)));
    }

    /// <summary>
    /// Feeds complete lines from <paramref name="source"/> (after <paramref name="prefix"/>, bytes already read from it) to
    /// <paramref name="line"/>, skipping the first <paramref name="skip"/> bytes; returns the bytes consumed after the skip.
    /// </summary>
    private static long Pump(Stream source, byte[] prefix, int prefixLength, long skip, LogFileInfo file, LineHandler line, bool final)
    {
        var buffer = new byte[BufferSize];
        var carried = 0;
        long position = 0;
        long consumed = 0;
        var fromPrefix = prefixLength;
        while (true)
        {
            int read;
            if (fromPrefix > 0)
            {
                Array.Copy(prefix, 0, buffer, carried, fromPrefix);
                read = fromPrefix;
                fromPrefix = 0;
            }
            else
            {
                if (carried == buffer.Length)
                {
                    // A line longer than the buffer: grow, lines are not cut by the reader.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                read = source.Read(buffer, carried, buffer.Length - carried);
            }

            if (read == 0)
            {
                if (final && carried > 0 && position + carried > skip)
                {
                    var start = (int)Math.Max(0, skip - position);
                    line(buffer.AsSpan(start, carried - start), file);
                    consumed += carried - start;
                }

                return consumed;
            }

            var available = carried + read;
            var span = buffer.AsSpan(0, available);
            var begin = 0;
            int newline;
            while ((newline = span[begin..].IndexOf((byte)'\n')) >= 0)
            {
                var end = begin + newline;
                var lineStart = position + begin;
                var lineEnd = position + end + 1;
                if (lineEnd > skip)
                {
                    // A skip that ends inside a line means the file was rewritten: the rest of that line is still new text.
                    var from = (int)Math.Max(begin, skip - position);
                    line(span[from..end], file);
                    consumed += lineEnd - Math.Max(lineStart, skip);
                }

                begin = end + 1;
            }

            position += begin;
            carried = available - begin;
            if (carried > 0)
            {
                Array.Copy(buffer, begin, buffer, 0, carried);
            }
        }
    }
}

/// <summary>Receives one line of the log (without its line break) and the file it came from.</summary>
public delegate void LineHandler(ReadOnlySpan<byte> line, LogFileInfo file);
