using System.Security.Claims;
using BackscatterConsole.Server.Hosting;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BackscatterConsole.Server.Access;

/// <summary>Users (Admins), API tokens and the caller's own account.</summary>
internal static class AccessApi
{
    public static RouteGroupBuilder MapAccessApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        users.MapGet("/", ListUsersAsync).WithName("ListUsers").WithSummary("List users (Admin).").WithStandardProblems();
        users.MapGet("/{id:guid}", GetUserAsync).WithName("GetUser").WithSummary("Get a user (Admin).").WithStandardProblems(404);
        users.MapPost("/", CreateUserAsync).WithName("CreateUser").Produces<UserDto>(StatusCodes.Status201Created).WithSummary("Create a user with roles (Admin).").WithStandardProblems(400, 409);
        users.MapPut("/{id:guid}", UpdateUserAsync).WithName("UpdateUser").Produces<UserDto>()
            .WithSummary("Change a user's e-mail, roles or disabled flag (Admin). Disabling ends their sessions and tokens at once.")
            .WithStandardProblems(400, 404, 409);

        var tokens = api.MapGroup("/tokens").WithTags("API tokens").RequireAuthorization(Policies.Authenticated);
        tokens.MapGet("/", ListTokensAsync).WithName("ListTokens").WithSummary("Your API tokens; Admins pass all=true for everybody's.").WithStandardProblems(400);
        tokens.MapGet("/{id:guid}", GetTokenAsync).WithName("GetToken").Produces<ApiTokenDto>().WithSummary("One of your tokens (Admins: any).").WithStandardProblems(404);
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateToken").Produces<CreatedApiTokenDto>(StatusCodes.Status201Created)
            .WithSummary("Create a token; the secret is in the response only. Only an Admin may pass another user's userId.")
            .WithStandardProblems(400);
        tokens.MapDelete("/{id:guid}", RevokeTokenAsync).WithName("RevokeToken").Produces(StatusCodes.Status204NoContent).WithSummary("Revoke a token; it stops working at once.").WithStandardProblems(404);

        var account = api.MapGroup("/account").WithTags("Account").RequireAuthorization(Policies.Authenticated);
        account.MapGet("/", GetAccountAsync).WithName("GetAccount").WithSummary("Who the caller is, with roles.").WithStandardProblems();
        account.MapGet("/preferences", GetPreferencesAsync).WithName("GetPreferences").WithSummary("The caller's portal preferences (colour scheme).").WithStandardProblems(404);
        account.MapPut("/preferences", SetPreferencesAsync).WithName("SetPreferences").Produces<AccountPreferencesDto>()
            .WithSummary("Change the caller's portal preferences: theme is light, dark or system.").WithStandardProblems(400, 404);
        account.MapPost("/password", ChangePasswordAsync).WithName("ChangePassword").Produces(StatusCodes.Status204NoContent).WithSummary("Change the caller's password.").WithStandardProblems(400);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<UserDto>>> ListUsersAsync(IUserAdministration users, CancellationToken ct) =>
        TypedResults.Ok(await users.ListAsync(ct));

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> GetUserAsync(Guid id, IUserAdministration users, CancellationToken ct) =>
        await users.GetAsync(id, ct) is { } user
            ? TypedResults.Ok(user)
            : ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", $"No user has the id {id}.");

    private static async Task<IResult> CreateUserAsync(CreateUserInput input, IUserAdministration users, CancellationToken ct)
    {
        var result = await users.CreateAsync(input, ct);
        return result.Succeeded ? TypedResults.CreatedAtRoute(result.Value, "GetUser", new { id = result.Value!.Id }) : result.ToProblem();
    }

    private static async Task<IResult> UpdateUserAsync(Guid id, UpdateUserInput input, IUserAdministration users, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await users.UpdateAsync(id, input, user.UserId(), ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<Ok<IReadOnlyList<ApiTokenDto>>> ListTokensAsync(IApiTokenService tokens, ClaimsPrincipal user, CancellationToken ct, bool all = false) =>
        TypedResults.Ok(await tokens.ListAsync(user.ToActor(), all, ct));

    private static async Task<IResult> GetTokenAsync(Guid id, IApiTokenService tokens, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await tokens.GetAsync(user.ToActor(), id, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<IResult> CreateTokenAsync(CreateApiTokenInput input, IApiTokenService tokens, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await tokens.CreateAsync(user.ToActor(), input, ct);
        return result.Succeeded ? TypedResults.CreatedAtRoute(result.Value, "GetToken", new { id = result.Value!.Id }) : result.ToProblem();
    }

    private static async Task<IResult> RevokeTokenAsync(Guid id, IApiTokenService tokens, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await tokens.RevokeAsync(user.ToActor(), id, ct);
        return result.Succeeded ? TypedResults.NoContent() : result.ToProblem();
    }

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> GetAccountAsync(IUserAdministration users, ClaimsPrincipal user, CancellationToken ct) =>
        await users.GetAsync(user.UserId(), ct) is { } me
            ? TypedResults.Ok(me)
            : ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", "Your account no longer exists.");

    private static async Task<Results<Ok<AccountPreferencesDto>, ProblemHttpResult>> GetPreferencesAsync(IAccountService account, ClaimsPrincipal user, CancellationToken ct) =>
        await account.GetPreferencesAsync(user.UserId(), ct) is { } preferences
            ? TypedResults.Ok(preferences)
            : ApiExtensions.Problem(StatusCodes.Status404NotFound, "Not found", "Your account no longer exists.");

    private static async Task<IResult> SetPreferencesAsync(AccountPreferencesInput input, IAccountService account, ClaimsPrincipal user, CancellationToken ct)
    {
        var result = await account.SetPreferencesAsync(user.UserId(), input, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.ToProblem();
    }

    private static async Task<IResult> ChangePasswordAsync(ChangePasswordInput input, IAccountService account, ClaimsPrincipal user)
    {
        var result = await account.ChangePasswordAsync(user.UserId(), input.CurrentPassword ?? string.Empty, input.NewPassword ?? string.Empty);
        return result.Succeeded ? TypedResults.NoContent() : result.ToProblem();
    }
}

/// <summary>Body of POST /api/v1/account/password.</summary>
internal sealed class ChangePasswordInput
{
    public string? CurrentPassword { get; set; }

    public string? NewPassword { get; set; }
}
