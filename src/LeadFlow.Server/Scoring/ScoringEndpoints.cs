using LeadFlow.Core.Qualification;
using LeadFlow.Core.Scoring;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LeadFlow.Server.Scoring;

internal static class ScoringEndpoints
{
    public static RouteGroupBuilder MapScoring(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").WithTags("Scoring").RequireAuthorization(Policies.Read);
        group.MapGet("/{id:long}/score", GetScoreAsync)
            .WithSummary("A contact's current (decayed) score per model, grade and qualification, with the ledger rows behind them");
        group.MapPut("/{id:long}/sales-facts", PutSalesFactsAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Replace what sales know about a contact (budget, authority, need, timing...); the contact is qualified again");
        return group;
    }

    private static async Task<Results<Ok<ScoreExplanation>, ProblemHttpResult>> GetScoreAsync(long id, ExplainScore explain, CancellationToken ct) =>
        await explain.HandleAsync(id, ct) is { } explanation
            ? TypedResults.Ok(explanation)
            : Problem.NotFound($"No contact has id {id}.");

    /// <summary>The body is a JSON object of string values, e.g. <c>{"budget":"approved","authority":"decision-maker"}</c>; it replaces the stored facts.</summary>
    private static async Task<Results<Ok<SalesFactsDto>, ValidationProblem, ProblemHttpResult>> PutSalesFactsAsync(
        long id, Dictionary<string, string?> facts, SaveSalesFacts save, CancellationToken ct)
    {
        if (SalesFactsRequest.Check(facts) is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var (outcome, saved) = await save.HandleAsync(id, facts, ct);
        return outcome == SalesFactsOutcome.ContactNotFound
            ? Problem.NotFound($"No contact has id {id}.")
            : TypedResults.Ok(new SalesFactsDto(id, saved, "The contact is queued for requalification."));
    }
}

internal sealed record SalesFactsDto(long ContactId, IReadOnlyDictionary<string, string> Facts, string Note);

internal static class SalesFactsRequest
{
    public static Dictionary<string, string[]> Check(Dictionary<string, string?> facts)
    {
        var errors = new Dictionary<string, string[]>();
        if (facts.Count > ScoringLimits.SalesFactCount)
        {
            errors["$"] = [$"At most {ScoringLimits.SalesFactCount} facts."];
        }
        foreach (var (key, value) in facts)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Trim().Length > ScoringLimits.SalesFactKey)
            {
                errors[key] = [$"Names have 1 to {ScoringLimits.SalesFactKey} characters."];
            }
            else if (value?.Length > ScoringLimits.SalesFactValue)
            {
                errors[key] = [$"Values have at most {ScoringLimits.SalesFactValue} characters."];
            }
        }
        var duplicates = facts.Keys.GroupBy(k => k.Trim().ToLowerInvariant()).Where(g => g.Count() > 1).Select(g => g.Key);
        foreach (var duplicate in duplicates)
        {
            errors[duplicate] = ["Given twice (names are case-insensitive)."];
        }
        return errors;
    }
}
