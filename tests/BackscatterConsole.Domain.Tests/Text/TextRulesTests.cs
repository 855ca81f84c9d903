using BackscatterConsole.Domain.Text;

namespace BackscatterConsole.Domain.Tests.Text;

public sealed class TextRulesTests
{
    [Theory]
    [InlineData(0x00)]
    [InlineData(0x07)]
    [InlineData(0x09)]
    [InlineData(0x0A)]
    [InlineData(0x0D)]
    [InlineData(0x1B)]
    [InlineData(0x1F)]
    [InlineData(0x7F)]
    [InlineData(0x85)]
    [InlineData(0x9F)]
    public void ControlCharacterError_SingleLine_RefusesEveryControlCharacter(int code)
    {
        var error = TextRules.ControlCharacterError($"ab{(char)code}c", "Title");

        Assert.Equal($"Title contains the control character U+{code:X4} at position 3; it must be a single line of printable characters.", error);
    }

    [Theory]
    [InlineData("line one\r\nline two")]
    [InlineData("a\tb\nc")]
    public void ControlCharacterError_MultiLineWithTabAndBreaks_Accepts(string value) =>
        Assert.Null(TextRules.ControlCharacterError(value, "Rationale", multiLine: true));

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("a\u000Bb")]
    [InlineData("a\u007Fb")]
    public void ControlCharacterError_MultiLineOtherControls_Refuses(string value) =>
        Assert.Contains("only tab and line breaks are allowed", TextRules.ControlCharacterError(value, "Rationale", multiLine: true), StringComparison.Ordinal);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Ünïcödé — text with accents, emoji 🙂 and U+00A0\u00A0space")]
    public void ControlCharacterError_PrintableOrNull_Accepts(string? value) =>
        Assert.Null(TextRules.ControlCharacterError(value, "Title"));

    [Fact]
    public void AddControlCharacterError_ExistingErrors_AppendsTheMessage()
    {
        var errors = new Dictionary<string, string[]> { ["title"] = ["Too long."] };

        Assert.True(TextRules.AddControlCharacterError(errors, "title", "a\u0000", "Title"));
        Assert.Equal(2, errors["title"].Length);
        Assert.False(TextRules.AddControlCharacterError(errors, "other", "fine", "Other"));
        Assert.False(errors.ContainsKey("other"));
    }

    [Fact]
    public void ReplaceNul_MachineOutput_KeepsEverythingButNul() =>
        Assert.Equal("a\uFFFDb\u001b[0m\n", TextRules.ReplaceNul("a\0b\u001b[0m\n"));
}
