using System.Text.Json;
using LeadFlow.Core.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadFlow.Server.Hosting;

/// <summary>Health checks in one place: <c>/health</c> answers 200 when the database is reachable, 503 when not.</summary>
internal static class Operations
{
    public static IServiceCollection AddLeadFlowHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddDbContextCheck<LeadFlowDbContext>("database");
        return services;
    }

    public static void MapLeadFlowHealthChecks(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteJsonAsync }).WithTags("Operations");

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message }),
        }, cancellationToken: context.RequestAborted);
    }
}
