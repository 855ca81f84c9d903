using System.Buffers.Binary;
using System.Text;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Dns;

/// <summary>Builds raw DNS responses byte by byte, so tests control compression, counts and malformed data.</summary>
public sealed class MessageBuilder
{
    private readonly List<byte> _bytes = [];
    private ushort _answers;
    private ushort _authorities;

    public MessageBuilder(ushort id, string name, DnsRecordType type, int rcode, bool truncated = false)
    {
        _bytes.AddRange([(byte)(id >> 8), (byte)id, (byte)(0x84 | (truncated ? 0x02 : 0)), (byte)(0x80 | rcode), 0, 1, 0, 0, 0, 0, 0, 0]);
        _bytes.AddRange(Name(name));
        _bytes.AddRange([(byte)((ushort)type >> 8), (byte)type, 0, 1]);
    }

    public static byte[] Name(string name) => DnsMessage.EncodeName(name);

    public static byte[] Txt(params string[] strings) =>
        strings.SelectMany(s => new[] { (byte)s.Length }.Concat(Encoding.ASCII.GetBytes(s))).ToArray();

    public byte[] Pointer(int offset) => [(byte)(0xC0 | (offset >> 8)), (byte)offset];

    public void Answer(string owner, DnsRecordType type, uint ttl, byte[] data)
    {
        Record(owner, type, ttl, data);
        _answers++;
    }

    public void Authority(string owner, DnsRecordType type, uint ttl, byte[] data)
    {
        Record(owner, type, ttl, data);
        _authorities++;
    }

    public byte[] Build()
    {
        var bytes = _bytes.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), _answers);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(8), _authorities);
        return bytes;
    }

    private void Record(string owner, DnsRecordType type, uint ttl, byte[] data)
    {
        _bytes.AddRange(Name(owner));
        var fixedPart = new byte[10];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(8), (ushort)data.Length);
        _bytes.AddRange(fixedPart);
        _bytes.AddRange(data);
    }
}
