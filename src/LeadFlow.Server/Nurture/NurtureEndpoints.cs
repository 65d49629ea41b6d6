using LeadFlow.Core.Nurture;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Workflows.Activities;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Problems;
using LeadFlow.Workflows.Model;
using LeadFlow.Workflows.Runtime;
using LeadFlow.Workflows.Stores;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Nurture;

internal sealed record NurtureStreamSummaryDto(string Stream, int Active, int Runs, IReadOnlyDictionary<string, int> Left);

/// <summary>A stream's report: the contacts in each stage now, and per campaign how many were sent, skipped or passed over.</summary>
internal sealed record NurtureStreamDto(string Stream, int Active, IReadOnlyList<NurtureStageDto> Stages, IReadOnlyDictionary<string, int> Left);

/// <summary>
/// A stage (its activity id and name): the contacts in it now (Active), its campaigns, and how the runs that were last
/// in this stage left it (Left: advanced, completed, qualified, unsubscribed...).
/// </summary>
internal sealed record NurtureStageDto(string ActivityId, string Stage, int Active, IReadOnlyList<NurtureCampaignDto> Campaigns, IReadOnlyDictionary<string, int> Left);

internal sealed record NurtureCampaignDto(int Campaign, string Template, int Sent, int Skipped, int Passed);

internal sealed record NurtureRunDto(string WorkflowInstanceId, string InstanceStatus, string Status, string Stage, string StageActivityId, DateTime EnteredStreamAt,
    DateTime StageSince, int CampaignsSent, int? LastCampaign, string? LastTemplate, DateTime? LastSentAt, DateTime? NextAt, IReadOnlyList<NurtureSendDto> Sends);

internal sealed record NurtureSendDto(string Stage, int Campaign, string Template, string Status, string? MessageId, DateTime At);

internal sealed record NurtureContactDto(string Stream, long ContactId, IReadOnlyList<NurtureRunDto> Runs);

/// <summary>
/// The nurture report (<c>/api/nurture</c>): which streams run, how many contacts are in each stage of a stream, which
/// campaigns went out, how contacts left, and one contact's way through a stream. Read from <c>nurture_positions</c> and
/// <c>nurture_sends</c>, which Nurture Stage keeps; stages are listed in the order of the stream's published workflow.
/// </summary>
internal static class NurtureEndpoints
{
    private static readonly string[] Ended = [nameof(WorkflowStatus.Finished), nameof(WorkflowStatus.Cancelled)];

    public static RouteGroupBuilder MapNurture(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/nurture").WithTags("Nurture").RequireAuthorization(Policies.Read);
        group.MapGet("/streams", ListStreamsAsync).WithSummary("The nurture streams with contacts in them: active contacts, runs, and how runs left");
        group.MapGet("/streams/{stream}", GetStreamAsync).WithSummary("A nurture stream: contacts per stage now, campaigns sent, skipped and passed over, and exits");
        group.MapGet("/streams/{stream}/contacts/{contactId:long}", GetContactAsync).WithSummary("A contact's runs through a nurture stream: where it is and every campaign of each run");
        return group;
    }

    private static async Task<Ok<List<NurtureStreamSummaryDto>>> ListStreamsAsync(LeadFlowDbContext db, CancellationToken ct)
    {
        var rows = await Positions(db).GroupBy(p => new { p.Position.Stream, p.Position.Status, p.Running })
            .Select(g => new { g.Key.Stream, g.Key.Status, g.Key.Running, Count = g.Count() }).ToListAsync(ct);
        return TypedResults.Ok(rows.GroupBy(r => r.Stream).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NurtureStreamSummaryDto(g.Key, g.Where(r => r.Status == NurtureStatus.Active && r.Running).Sum(r => r.Count), g.Sum(r => r.Count), LeftCounts(g.Select(r => (r.Status, r.Running, r.Count)))))
            .ToList());
    }

    private static async Task<Results<Ok<NurtureStreamDto>, ProblemHttpResult>> GetStreamAsync(string stream, LeadFlowDbContext db, IWorkflowDefinitionStore definitions, CancellationToken ct)
    {
        var positions = await Positions(db).Where(p => p.Position.Stream == stream)
            .GroupBy(p => new { p.Position.StageActivityId, p.Position.Stage, p.Position.Status, p.Running })
            .Select(g => new { g.Key.StageActivityId, g.Key.Stage, g.Key.Status, g.Key.Running, Count = g.Count() }).ToListAsync(ct);
        var sends = await db.Set<NurtureSend>().AsNoTracking().Where(s => s.Stream == stream)
            .GroupBy(s => new { s.StageActivityId, s.Campaign, s.Template, s.Status })
            .Select(g => new SendCount(g.Key.StageActivityId, g.Key.Campaign, g.Key.Template, g.Key.Status, g.Count())).ToListAsync(ct);
        var stages = await StagesOfAsync(definitions, stream, ct);
        if (positions.Count == 0 && stages.Count == 0)
        {
            return Problem.NotFound($"No nurture stream '{stream}': no published workflow with Nurture Stage activities has that id, and no contact has been in it.");
        }
        foreach (var seen in positions.Select(p => (p.StageActivityId, p.Stage)).Distinct())
        {
            if (!stages.Exists(s => s.ActivityId == seen.StageActivityId))
            {
                stages.Add(seen);   // a stage of an earlier version of the stream
            }
        }
        var result = stages.Select(s =>
        {
            var here = positions.Where(p => p.StageActivityId == s.ActivityId).ToList();
            var campaigns = sends.Where(c => c.StageActivityId == s.ActivityId).GroupBy(c => (c.Campaign, c.Template)).OrderBy(g => g.Key.Campaign).ThenBy(g => g.Key.Template, StringComparer.Ordinal)
                .Select(g => new NurtureCampaignDto(g.Key.Campaign, g.Key.Template, Count(g, NurtureStatus.Sent), Count(g, NurtureStatus.Skipped), Count(g, NurtureStatus.Passed)))
                .ToList();
            return new NurtureStageDto(s.ActivityId, s.Stage, here.Where(p => p.Status == NurtureStatus.Active && p.Running).Sum(p => p.Count), campaigns,
                LeftCounts(here.Select(p => (p.Status, p.Running, p.Count))));
        }).ToList();
        return TypedResults.Ok(new NurtureStreamDto(stream, result.Sum(s => s.Active), result, LeftCounts(positions.Select(p => (p.Status, p.Running, p.Count)))));

        static int Count(IEnumerable<SendCount> rows, string status) => rows.Where(r => r.Status == status).Sum(r => r.Count);
    }

    private sealed record SendCount(string StageActivityId, int Campaign, string Template, string Status, int Count);

    private static async Task<Results<Ok<NurtureContactDto>, ProblemHttpResult>> GetContactAsync(string stream, long contactId, LeadFlowDbContext db, CancellationToken ct)
    {
        var runs = await (from p in db.Set<NurturePosition>().AsNoTracking()
                          join i in db.WorkflowInstances.AsNoTracking() on p.WorkflowInstanceId equals i.Id into instances
                          from i in instances.DefaultIfEmpty()
                          where p.Stream == stream && p.ContactId == contactId
                          orderby p.EnteredStreamAt, p.WorkflowInstanceId
                          select new { Position = p, InstanceStatus = i == null ? "Deleted" : i.Status }).ToListAsync(ct);
        if (runs.Count == 0)
        {
            return Problem.NotFound($"Contact {contactId} has not been in nurture stream '{stream}'.");
        }
        var ids = runs.Select(r => r.Position.WorkflowInstanceId).ToList();
        var sends = await db.Set<NurtureSend>().AsNoTracking().Where(s => ids.Contains(s.WorkflowInstanceId)).OrderBy(s => s.Id).ToListAsync(ct);
        return TypedResults.Ok(new NurtureContactDto(stream, contactId, runs.Select(r =>
        {
            var p = r.Position;
            return new NurtureRunDto(p.WorkflowInstanceId, r.InstanceStatus, p.Status, p.Stage, p.StageActivityId, p.EnteredStreamAt, p.StageSince, p.CampaignsSent,
                p.LastCampaign, p.LastTemplate, p.LastSentAt, p.NextAt,
                sends.Where(s => s.WorkflowInstanceId == p.WorkflowInstanceId).Select(s => new NurtureSendDto(s.Stage, s.Campaign, s.Template, s.Status, s.MessageId, s.At)).ToList());
        }).ToList()));
    }

    /// <summary>Positions with whether their instance still runs (a cancelled or finished instance's "active" position is not in the stream any more).</summary>
    private static IQueryable<PositionRow> Positions(LeadFlowDbContext db) =>
        from p in db.Set<NurturePosition>().AsNoTracking()
        join i in db.WorkflowInstances.AsNoTracking() on p.WorkflowInstanceId equals i.Id into instances
        from i in instances.DefaultIfEmpty()
        select new PositionRow(p, i != null && !Ended.Contains(i.Status));

    private sealed record PositionRow(NurturePosition Position, bool Running);

    /// <summary>How runs left (status other than active; an active position of an ended instance counts as "ended").</summary>
    private static Dictionary<string, int> LeftCounts(IEnumerable<(string Status, bool Running, int Count)> rows)
    {
        var left = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (status, running, count) in rows)
        {
            var key = status == NurtureStatus.Active ? running ? null : "ended" : status;
            if (key is not null)
            {
                left[key] = left.GetValueOrDefault(key) + count;
            }
        }
        return left;
    }

    /// <summary>The Nurture Stage activities of the stream's published workflow, in definition order.</summary>
    private static async Task<List<(string ActivityId, string Stage)>> StagesOfAsync(IWorkflowDefinitionStore definitions, string stream, CancellationToken ct)
    {
        var published = definitions is IPublishedDefinitionSource source
            ? await source.FindPublishedAsync(stream, ct)
            : (await definitions.ListVersionsAsync(stream, ct)).FirstOrDefault(v => v.IsPublished);
        if (published is null)
        {
            return [];
        }
        return published.Activities.Where(a => a.Type == nameof(NurtureStage))
            .Select(a => (a.ActivityId, a.GetProperty(nameof(NurtureStage.Stage))?.Expressions.GetValueOrDefault("Literal") is { Length: > 0 } name ? name.Trim() : a.DisplayName ?? a.ActivityId))
            .ToList();
    }
}
