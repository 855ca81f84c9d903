using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Settings;

namespace BackscatterConsole.Server.Tests.Checks;

public class SettingsSnapshotsApiTests(AppFactory factory) : IClassFixture<AppFactory>
{
    private readonly HttpClient _api = factory.CreateApiClient();

    [Fact]
    public async Task Upload_RealPostconfNAndP_StoresValuesOverridesAndIgnoredLines()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        var text = "postconf: warning: /etc/postfix/main.cf: unused parameter: foo=bar\n" + ScanApi.Sample("postconf-n-test-instance.txt");
        var response = await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text, postconfP = ScanApi.Sample("postconf-P-test-instance.txt") });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var snapshot = (await response.Content.ReadFromJsonAsync<SettingsSnapshotDto>())!;
        Assert.Equal(MtaPlatform.Postfix, snapshot.Platform);
        Assert.Equal(SettingsSources.PostconfN, snapshot.Source);
        Assert.Contains("mydestination", snapshot.Values.Keys);
        Assert.NotEmpty(snapshot.ServiceOverrides);
        Assert.Contains(snapshot.IgnoredLines, l => l.StartsWith("postconf: warning", StringComparison.Ordinal));
        Assert.Equal("admin", snapshot.UploadedBy);

        var latest = (await _api.GetFromJsonAsync<SettingsSnapshotDto>($"/api/v1/servers/{server.Id}/settings-snapshots/latest"))!;
        Assert.Equal(snapshot.Id, latest.Id);
        Assert.Equal(snapshot.Values["mydestination"], latest.Values["mydestination"]);
    }

    [Fact]
    public async Task Upload_CarbonioGcf_StoresAttributes()
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: "carbonio");
        var response = await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new { text = ScanApi.Sample("carbonio-gcf-default.txt") });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var snapshot = (await response.Content.ReadFromJsonAsync<SettingsSnapshotDto>())!;
        Assert.Equal(MtaPlatform.Carbonio, snapshot.Platform);
        Assert.Contains(snapshot.Values.Keys, k => k.StartsWith("zimbraMta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_MailEnableOptions_StoresFormValues()
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: "mailenable");
        var response = await _api.PostAsJsonAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new
        {
            mailEnable = new { authenticatedSendersMustUseValidSenderAddress = true, quotaNotification = "bounce-to-sender", catchAlls = new[] { "example.com=all@example.com" } },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var snapshot = (await response.Content.ReadFromJsonAsync<SettingsSnapshotDto>())!;
        Assert.Equal(MtaPlatform.MailEnable, snapshot.Platform);
        Assert.Equal(SettingsSources.MailEnableForm, snapshot.Source);
        Assert.Equal(["BounceToSender"], snapshot.Values["postoffice.quota-notification"]);
    }

    [Theory]
    [InlineData("postfix", "{}", "text")]
    [InlineData("postfix", "{\"text\": \"this is not postconf output\\nnor is this\"}", "text")]
    [InlineData("postfix", "{\"text\": \"myhostname = mx.example\", \"postconfP\": \"garbage only\"}", "postconfP")]
    [InlineData("carbonio", "{\"text\": \"\"}", "text")]
    [InlineData("mailenable", "{\"text\": \"myhostname = x\"}", "mailEnable")]
    [InlineData("mailenable", "{\"mailEnable\": {\"quotaNotification\": \"sometimes\"}}", "mailEnable.quotaNotification")]
    [InlineData("exchange", "{\"text\": \"myhostname = x\"}", "platform")]
    public async Task Upload_BadInput_Returns400WithTheField(string platform, string body, string field)
    {
        var server = await ScanApi.CreateServerAsync(_api, platform: platform);
        var response = await _api.PostAsync($"/api/v1/servers/{server.Id}/settings-snapshots", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Latest_NoSnapshotOrNoServer_Returns404Problem()
    {
        var server = await ScanApi.CreateServerAsync(_api);
        var none = await _api.GetAsync($"/api/v1/servers/{server.Id}/settings-snapshots/latest");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("no settings snapshot", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var missing = await _api.PostAsJsonAsync($"/api/v1/servers/{Guid.NewGuid()}/settings-snapshots", new { text = "a = b" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
