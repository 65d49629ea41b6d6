using System.ComponentModel.DataAnnotations;
using LeadFlow.Core.ApiKeys;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.ApiKeys;

public sealed record ApiKeyCreateRequest
{
    [Required, MaxLength(100)]
    public required string Name { get; init; }

    /// <summary>admin, integrator or read-only.</summary>
    [Required]
    public required string Role { get; init; }
}

internal sealed record ApiKeyDto(long Id, string KeyId, string Name, string Role, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>The new key, shown only in this answer.</summary>
internal sealed record ApiKeyCreated(long Id, string KeyId, string Name, string Role, string Key);

/// <summary>Key management for admins over HTTP; the same operations as <c>leadflow keys</c>.</summary>
internal static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/keys").WithTags("API keys").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListAsync).WithSummary("List API keys (never their secrets)");
        group.MapPost("/", CreateAsync).WithSummary("Create an API key; the key is in this answer only");
        group.MapDelete("/{keyId}", RevokeAsync).WithSummary("Revoke an API key by key id");
        return group;
    }

    private static async Task<Ok<List<ApiKeyDto>>> ListAsync(ApiKeyStore keys, CancellationToken ct) =>
        TypedResults.Ok((await keys.ListAsync(ct)).Select(k => new ApiKeyDto(k.Id, k.KeyId, k.Name, k.Role.ToName(), k.CreatedAt, k.RevokedAt)).ToList());

    private static async Task<Results<Created<ApiKeyCreated>, ValidationProblem>> CreateAsync(ApiKeyCreateRequest request, ApiKeyStore keys, CancellationToken ct)
    {
        if (!ApiKeyRoles.TryParse(request.Role, out var role))
        {
            return Problem.Invalid("role", $"One of: {string.Join(", ", ApiKeyRoles.All)}.");
        }
        var key = await keys.CreateAsync(request.Name.Trim(), role, ct);
        return TypedResults.Created($"/api/keys/{key.KeyId}", new ApiKeyCreated(key.Id, key.KeyId, key.Name, role.ToName(), key.Key));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string keyId, ApiKeyStore keys, CancellationToken ct) =>
        await keys.RevokeAsync(keyId, ct) ? TypedResults.NoContent() : Problem.NotFound($"No API key has the id '{keyId}'.");
}
