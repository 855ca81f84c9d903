using System.Text.Json;
using System.Text.Json.Serialization;
using BackscatterConsole.Server.Data;
using BackscatterConsole.Shared.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace BackscatterConsole.Server.Hosting;

internal static class ApiExtensions
{
    /// <summary>Largest request body the API reads; inventory documents are far smaller.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            options.SerializerOptions.AllowTrailingCommas = false;
            StrictJson.Apply(options.SerializerOptions);
        });

        // Bad JSON and wrong parameter types throw, so the exception handler answers with problem details
        // that say what was wrong instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddOpenApi("v1", options =>
        {
            // Endpoints open to anyone (agent enrollment) say so, instead of inheriting the document's bearer requirement.
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
                {
                    operation.Security = [];
                }

                return Task.CompletedTask;
            });
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "BackscatterConsole API",
                    Version = "v1",
                    Description = "Inventory of managed mail servers and their backscatter checks. Authenticate with 'Authorization: Bearer <API token>'.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token created in the portal (Account → API tokens) or with POST /api/v1/tokens.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>Refuses oversized API bodies with 413 before anything reads them.</summary>
    public static IApplicationBuilder UseApiBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            if (context.Request.ContentLength > MaxRequestBodyBytes)
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body is {context.Request.ContentLength} bytes; the API accepts at most {MaxRequestBodyBytes}.");
                return;
            }

            // Chunked bodies have no length up front; the server stops reading at the limit and the handler answers 413.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxRequestBodyBytes;
            }
        }

        await next(context);
    });

    /// <summary>Maps an application result that failed to a problem-details result.</summary>
    public static IResult ToProblem(this OperationResult result) => result.Status switch
    {
        OperationStatus.Invalid => TypedResults.ValidationProblem(result.Errors?.ToDictionary() ?? [], title: result.Message ?? "The input is not valid."),
        OperationStatus.NotFound => Problem(StatusCodes.Status404NotFound, "Not found", result.Message),
        OperationStatus.Conflict => Problem(StatusCodes.Status409Conflict, "Conflict", result.Message),
        OperationStatus.PreconditionFailed => Problem(StatusCodes.Status412PreconditionFailed, "Precondition failed", result.Message),
        OperationStatus.Forbidden => Problem(StatusCodes.Status403Forbidden, "Forbidden", result.Message),
        OperationStatus.StorageUnavailable => Problem(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", result.Message),
        _ => throw new InvalidOperationException($"A successful result ({result.Status}) is not a problem."),
    };

    public static ProblemHttpResult Problem(int status, string title, string? detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>
    /// Documents the problem responses every API endpoint can give: 401 and 403, the given statuses, and 413 wherever a
    /// body is read (the body limit in front of every API endpoint answers it).
    /// </summary>
    public static RouteHandlerBuilder WithStandardProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        if (!statuses.Contains(StatusCodes.Status413PayloadTooLarge))
        {
            // The body parameter's metadata is inferred before conventions run, so it is visible here.
            builder.Add(endpoint =>
            {
                if (endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>().Any())
                {
                    endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails), ["application/problem+json"]));
                }
            });
        }

        foreach (var status in statuses)
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }

        return builder;
    }
}

/// <summary>Turns exceptions into problem details: malformed input as 400/413 with the reason, anything else as a 500 without internals.</summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest, InnerException: JsonException json })
        {
            // Keyed by the field path like every other validation error, so a client shows it next to the field.
            var field = StrictJson.FieldPath(json);
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [StrictJson.Describe(json)] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body is not valid JSON for this endpoint.",
                Detail = $"{field}: {StrictJson.Describe(json)}",
            };
        }
        else if (exception is BadHttpRequestException bad)
        {
            problem = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.Message,
            };
        }
        else if (StorageFailures.IsStorageUnavailable(exception, out var reason))
        {
            // Reads that fail (or writes outside the services' own handling) still get a clear, retryable answer.
            logger.LogError(exception, "Storage unavailable on {Method} {Path}: {Reason}", httpContext.Request.Method, httpContext.Request.Path, reason);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = $"Nothing was saved: {reason}. {StorageFailures.Advice(exception)}",
            };
        }
        else
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal error",
                Detail = "The server could not complete the request; the error is logged with the trace id.",
            };
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }
}
