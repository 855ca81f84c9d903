using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace BackscatterConsole.Domain.Dns;

/// <summary>Thrown by <see cref="DnsMessage.Parse"/> for a malformed message. The only exception the parser lets out.</summary>
public sealed class DnsParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DnsParseException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong.</param>
    public DnsParseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">Cause.</param>
    public DnsParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One question entry.</summary>
/// <param name="Name">Queried name, lower case.</param>
/// <param name="Type">Queried type.</param>
/// <param name="Class">Class (1 = IN).</param>
public sealed record DnsQuestion(string Name, DnsRecordType Type, ushort Class);

/// <summary>A parsed DNS message (RFC 1035 §4.1) and the query writer.</summary>
public sealed class DnsMessage
{
    /// <summary>Largest message the reader accepts: the TCP length prefix cannot express more.</summary>
    public const int MaxMessageSize = 65535;

    private const int HeaderSize = 12;
    private const int MaxNameWireLength = 255;
    private const int MaxPointerHops = 127;

    private DnsMessage()
    {
    }

    /// <summary>Message id.</summary>
    public ushort Id { get; private init; }

    /// <summary>QR bit.</summary>
    public bool IsResponse { get; private init; }

    /// <summary>Opcode (0 = QUERY).</summary>
    public int Opcode { get; private init; }

    /// <summary>AA bit.</summary>
    public bool IsAuthoritative { get; private init; }

    /// <summary>TC bit: the answer did not fit and must be asked again over TCP.</summary>
    public bool IsTruncated { get; private init; }

    /// <summary>RA bit.</summary>
    public bool RecursionAvailable { get; private init; }

    /// <summary>Response code including the EDNS extended bits.</summary>
    public int ResponseCode { get; private init; }

    /// <summary>Question section.</summary>
    public IReadOnlyList<DnsQuestion> Questions { get; private init; } = [];

    /// <summary>Answer section.</summary>
    public IReadOnlyList<DnsRecord> Answers { get; private init; } = [];

    /// <summary>Authority section.</summary>
    public IReadOnlyList<DnsRecord> Authorities { get; private init; } = [];

    /// <summary>Additional section without the OPT pseudo-record.</summary>
    public IReadOnlyList<DnsRecord> Additionals { get; private init; } = [];

    /// <summary>UDP payload size the peer advertised in OPT, or null without EDNS.</summary>
    public int? EdnsPayloadSize { get; private init; }

    /// <summary>Writes a standard query with one question and, when <paramref name="ednsPayloadSize"/> is positive, an OPT record.</summary>
    /// <param name="id">Message id.</param>
    /// <param name="name">Normalized name (no trailing dot; labels of 1–63 octets).</param>
    /// <param name="type">Type asked for.</param>
    /// <param name="recursionDesired">Set RD.</param>
    /// <param name="ednsPayloadSize">UDP payload size to advertise (RFC 6891), or 0 for none.</param>
    /// <exception cref="ArgumentException">The name cannot be encoded.</exception>
    public static byte[] WriteQuery(ushort id, string name, DnsRecordType type, bool recursionDesired, ushort ednsPayloadSize)
    {
        ArgumentNullException.ThrowIfNull(name);

        // The name is encoded straight into the message: this runs once per query, so no label strings or temporary arrays.
        Span<byte> nameBytes = stackalloc byte[MaxNameWireLength];
        var nameLength = EncodeName(name, nameBytes);
        var size = HeaderSize + nameLength + 4 + (ednsPayloadSize > 0 ? 11 : 0);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        span[2] = (byte)(recursionDesired ? 0x01 : 0x00);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)(ednsPayloadSize > 0 ? 1 : 0));
        nameBytes[..nameLength].CopyTo(span[HeaderSize..]);
        var pos = HeaderSize + nameLength;
        BinaryPrimitives.WriteUInt16BigEndian(span[pos..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 2)..], 1);
        pos += 4;
        if (ednsPayloadSize > 0)
        {
            // OPT: root owner, type 41, class = payload size, TTL = extended rcode/version/flags (all zero), no options.
            span[pos] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 1)..], (ushort)DnsRecordType.OPT);
            BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 3)..], ednsPayloadSize);
        }

        return buffer;
    }

    /// <summary>Encodes a presentation-form name as uncompressed wire labels.</summary>
    /// <param name="name">Name without the trailing dot; empty for the root.</param>
    /// <exception cref="ArgumentException">A label is empty, over 63 octets, or non-ASCII, or the name is over 255 octets.</exception>
    public static byte[] EncodeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> buffer = stackalloc byte[MaxNameWireLength];
        return buffer[..EncodeName(name, buffer)].ToArray();
    }

    private static int EncodeName(string name, Span<byte> destination)
    {
        if (name.Length == 0 || name == ".")
        {
            destination[0] = 0;
            return 1;
        }

        var text = name.AsSpan().TrimEnd('.');
        var total = text.Length + 2;
        if (total > MaxNameWireLength)
        {
            throw new ArgumentException($"The name is {total} octets on the wire; at most {MaxNameWireLength} fit.", nameof(name));
        }

        var pos = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var label = dot < 0 ? text : text[..dot];
            if (label.Length is 0 or > 63)
            {
                throw new ArgumentException($"The label '{label}' must be 1 to 63 octets long.", nameof(name));
            }

            destination[pos++] = (byte)label.Length;
            foreach (var c in label)
            {
                if (c > 0x7E)
                {
                    throw new ArgumentException("A query name must be ASCII; convert it with IDNA first.", nameof(name));
                }

                destination[pos++] = (byte)c;
            }

            if (dot < 0)
            {
                break;
            }

            text = text[(dot + 1)..];
        }

        destination[pos++] = 0;
        return pos;
    }

    /// <summary>Parses a message. Every length and pointer is checked against the buffer, so hostile input costs bounded work.</summary>
    /// <param name="data">The message octets.</param>
    /// <exception cref="DnsParseException">The message is malformed.</exception>
    public static DnsMessage Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize)
        {
            throw new DnsParseException($"The message is {data.Length} octets long; a header alone takes {HeaderSize}.");
        }

        if (data.Length > MaxMessageSize)
        {
            throw new DnsParseException($"The message is {data.Length} octets long; at most {MaxMessageSize} are allowed.");
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(data);
        var flags1 = data[2];
        var flags2 = data[3];
        int qd = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);

        // Each question takes at least 5 octets and each record at least 11: reject impossible counts before allocating for them.
        if (HeaderSize + (qd * 5L) + ((an + ns + ar) * 11L) > data.Length)
        {
            throw new DnsParseException("The section counts promise more entries than the message holds.");
        }

        var pos = HeaderSize;
        var names = default(NameTable);
        var questions = qd == 0 ? [] : new DnsQuestion[qd];
        for (var i = 0; i < qd; i++)
        {
            var qname = ReadName(data, ref pos, ref names);
            Need(data, pos, 4);
            questions[i] = new DnsQuestion(qname, (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]), BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]));
            pos += 4;
        }

        var answers = ReadSection(data, ref pos, an, ref names, out _);
        var authorities = ReadSection(data, ref pos, ns, ref names, out _);
        var additionals = ReadSection(data, ref pos, ar, ref names, out var opt);
        var rcode = flags2 & 0x0F;
        int? payload = null;
        if (opt is { } o)
        {
            rcode |= o.ExtendedRcode << 4;
            payload = o.PayloadSize;
        }

        return new DnsMessage
        {
            Id = id,
            IsResponse = (flags1 & 0x80) != 0,
            Opcode = (flags1 >> 3) & 0x0F,
            IsAuthoritative = (flags1 & 0x04) != 0,
            IsTruncated = (flags1 & 0x02) != 0,
            RecursionAvailable = (flags2 & 0x80) != 0,
            ResponseCode = rcode,
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
            EdnsPayloadSize = payload,
        };
    }

    private static DnsRecord[] ReadSection(ReadOnlySpan<byte> data, ref int pos, int count, ref NameTable names, out (int PayloadSize, int ExtendedRcode)? opt)
    {
        opt = null;

        // Plain arrays: the sections are read-only views, and a List would cost a second object per section per message.
        var list = count == 0 ? [] : new DnsRecord[count];
        var filled = 0;
        for (var i = 0; i < count; i++)
        {
            var name = ReadName(data, ref pos, ref names);
            Need(data, pos, 10);
            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            var cls = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
            int rdLength = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 8)..]);
            pos += 10;
            Need(data, pos, rdLength);
            var rdataStart = pos;
            var rdataEnd = pos + rdLength;
            pos = rdataEnd;

            // RFC 2181 §8: a TTL with the top bit set is treated as zero.
            if (ttl > int.MaxValue)
            {
                ttl = 0;
            }

            if (type == DnsRecordType.OPT)
            {
                opt = (cls, (int)(ttl >> 24));
                continue;
            }

            list[filled++] = ReadRecordData(data, name, type, ttl, rdataStart, rdataEnd, ref names);
        }

        if (filled < count)
        {
            // The OPT pseudo-record is not part of the section.
            return filled == 0 ? [] : list[..filled];
        }

        return list;
    }

    private static DnsRecord ReadRecordData(ReadOnlySpan<byte> data, string name, DnsRecordType type, uint ttl, int start, int end, ref NameTable names)
    {
        var rd = data[start..end];
        var p = start;
        switch (type)
        {
            case DnsRecordType.A when rd.Length == 4:
            case DnsRecordType.AAAA when rd.Length == 16:
                return new AddressRecord(name, type, ttl, new IPAddress(rd));
            case DnsRecordType.A:
            case DnsRecordType.AAAA:
                throw new DnsParseException($"A {type} record for {name} has {rd.Length} octets of data.");
            case DnsRecordType.CNAME:
            case DnsRecordType.PTR:
            case DnsRecordType.NS:
                {
                    var target = ReadName(data, ref p, ref names);
                    CheckEnd(p, end, name, type);
                    return new NameRecord(name, type, ttl, target);
                }

            case DnsRecordType.MX:
                {
                    Need(data, p, 2);
                    var pref = BinaryPrimitives.ReadUInt16BigEndian(data[p..]);
                    p += 2;
                    var exchange = ReadName(data, ref p, ref names);
                    CheckEnd(p, end, name, type);
                    return new MxRecord(name, ttl, pref, exchange);
                }

            case DnsRecordType.TXT:
            case DnsRecordType.SPF:
                {
                    // Count the character-strings first so the list is allocated at its final size (usually one).
                    var count = 0;
                    for (var q = p; q < end; q += 1 + data[q])
                    {
                        count++;
                    }

                    var strings = new List<string>(count);
                    while (p < end)
                    {
                        int len = data[p++];
                        if (p + len > end)
                        {
                            throw new DnsParseException($"A character-string in the {type} record for {name} runs past its record.");
                        }

                        strings.Add(DecodeText(data.Slice(p, len)));
                        p += len;
                    }

                    return new TxtRecord(name, type, ttl, strings);
                }

            case DnsRecordType.SOA:
                {
                    var mname = ReadName(data, ref p, ref names);
                    var rname = ReadName(data, ref p, ref names);
                    Need(data, p, 20);
                    if (p + 20 > end)
                    {
                        throw new DnsParseException($"The SOA record for {name} is too short.");
                    }

                    var serial = BinaryPrimitives.ReadUInt32BigEndian(data[p..]);
                    var minimum = BinaryPrimitives.ReadUInt32BigEndian(data[(p + 16)..]);
                    return new SoaRecord(name, ttl, mname, rname, serial, minimum);
                }

            default:
                return new OpaqueRecord(name, type, ttl, rd.Length);
        }
    }

    private static void CheckEnd(int p, int end, string name, DnsRecordType type)
    {
        if (p != end)
        {
            throw new DnsParseException($"The {type} record for {name} has data beyond its name.");
        }
    }

    /// <summary>TXT data is octets; show it as UTF-8 when it is valid UTF-8 and keep other octets one-to-one.</summary>
    private static string DecodeText(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b > 0x7F)
            {
                try
                {
                    return StrictUtf8.GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    return Encoding.Latin1.GetString(bytes);
                }
            }
        }

        return Encoding.ASCII.GetString(bytes);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static string ReadName(ReadOnlySpan<byte> data, ref int pos, ref NameTable names)
    {
        // Answers name their owner with a pointer to the question (RFC 1035 §4.1.4); reusing the string decoded there saves
        // an allocation per record. Only a name that is nothing but a pointer to the start of a decoded name qualifies, and
        // only within the hop budget that decoding it again would have had, so malformed input fails exactly as before.
        if (pos + 1 < data.Length && (data[pos] & 0xC0) == 0xC0)
        {
            var target = ((data[pos] & 0x3F) << 8) | data[pos + 1];
            if (target < pos && names.TryGet(target, out var known, out var knownHops) && knownHops + 1 <= MaxPointerHops)
            {
                pos += 2;
                names.Add(pos - 2, known, knownHops + 1);
                return known;
            }
        }

        var start = pos;

        // Presentation form is at most 4 characters per wire octet (\DDD), so this never grows.
        Span<char> text = stackalloc char[MaxNameWireLength * 4];
        var length = 0;
        var cur = pos;
        var jumped = false;
        var hops = 0;
        var wireLength = 1;
        while (true)
        {
            Need(data, cur, 1);
            int len = data[cur];
            if ((len & 0xC0) == 0xC0)
            {
                Need(data, cur, 2);
                var target = ((len & 0x3F) << 8) | data[cur + 1];

                // Pointers must go strictly backwards: that alone rules out loops; the hop cap bounds the work.
                if (target >= cur || ++hops > MaxPointerHops)
                {
                    throw new DnsParseException($"A compression pointer at offset {cur} points forward or loops.");
                }

                if (!jumped)
                {
                    pos = cur + 2;
                    jumped = true;
                }

                cur = target;
                continue;
            }

            if ((len & 0xC0) != 0)
            {
                throw new DnsParseException($"Unsupported label type 0x{len:X2} at offset {cur}.");
            }

            if (len == 0)
            {
                if (!jumped)
                {
                    pos = cur + 1;
                }

                break;
            }

            Need(data, cur + 1, len);
            wireLength += len + 1;
            if (wireLength > MaxNameWireLength)
            {
                throw new DnsParseException($"A name exceeds {MaxNameWireLength} octets.");
            }

            if (length > 0)
            {
                text[length++] = '.';
            }

            foreach (var b in data.Slice(cur + 1, len))
            {
                if (b is >= 0x20 and < 0x7F and not (byte)'.' and not (byte)'\\')
                {
                    text[length++] = char.ToLowerInvariant((char)b);
                }
                else
                {
                    text[length++] = '\\';
                    text[length++] = (char)('0' + (b / 100));
                    text[length++] = (char)('0' + (b / 10 % 10));
                    text[length++] = (char)('0' + (b % 10));
                }
            }

            cur += 1 + len;
        }

        var name = new string(text[..length]);
        names.Add(start, name, hops);
        return name;
    }

    private static void Need(ReadOnlySpan<byte> data, int pos, int count)
    {
        if (pos < 0 || count < 0 || pos + count > data.Length)
        {
            throw new DnsParseException($"The message is truncated: {count} octets needed at offset {pos}, {data.Length} in all.");
        }
    }

    /// <summary>Names decoded so far in one message, by the offset they start at; a handful covers a typical answer.</summary>
    private struct NameTable
    {
        private NameEntries _entries;
        private int _count;

        public void Add(int offset, string name, int hops)
        {
            if (_count < NameEntries.Capacity)
            {
                _entries[_count++] = new NameEntry(offset, hops, name);
            }
        }

        public readonly bool TryGet(int offset, out string name, out int hops)
        {
            for (var i = 0; i < _count; i++)
            {
                if (_entries[i].Offset == offset)
                {
                    name = _entries[i].Name;
                    hops = _entries[i].Hops;
                    return true;
                }
            }

            name = string.Empty;
            hops = 0;
            return false;
        }
    }

    private readonly record struct NameEntry(int Offset, int Hops, string Name);

    /// <summary>Fixed room for the table on the stack, so parsing a message allocates nothing for it.</summary>
    [System.Runtime.CompilerServices.InlineArray(Capacity)]
    private struct NameEntries
    {
        public const int Capacity = 8;
        private NameEntry _first;
    }
}
