using LeadFlow.Core.Processing;
using LeadFlow.Core.Scoring;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Rules;

internal static class RulesEndpoints
{
    public static RouteGroupBuilder MapRules(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rules").WithTags("Rules").RequireAuthorization(Policies.Read);
        group.MapGet("/", GetStatus)
            .WithSummary("The rule set in force (version, files, models), the problems of the last failed reload, and the processor's state");
        group.MapPost("/rescore", StartRescoreAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Recompute every contact's scores, grade and qualification with the rule set in force, as a background job");
        group.MapGet("/rescore/{id:long}", GetRescoreAsync).WithSummary("A rescore job's progress");
        return group;
    }

    private static Ok<RulesStatusDto> GetStatus(RuleSetHost host, ProcessorStatus processor)
    {
        var status = host.Status;
        var ruleSet = host.CurrentOrNull;
        return TypedResults.Ok(new RulesStatusDto(
            status.Version,
            status.LoadedAt,
            status.LastAttemptAt,
            status.Problems.Select(p => new RuleProblemDto(p.File, p.Rule, p.Message, p.Line)).ToList(),
            ruleSet?.Files.Select(f => new RuleFileDto(f.Path, f.Kind.ToString().ToLowerInvariant(), f.WorkflowName, f.Rules)).ToList() ?? [],
            ruleSet?.ScoringModels.Select(m => new ScoringModelDto(m.Name, m.File, m.HalfLife, m.Floor,
                m.Rules.Select(r => new ScoringRuleDto(r.Name, r.Points, r.Cap is { } cap ? new CapDto(cap.Count, cap.Period) : null)).ToList())).ToList() ?? [],
            ruleSet is null ? null : new GradingDto(ruleSet.Grading.File, ruleSet.Grading.Thresholds.Select(t => new ThresholdDto(t.Grade, t.MinFitPoints)).ToList()),
            processor.Current));
    }

    private static async Task<Results<Accepted<RescoreJobDto>, ProblemHttpResult>> StartRescoreAsync(
        RescoreRunner runner, CancellationToken ct, bool restart = false)
    {
        var (job, alreadyRunning) = await runner.StartAsync(restart, ct);
        if (job is null)
        {
            return TypedResults.Problem("No valid rule set is loaded; fix the rules first (GET /api/rules lists the problems).",
                statusCode: StatusCodes.Status409Conflict, title: "No rule set", type: ProblemTypes.RulesUnavailable);
        }
        if (alreadyRunning)
        {
            return Problem.Conflict($"Rescore job {job.Id} is running; follow it at /api/rules/rescore/{job.Id}, or pass restart=true to start over.");
        }
        return TypedResults.Accepted($"/api/rules/rescore/{job.Id}", RescoreJobDto.From(job));
    }

    private static async Task<Results<Ok<RescoreJobDto>, ProblemHttpResult>> GetRescoreAsync(long id, LeadFlowDbContext db, CancellationToken ct) =>
        await db.RescoreJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) is { } job
            ? TypedResults.Ok(RescoreJobDto.From(job))
            : Problem.NotFound($"No rescore job has id {id}.");
}

internal sealed record RulesStatusDto(
    string? Version,
    DateTime? LoadedAt,
    DateTime? LastAttemptAt,
    IReadOnlyList<RuleProblemDto> Problems,
    IReadOnlyList<RuleFileDto> Files,
    IReadOnlyList<ScoringModelDto> ScoringModels,
    GradingDto? Grading,
    ProcessorState Processing);

internal sealed record RuleProblemDto(string File, string? Rule, string Message, int? Line);

internal sealed record RuleFileDto(string Path, string Kind, string Workflow, IReadOnlyList<string> Rules);

internal sealed record ScoringModelDto(string Name, string File, TimeSpan HalfLife, double Floor, IReadOnlyList<ScoringRuleDto> Rules);

internal sealed record ScoringRuleDto(string Name, double Points, CapDto? Cap);

internal sealed record CapDto(int Count, TimeSpan Period);

internal sealed record GradingDto(string File, IReadOnlyList<ThresholdDto> Thresholds);

internal sealed record ThresholdDto(string Grade, double MinFitPoints);

internal sealed record RescoreJobDto(
    long Id, string Status, string RuleSetVersion, long ContactsDone, long ContactsTotal, double PercentDone, long InteractionsDone,
    long LastContactId, string? Error, string StartedBy, DateTime StartedAt, DateTime UpdatedAt, DateTime? FinishedAt)
{
    public static RescoreJobDto From(RescoreJob job) => new(
        job.Id, job.Status, job.RuleSetVersion, job.ContactsDone, job.ContactsTotal,
        job.Status == RescoreStatus.Completed ? 100 : job.ContactsTotal == 0 ? 0 : Math.Min(100, Math.Round(100.0 * job.ContactsDone / job.ContactsTotal, 1)),
        job.InteractionsDone, job.LastContactId, job.Error, job.StartedBy, job.StartedAt, job.UpdatedAt, job.FinishedAt);
}
