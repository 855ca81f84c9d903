using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Common;
using BackscatterConsole.Shared.Tokens;
using BackscatterConsole.Shared.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace BackscatterConsole.Server.Access;

internal static class AccessExtensions
{
    private const string SelectorScheme = "CookieOrToken";

    public static IHostApplicationBuilder AddAccess(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddScoped<IOperationActor, OperationActor>();
        services.AddSingleton(TimeProvider.System);

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectorScheme;
                options.DefaultChallengeScheme = SelectorScheme;
                options.DefaultForbidScheme = SelectorScheme;
            })
            // The API reference page under /api is a page of the portal: a browser opens it with the sign-in cookie.
            .AddPolicyScheme(SelectorScheme, "Cookie for the portal, bearer token for the API", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Path.StartsWithSegments(Shared.Agents.AgentHub.Path) ? Agents.AgentCredentialAuthenticationHandler.SchemeName
                    : (context.Request.Path.StartsWithSegments("/api") && !context.Request.Path.StartsWithSegments(Hosting.ApiReference.Path))
                    || context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    || (context.Request.Path.StartsWithSegments("/hubs") && context.Request.Query.ContainsKey("access_token"))
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(ConfigureCookie));

        services.AddIdentityCore<AppUser>(options =>
            {
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
                options.Password.RequiredLength = 10;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<AppRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager<AppSignInManager>()
            .AddDefaultTokenProviders();

        // Validate the cookie's security stamp on every request: disabling a user or changing roles updates the
        // stamp, and the next request of any session of that user is then signed out (or gets the new roles).
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);

        services.AddAuthorizationBuilder().AddConsolePolicies();

        services.AddScoped<IUserAdministration, UserAdministration>();
        services.AddScoped<IAccountService, AccountService>();
        services.AddScoped<IApiTokenService, ApiTokenService>();
        services.AddScoped<FirstRunBootstrap>();
        return builder;
    }

    /// <summary>The policies every endpoint and page names (also used by the portal's component tests).</summary>
    public static AuthorizationBuilder AddConsolePolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(Policies.Read, p => p.RequireRole(Roles.Admin, Roles.Operator, Roles.Reviewer, Roles.Viewer))
        .AddPolicy(Policies.ServersWrite, p => p.RequireRole(Roles.Admin, Roles.Operator))
        .AddPolicy(Policies.Admin, p => p.RequireRole(Roles.Admin))
        .AddPolicy(Policies.AuditRead, p => p.RequireRole(Roles.Admin, Roles.Reviewer))
        .AddPolicy(Policies.Review, p => p.RequireRole(Roles.Admin, Roles.Reviewer))
        .AddPolicy(Policies.Authenticated, p => p.RequireAuthenticatedUser());

    private static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.LoginPath = "/account/login";
        options.LogoutPath = "/account/logout";
        options.AccessDeniedPath = "/account/access-denied";
        options.Cookie.Name = "bsc.auth";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = TimeSpan.FromHours(8);
        options.SlidingExpiration = true;
    }
}

/// <summary>Refuses sign-in to disabled users, whatever their password.</summary>
internal sealed class AppSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    Microsoft.Extensions.Options.IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) => !user.IsDisabled && await base.CanSignInAsync(user);

    public override async Task<AppUser?> ValidateSecurityStampAsync(System.Security.Claims.ClaimsPrincipal? principal)
    {
        var user = await base.ValidateSecurityStampAsync(principal);
        return user is { IsDisabled: false } ? user : null;
    }
}
