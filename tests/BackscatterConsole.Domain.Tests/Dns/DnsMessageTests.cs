using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using BackscatterConsole.Domain.Dns;

namespace BackscatterConsole.Domain.Tests.Dns;

public sealed class DnsMessageTests
{
    [Fact]
    public void WriteQuery_WithEdns_WritesHeaderQuestionAndOpt()
    {
        var query = DnsMessage.WriteQuery(0xBEEF, "example.com", DnsRecordType.TXT, recursionDesired: true, ednsPayloadSize: 1232);

        var parsed = DnsMessage.Parse(query);

        Assert.Equal(0xBEEF, parsed.Id);
        Assert.False(parsed.IsResponse);
        var question = Assert.Single(parsed.Questions);
        Assert.Equal("example.com", question.Name);
        Assert.Equal(DnsRecordType.TXT, question.Type);
        Assert.Equal(1232, parsed.EdnsPayloadSize);
        Assert.Equal(0x01, query[2]);
    }

    [Fact]
    public void EncodeName_EmptyLabel_Throws()
    {
        Assert.Throws<ArgumentException>(() => DnsMessage.EncodeName("a..example.com"));
    }

    [Fact]
    public void EncodeName_Root_IsOneZeroOctet()
    {
        Assert.Equal([0], DnsMessage.EncodeName(string.Empty));
    }

    [Fact]
    public void EncodeName_LabelOver63_Throws()
    {
        Assert.Throws<ArgumentException>(() => DnsMessage.EncodeName(new string('a', 64) + ".example.com"));
    }

    [Fact]
    public void EncodeName_NameOver255Octets_Throws()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));
        Assert.Throws<ArgumentException>(() => DnsMessage.EncodeName(name));
    }

    [Fact]
    public void Parse_ResponseWithCompressionAndAllTypes_ReadsRecords()
    {
        var builder = new MessageBuilder(0x1234, "example.com", DnsRecordType.TXT, rcode: 0);
        builder.Answer("example.com", DnsRecordType.TXT, 300, MessageBuilder.Txt("v=spf1 ", "-all"));
        builder.Answer("example.com", DnsRecordType.A, 60, [192, 0, 2, 1]);
        builder.Answer("example.com", DnsRecordType.AAAA, 60, IPAddress.Parse("2001:db8::1").GetAddressBytes());
        builder.Answer("example.com", DnsRecordType.MX, 60, [0, 10, .. builder.Pointer(12)]);
        builder.Answer("www.example.com", DnsRecordType.CNAME, 60, builder.Pointer(12));
        builder.Authority("example.com", DnsRecordType.SOA, 3600, [.. MessageBuilder.Name("ns.example.com"), .. MessageBuilder.Name("hostmaster.example.com"), 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 1, 44]);

        var parsed = DnsMessage.Parse(builder.Build());

        Assert.True(parsed.IsResponse);
        var txt = Assert.IsType<TxtRecord>(parsed.Answers[0]);
        Assert.Equal("v=spf1 -all", txt.Text);
        Assert.Equal(2, txt.Strings.Count);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<AddressRecord>(parsed.Answers[1]).Address);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Assert.IsType<AddressRecord>(parsed.Answers[2]).Address);
        var mx = Assert.IsType<MxRecord>(parsed.Answers[3]);
        Assert.Equal(10, mx.Preference);
        Assert.Equal("example.com", mx.Exchange);
        Assert.Equal("example.com", Assert.IsType<NameRecord>(parsed.Answers[4]).Target);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(parsed.Authorities));
        Assert.Equal(300u, soa.Minimum);
    }

    [Fact]
    public void Parse_CompressionPointerLoop_ThrowsParseError()
    {
        var message = new byte[14];
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4), 1);

        // The question name is a pointer to itself.
        message[12] = 0xC0;
        message[13] = 12;

        var error = Assert.Throws<DnsParseException>(() => DnsMessage.Parse(message.Concat(new byte[4]).ToArray()));
        Assert.Contains("pointer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PointerChainBackwardsThenForward_ThrowsParseError()
    {
        var builder = new MessageBuilder(1, "a.example", DnsRecordType.A, rcode: 0);
        var bytes = builder.Build();

        // Rewrite the question's first label into a pointer past the end of the question.
        bytes[12] = 0xC0;
        bytes[13] = 40;
        Assert.Throws<DnsParseException>(() => DnsMessage.Parse(bytes));
    }

    [Fact]
    public void Parse_TruncatedMessage_ThrowsParseError()
    {
        var builder = new MessageBuilder(7, "example.com", DnsRecordType.TXT, rcode: 0);
        builder.Answer("example.com", DnsRecordType.TXT, 300, MessageBuilder.Txt("hello"));
        var bytes = builder.Build();

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<DnsParseException>(() => DnsMessage.Parse(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Parse_HugeSectionCounts_ThrowsBeforeAllocating()
    {
        var message = new byte[12];
        message.AsSpan(4).Fill(0xFF);

        Assert.Throws<DnsParseException>(() => DnsMessage.Parse(message));
    }

    [Fact]
    public void Parse_OversizedMessage_ThrowsParseError()
    {
        Assert.Throws<DnsParseException>(() => DnsMessage.Parse(new byte[DnsMessage.MaxMessageSize + 1]));
    }

    [Fact]
    public void Parse_TxtStringRunningPastRecord_ThrowsParseError()
    {
        var builder = new MessageBuilder(7, "example.com", DnsRecordType.TXT, rcode: 0);
        builder.Answer("example.com", DnsRecordType.TXT, 300, [200, (byte)'a', (byte)'b']);

        Assert.Throws<DnsParseException>(() => DnsMessage.Parse(builder.Build()));
    }

    [Fact]
    public void Parse_GarbageTxtOctets_KeepsThemReadable()
    {
        var builder = new MessageBuilder(7, "example.com", DnsRecordType.TXT, rcode: 0);
        builder.Answer("example.com", DnsRecordType.TXT, 300, [4, 0xFF, 0x00, 0x96, (byte)'x', 0]);

        var txt = Assert.IsType<TxtRecord>(Assert.Single(DnsMessage.Parse(builder.Build()).Answers));

        Assert.Equal(2, txt.Strings.Count);
        Assert.Equal(4, txt.Strings[0].Length);
        Assert.Equal(string.Empty, txt.Strings[1]);
    }

    [Fact]
    public void Parse_BadAddressLength_ThrowsParseError()
    {
        var builder = new MessageBuilder(7, "example.com", DnsRecordType.A, rcode: 0);
        builder.Answer("example.com", DnsRecordType.A, 300, [1, 2, 3]);

        Assert.Throws<DnsParseException>(() => DnsMessage.Parse(builder.Build()));
    }

    [Fact]
    public void Parse_RandomAndMutatedInput_ThrowsOnlyParseErrorsQuickly()
    {
        var random = new Random(7208);
        var seedBuilder = new MessageBuilder(0x4242, "mail.example.com", DnsRecordType.MX, rcode: 0);
        seedBuilder.Answer("mail.example.com", DnsRecordType.MX, 60, [0, 5, .. seedBuilder.Pointer(12)]);
        seedBuilder.Answer("mail.example.com", DnsRecordType.TXT, 60, MessageBuilder.Txt("v=spf1 include:_spf.example.com ~all"));
        seedBuilder.Answer("mail.example.com", DnsRecordType.CNAME, 60, [3, (byte)'w', (byte)'w', (byte)'w', .. seedBuilder.Pointer(12)]);
        seedBuilder.Authority("example.com", DnsRecordType.SOA, 3600, [.. MessageBuilder.Name("ns.example.com"), .. MessageBuilder.Name("h.example.com"), .. new byte[20]]);
        var seed = seedBuilder.Build();
        var stopwatch = Stopwatch.StartNew();
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 4 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])seed.Clone();
                var flips = random.Next(1, 8);
                for (var f = 0; f < flips; f++)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                if (i % 3 == 0)
                {
                    input = input.AsSpan(0, random.Next(input.Length)).ToArray();
                }
            }

            try
            {
                DnsMessage.Parse(input);
                parsed++;
            }
            catch (DnsParseException)
            {
                // The only exception the parser may throw.
            }
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Parsing took {stopwatch.Elapsed}.");
        Assert.True(parsed > 0, "Some mutated messages should still parse.");
    }
}
