using System.Net;
using System.Net.Http.Json;
using BackscatterConsole.Server.ChangeRequests;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Server.Jobs;
using BackscatterConsole.Server.Tests.Infrastructure;
using BackscatterConsole.Shared.Agents;
using BackscatterConsole.Shared.Audit;
using BackscatterConsole.Shared.ChangeRequests;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Jobs;
using BackscatterConsole.Shared.Servers;
using BackscatterConsole.Shared.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BackscatterConsole.Server.Tests.ChangeRequests;

/// <summary>Change requests and four-eyes approval through the API; each test has its own server and users.</summary>
public class ChangeRequestsApiTests : IDisposable
{
    private readonly Func<string, AppFactory> _createFactory;
    private readonly AppFactory _factory;

    public ChangeRequestsApiTests()
        : this(approvals => new AppFactory { Settings = new() { ["ChangeRequests:RequiredApprovals"] = approvals } })
    {
    }

    /// <param name="createFactory">Makes a server that needs the given number of approvals (the storage provider is the subclass's choice).</param>
    protected ChangeRequestsApiTests(Func<string, AppFactory> createFactory)
    {
        _createFactory = createFactory;
        _factory = createFactory("1");
    }

    [Fact]
    public async Task Lifecycle_DraftSubmitApproveApply_CreatesTheJobsAndEndsAppliedWhenTheyDo()
    {
        var (server, enrolled, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);

        var created = await author.Api.PostAsJsonAsync("/api/v1/change-requests", Input(server.Id, check));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var draft = (await created.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        Assert.Equal(ChangeRequestStates.Draft, draft.State);
        var change = draft.Items.Single().Changes.First();
        Assert.Equal(check, change.CheckId);
        Assert.StartsWith("postconf", change.Command, StringComparison.Ordinal);

        Assert.Equal(ChangeRequestStates.InReview, (await Act(author, draft.Id, "submit")).State);
        Assert.Equal(HttpStatusCode.Forbidden, (await author.Api.PostAsync($"/api/v1/change-requests/{draft.Id}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await author.Api.PostAsync($"/api/v1/change-requests/{draft.Id}/apply", null)).StatusCode);
        var approved = await Act(reviewer, draft.Id, "approve");
        Assert.Equal(ChangeRequestStates.Approved, approved.State);
        Assert.Equal(reviewer.UserName, approved.Approvals.Single().ReviewerName);

        var applying = await Act(author, draft.Id, "apply");
        Assert.Equal(ChangeRequestStates.Applying, applying.State);
        var jobId = applying.Items.Single().JobId!.Value;
        Assert.Equal(JobStates.Queued, applying.Items.Single().JobState);

        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<JobReports>().CompletedAsync(server.Id, enrolled.AgentId, new JobCompletion(jobId, AgentJobState.Succeeded, [], null, DateTimeOffset.UtcNow), CancellationToken.None);
        }

        var applied = await author.Api.GetFromJsonAsync<ChangeRequestDto>($"/api/v1/change-requests/{draft.Id}");
        Assert.Equal(ChangeRequestStates.Applied, applied!.State);
        var audit = await _factory.CreateApiClient().GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?objectType=change-request&objectId={draft.Id}&pageSize=50");
        Assert.Contains(audit!.Items, e => e.Action == AuditActions.ChangeRequestApproved && e.ActorName == reviewer.UserName);
        Assert.Equal(3, audit.Items.Count(e => e.Action == AuditActions.ChangeRequestTransition));
    }

    /// <summary>
    /// Found by the crash-consistency soak: a console killed between the apply's state change and its job left the request
    /// applying with no job for good. The interrupted apply is resumed: one job, linked in the commit that creates it.
    /// </summary>
    [Fact]
    public async Task Apply_InterruptedBeforeItsJobWasCreated_IsResumedWithOneLinkedJobAndFollowsIt()
    {
        var (server, enrolled, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);
        await Act(reviewer, request.Id, "approve");

        // What the crash left: the apply's first commit (the state change) without its second (the job).
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var record = await db.ChangeRequests.SingleAsync(c => c.Id == request.Id);
            record.State = ChangeRequestStates.Applying;
            record.Revision++;
            record.UpdatedAt = DateTime.UtcNow - TimeSpan.FromMinutes(2);
            await db.SaveChangesAsync();
        }

        var resumer = _factory.Services.GetServices<IHostedService>().OfType<InterruptedApplyService>().Single();
        await resumer.ResumeAsync(CancellationToken.None);
        await resumer.ResumeAsync(CancellationToken.None);

        var applying = await author.Api.GetFromJsonAsync<ChangeRequestDto>($"/api/v1/change-requests/{request.Id}");
        Assert.Equal(ChangeRequestStates.Applying, applying!.State);
        var jobId = applying.Items.Single().JobId!.Value;
        var jobs = await _factory.CreateApiClient().GetFromJsonAsync<PagedResult<AuditEntryDto>>($"/api/v1/audit?action={AuditActions.JobCreated}&pageSize=50");
        Assert.Single(jobs!.Items, e => e.After?.Contains(request.Id.ToString(), StringComparison.Ordinal) == true);

        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<JobReports>().CompletedAsync(server.Id, enrolled.AgentId, new JobCompletion(jobId, AgentJobState.Succeeded, [], null, DateTimeOffset.UtcNow), CancellationToken.None);
        }

        Assert.Equal(ChangeRequestStates.Applied, (await author.Api.GetFromJsonAsync<ChangeRequestDto>($"/api/v1/change-requests/{request.Id}"))!.State);
    }

    [Fact]
    public async Task Approve_ByTheAuthorOrTheLastEditor_IsForbiddenWithTheReason()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var admin = new TestUserClient(_factory.CreateApiClient());
        using var operatorUser = await _factory.CreateUserAsync(Roles.Operator);
        var own = await CreateSubmittedAsync(admin.Api, server.Id, check);

        var selfApproval = await admin.Api.PostAsync($"/api/v1/change-requests/{own.Id}/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, selfApproval.StatusCode);
        Assert.Contains("You wrote this request", await selfApproval.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var theirs = await CreateSubmittedAsync(operatorUser.Api, server.Id, check);
        (await Put(admin.Api, theirs.Id, theirs.Revision, Input(server.Id, check, "edited by admin"))).EnsureSuccessStatusCode();
        var editorApproval = await admin.Api.PostAsync($"/api/v1/change-requests/{theirs.Id}/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, editorApproval.StatusCode);
        Assert.Contains("edited this request last", await editorApproval.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_AfterApproval_ResetsApprovalsAndSendsItBackToReview()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);
        var approved = await Act(reviewer, request.Id, "approve");

        var edited = await Put(author.Api, request.Id, approved.Revision, Input(server.Id, check, "a better title"));

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var after = (await edited.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        Assert.Equal(ChangeRequestStates.InReview, after.State);
        Assert.Empty(after.Approvals);
        Assert.Equal(HttpStatusCode.Conflict, (await author.Api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null)).StatusCode);
    }

    [Fact]
    public async Task Approve_RequestChangedSinceItWasDisplayed_Returns412()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);
        var shown = await CreateSubmittedAsync(author.Api, server.Id, check);
        (await Put(author.Api, shown.Id, shown.Revision, Input(server.Id, check, "changed under the reviewer"))).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Put(author.Api, shown.Id, shown.Revision, Input(server.Id, check, "a stale edit"))).StatusCode);

        using var approve = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/change-requests/{shown.Id}/approve");
        approve.Headers.TryAddWithoutValidation("If-Match", $"\"{shown.Revision}\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await reviewer.Api.SendAsync(approve)).StatusCode);
    }

    [Fact]
    public async Task Reject_NeedsACommentAndKeepsIt()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);

        Assert.Equal(HttpStatusCode.BadRequest, (await reviewer.Api.PostAsJsonAsync($"/api/v1/change-requests/{request.Id}/reject", new { text = " " })).StatusCode);
        var rejected = await reviewer.Api.PostAsJsonAsync($"/api/v1/change-requests/{request.Id}/reject", new { text = "Do this after the maintenance window." });

        Assert.True(rejected.IsSuccessStatusCode, await rejected.Content.ReadAsStringAsync());
        var body = (await rejected.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        Assert.Equal(ChangeRequestStates.Rejected, body.State);
        Assert.Equal("rejection", body.Comments.Single().Kind);
        Assert.Equal(HttpStatusCode.Conflict, (await Put(author.Api, request.Id, body.Revision, Input(server.Id, check))).StatusCode);
    }

    [Fact]
    public async Task Viewer_CannotApprove_OperatorCannotApplyUnapproved()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var viewer = await _factory.CreateUserAsync(Roles.Viewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Api.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).StatusCode);
        var apply = await author.Api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null);
        Assert.Equal(HttpStatusCode.Conflict, apply.StatusCode);
        Assert.Contains("Only an approved request", await apply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Api.PostAsJsonAsync($"/api/v1/change-requests/{request.Id}/comments", new { text = "Looks right to me." })).StatusCode);
    }

    [Fact]
    public async Task TwoApprovalsAtOnce_AndApplySentTwice_EachEndsInOneDefiniteOutcome()
    {
        using var factory = _createFactory("2");
        var (server, _, check) = await ServerAsync(factory);
        using var author = await factory.CreateUserAsync(Roles.Operator);
        using var first = await factory.CreateUserAsync(Roles.Reviewer);
        using var second = await factory.CreateUserAsync(Roles.Reviewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);

        var approvals = await Task.WhenAll(first.Api.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null), second.Api.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null));
        Assert.All(approvals, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        foreach (var reviewer in new[] { first, second }.Where((_, i) => approvals[i].StatusCode == HttpStatusCode.Conflict))
        {
            // The one that lost the race retries and is counted.
            (await reviewer.Api.PostAsync($"/api/v1/change-requests/{request.Id}/approve", null)).EnsureSuccessStatusCode();
        }

        var approved = await author.Api.GetFromJsonAsync<ChangeRequestDto>($"/api/v1/change-requests/{request.Id}");
        Assert.Equal(ChangeRequestStates.Approved, approved!.State);
        Assert.Equal(2, approved.Approvals.Count);

        var applies = await Task.WhenAll(author.Api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null), author.Api.PostAsync($"/api/v1/change-requests/{request.Id}/apply", null));
        Assert.Equal(1, applies.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, applies.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var jobs = await factory.CreateApiClient().GetFromJsonAsync<List<JobDto>>($"/api/v1/servers/{server.Id}/jobs");
        Assert.Single(jobs!, j => !j.DryRun);
    }

    [Fact]
    public async Task List_WaitingForMyReview_ShowsOnlyWhatICanApprove()
    {
        var (server, _, check) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);
        using var reviewer = await _factory.CreateUserAsync(Roles.Reviewer);
        var request = await CreateSubmittedAsync(author.Api, server.Id, check);

        var mine = await reviewer.Api.GetFromJsonAsync<PagedResult<ChangeRequestSummaryDto>>("/api/v1/change-requests?mine=review");
        var authors = await author.Api.GetFromJsonAsync<PagedResult<ChangeRequestSummaryDto>>("/api/v1/change-requests?mine=review");

        Assert.Contains(mine!.Items, r => r.Id == request.Id);
        Assert.DoesNotContain(authors!.Items, r => r.Id == request.Id);
        Assert.Equal(HttpStatusCode.BadRequest, (await reviewer.Api.GetAsync("/api/v1/change-requests?state=pending")).StatusCode);
    }

    [Fact]
    public async Task Create_BadItems_Return400PerItem()
    {
        var (server, _, _) = await ServerAsync(_factory);
        using var author = await _factory.CreateUserAsync(Roles.Operator);

        var response = await author.Api.PostAsJsonAsync("/api/v1/change-requests", new { title = "", items = new object[] { new { serverId = server.Id, checkIds = new[] { "spf.all" } } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("title", text, StringComparison.Ordinal);

        // With a title, the item is planned and says which check is wrong, not only that the input is invalid.
        var badCheck = await author.Api.PostAsJsonAsync("/api/v1/change-requests", new { title = "t", items = new object[] { new { serverId = server.Id, checkIds = new[] { "spf.all" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, badCheck.StatusCode);
        var reason = await badCheck.Content.ReadAsStringAsync();
        Assert.Contains("Not settings checks", reason, StringComparison.Ordinal);
        Assert.Contains("spf.all", reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _factory.Dispose();
        }
    }

    private static object Input(Guid serverId, string check, string title = "Reject unknown recipients at SMTP time") =>
        new { title, rationale = "The server accepts then bounces: backscatter.", items = new[] { new { serverId, checkIds = new[] { check } } } };

    private static async Task<ChangeRequestDto> CreateSubmittedAsync(HttpClient api, Guid serverId, string check)
    {
        var created = await api.PostAsJsonAsync("/api/v1/change-requests", Input(serverId, check));
        created.EnsureSuccessStatusCode();
        var draft = (await created.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
        var submitted = await api.PostAsync($"/api/v1/change-requests/{draft.Id}/submit", null);
        submitted.EnsureSuccessStatusCode();
        return (await submitted.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
    }

    private static async Task<ChangeRequestDto> Act(TestUser user, Guid id, string action)
    {
        var response = await user.Api.PostAsync($"/api/v1/change-requests/{id}/{action}", null);
        Assert.True(response.IsSuccessStatusCode, $"{action}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ChangeRequestDto>())!;
    }

    private static Task<HttpResponseMessage> Put(HttpClient api, Guid id, long revision, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/change-requests/{id}") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{revision}\"");
        return api.SendAsync(request);
    }

    private static async Task<(ServerDto Server, EnrollmentResponse Enrolled, string Check)> ServerAsync(AppFactory factory)
    {
        using var api = factory.CreateApiClient();
        return await RemediationSetup.ServerWithAgentAsync(api);
    }

    /// <summary>The bootstrap admin as a disposable user-like client.</summary>
    private sealed class TestUserClient(HttpClient api) : IDisposable
    {
        public HttpClient Api { get; } = api;

        public void Dispose() => Api.Dispose();
    }
}
