using System.Text;

namespace BackscatterConsole.Domain.Smtp;

/// <summary>
/// Reads CRLF- (or bare LF-) terminated lines from a stream with a hard cap on line length,
/// so a peer that never sends a line end cannot make the probe buffer without limit.
/// </summary>
internal sealed class SmtpLineReader
{
    private static readonly Encoding Utf8Lenient = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Stream _stream;
    private readonly int _maxLineLength;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public SmtpLineReader(Stream stream, int maxLineLength)
    {
        _stream = stream;
        _maxLineLength = maxLineLength;
        _buffer = new byte[Math.Min(4096, maxLineLength + 2)];
    }

    /// <summary>Bytes received but not yet returned as lines.</summary>
    public int BufferedByteCount => _end - _start;

    /// <summary>Returns the next line without its terminator, or null when the peer closed the connection.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var scanFrom = _start + scanned;
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                if (length > _maxLineLength)
                {
                    throw new SmtpProtocolException(SmtpProbeFailureKind.ReplyTooLarge, $"A reply line exceeded {_maxLineLength} bytes.");
                }

                var line = Utf8Lenient.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (_end - _start > _maxLineLength)
            {
                throw new SmtpProtocolException(SmtpProbeFailureKind.ReplyTooLarge, $"A reply line exceeded {_maxLineLength} bytes without a line end.");
            }

            scanned = _end - _start;
            MakeRoom();
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    private void MakeRoom()
    {
        if (_end < _buffer.Length)
        {
            return;
        }

        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
            _start = 0;
            _end = pending;
            if (_end < _buffer.Length)
            {
                return;
            }
        }

        Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxLineLength + 2));
        if (_end >= _buffer.Length)
        {
            throw new SmtpProtocolException(SmtpProbeFailureKind.ReplyTooLarge, $"A reply line exceeded {_maxLineLength} bytes without a line end.");
        }
    }
}
