using System.Text.Json;
using LeadFlow.Core.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LeadFlow.Server.Problems;

/// <summary>
/// Turns the few exceptions that can reach the pipeline into problem details: unreadable or oversized bodies from
/// the framework, and unique-key races in the database. Anything else is a 500 with a trace id and no internals.
/// </summary>
internal sealed class ExceptionProblems(IProblemDetailsService problems, ILogger<ExceptionProblems> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => new HttpValidationProblemDetails(JsonErrors(json))
            {
                Status = StatusCodes.Status400BadRequest, Title = "The request body is not valid JSON for this endpoint.", Type = ProblemTypes.Validation,
            },
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } bad =>
                Problem.Details(StatusCodes.Status413PayloadTooLarge, "Payload too large", ProblemTypes.PayloadTooLarge, bad.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad =>
                Problem.Details(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", ProblemTypes.UnsupportedMediaType, bad.Message),
            BadHttpRequestException bad =>
                Problem.Details(bad.StatusCode, "Bad request", ProblemTypes.BadRequest, bad.Message),
            // SQLite's single writer was taken for too long (SQLITE_BUSY / SQLITE_LOCKED, or LeadFlow's write gate).
            DatabaseBusyException or SqliteException { SqliteErrorCode: 5 or 6 } or DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 5 or 6 } } =>
                Busy(context),
            DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 19 } or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } =>
                Problem.Details(StatusCodes.Status409Conflict, "Conflict", ProblemTypes.Conflict,
                    "Another request changed the same record at the same time (a unique value is taken). Retry the request."),
            _ => null,
        };
        if (problem is null)
        {
            log.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = Problem.Details(StatusCodes.Status500InternalServerError, "Internal server error", ProblemTypes.Internal,
                "The server failed to handle the request. The trace id identifies it in the server's log.");
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails Busy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "2";
        return Problem.Details(StatusCodes.Status503ServiceUnavailable, "Busy", ProblemTypes.Busy,
            "The database is busy with other writes. Nothing of this request was stored; retry it after the Retry-After delay.");
    }

    /// <summary>System.Text.Json's messages name CLR types; integrators need the JSON field and the reason.</summary>
    private static Dictionary<string, string[]> JsonErrors(JsonException json)
    {
        var message = json.Message;
        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            // "... missing required properties including: 'channel', 'purpose'."
            var names = message[(message.IndexOf("including:", StringComparison.Ordinal) + 10)..]
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(n => n.Trim('\'', '.', ' '))
                .Where(n => n.Length > 0);
            return names.ToDictionary(n => n, _ => new[] { "Required." });
        }
        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path;
        var reason = message.Contains("could not be mapped", StringComparison.Ordinal) ? "Unknown field."
            : message.Contains("could not be converted", StringComparison.Ordinal) ? "Has the wrong type for this field."
            : "Malformed JSON.";
        return new Dictionary<string, string[]> { [field] = [reason] };
    }
}
