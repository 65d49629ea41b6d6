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

/// <summary>A stream: contacts in it now (Active), runs ever (a recycled contact that re-entered is two), and how runs ended (Left).</summary>
internal sealed record NurtureStreamSummaryDto(string Stream, int Active, int Runs, IReadOnlyDictionary<string, int> Left);

/// <summary>A stream's report: the contacts in each stage now, and per campaign how many were sent, skipped or passed over.</summary>
internal sealed record NurtureStreamDto(string Stream, int Active, IReadOnlyList<NurtureStageDto> Stages, IReadOnlyDictionary<string, int> Left);

/// <summary>
/// A stage (its activity id and name): the contacts in it now (Active), its campaigns, and how the runs that were last
/// in this stage left it (Left: advanced, completed, qualified, unsubscribed...).
/// </summary>
internal sealed record NurtureStageDto(string ActivityId, string Stage, int Active, IReadOnlyList<NurtureCampaignDto> Campaigns, IReadOnlyDictionary<string, int> Left);

internal sealed record NurtureCampaignDto(int Campaign, string Template, int Sent, int Skipped, int Passed);

/// <summary>One run (workflow instance) through the stream: the stages it visited, oldest first, and every campaign it sent, skipped or passed over.</summary>
internal sealed record NurtureRunDto(string WorkflowInstanceId, string InstanceStatus, IReadOnlyList<NurtureVisitDto> Stages, IReadOnlyList<NurtureSendDto> Sends);

internal sealed record NurtureVisitDto(string Stage, string StageActivityId, int Entry, string Status, DateTime EnteredAt, DateTime? LeftAt, int CampaignsSent,
    int? LastCampaign, string? LastTemplate, DateTime? LastSentAt, DateTime? NextAt);

internal sealed record NurtureSendDto(string Stage, int Campaign, string Template, string Status, string? MessageId, DateTime At);

internal sealed record NurtureContactDto(string Stream, long ContactId, IReadOnlyList<NurtureRunDto> Runs);

/// <summary>
/// The nurture report (<c>/api/nurture</c>): which streams run, how many contacts are in each stage of a stream, which
/// campaigns went out, how contacts left each stage and how runs ended, and one contact's runs through a stream. Read
/// from <c>nurture_positions</c> (one row per stage visit) and <c>nurture_sends</c>, which Nurture Stage keeps; stages
/// are listed in the order of the stream's published workflow.
/// </summary>
internal static class NurtureEndpoints
{
    private static readonly string[] Ended = [nameof(WorkflowStatus.Finished), nameof(WorkflowStatus.Cancelled)];

    public static RouteGroupBuilder MapNurture(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/nurture").WithTags("Nurture").RequireAuthorization(Policies.Read);
        group.MapGet("/streams", ListStreamsAsync).WithSummary("The nurture streams contacts have been in: contacts in them now, runs, and how runs ended");
        group.MapGet("/streams/{stream}", GetStreamAsync).WithSummary("A nurture stream: contacts per stage now, campaigns sent, skipped and passed over, how contacts left each stage");
        group.MapGet("/streams/{stream}/contacts/{contactId:long}", GetContactAsync).WithSummary("A contact's runs through a nurture stream: the stages visited and every campaign");
        return group;
    }

    private static async Task<Ok<List<NurtureStreamSummaryDto>>> ListStreamsAsync(LeadFlowDbContext db, CancellationToken ct)
    {
        var active = await Visits(db).Where(p => p.Status == NurtureStatus.Active && p.Running).GroupBy(p => p.Stream)
            .Select(g => new { Stream = g.Key, Count = g.Count() }).ToListAsync(ct);
        var runs = await db.Set<NurturePosition>().AsNoTracking().GroupBy(p => p.Stream)
            .Select(g => new { Stream = g.Key, Count = g.Select(p => p.WorkflowInstanceId).Distinct().Count() }).ToListAsync(ct);
        var ends = await RunEnds(db).GroupBy(p => new { p.Stream, p.Status, p.Running })
            .Select(g => new { g.Key.Stream, g.Key.Status, g.Key.Running, Count = g.Count() }).ToListAsync(ct);
        return TypedResults.Ok(runs.OrderBy(r => r.Stream, StringComparer.Ordinal).Select(r => new NurtureStreamSummaryDto(r.Stream,
            active.FirstOrDefault(a => a.Stream == r.Stream)?.Count ?? 0, r.Count,
            LeftCounts(ends.Where(e => e.Stream == r.Stream).Select(e => (e.Status, e.Running, e.Count)), stageLevel: false))).ToList());
    }

    private static async Task<Results<Ok<NurtureStreamDto>, ProblemHttpResult>> GetStreamAsync(string stream, LeadFlowDbContext db, IWorkflowDefinitionStore definitions, CancellationToken ct)
    {
        var visits = await Visits(db).Where(p => p.Stream == stream)
            .GroupBy(p => new { p.StageActivityId, p.Stage, p.Status, p.Running })
            .Select(g => new { g.Key.StageActivityId, g.Key.Stage, g.Key.Status, g.Key.Running, Count = g.Count() }).ToListAsync(ct);
        var ends = await RunEnds(db).Where(p => p.Stream == stream).GroupBy(p => new { p.Status, p.Running })
            .Select(g => new { g.Key.Status, g.Key.Running, Count = g.Count() }).ToListAsync(ct);
        var sends = await db.Set<NurtureSend>().AsNoTracking().Where(s => s.Stream == stream)
            .GroupBy(s => new { s.StageActivityId, s.Campaign, s.Template, s.Status })
            .Select(g => new SendCount(g.Key.StageActivityId, g.Key.Campaign, g.Key.Template, g.Key.Status, g.Count())).ToListAsync(ct);
        var stages = await StagesOfAsync(definitions, stream, ct);
        if (visits.Count == 0 && stages.Count == 0)
        {
            return Problem.NotFound($"No nurture stream '{stream}': no published workflow with Nurture Stage activities has that id, and no contact has been in it.");
        }
        foreach (var seen in visits.Select(p => (p.StageActivityId, p.Stage)).Distinct())
        {
            if (!stages.Exists(s => s.ActivityId == seen.StageActivityId))
            {
                stages.Add(seen);   // a stage of an earlier version of the stream
            }
        }
        var result = stages.Select(s =>
        {
            var here = visits.Where(p => p.StageActivityId == s.ActivityId).ToList();
            var campaigns = sends.Where(c => c.StageActivityId == s.ActivityId).GroupBy(c => (c.Campaign, c.Template))
                .OrderBy(g => g.Key.Campaign).ThenBy(g => g.Key.Template, StringComparer.Ordinal)
                .Select(g => new NurtureCampaignDto(g.Key.Campaign, g.Key.Template, Count(g, NurtureStatus.Sent), Count(g, NurtureStatus.Skipped), Count(g, NurtureStatus.Passed)))
                .ToList();
            return new NurtureStageDto(s.ActivityId, s.Stage, here.Where(p => p.Status == NurtureStatus.Active && p.Running).Sum(p => p.Count), campaigns,
                LeftCounts(here.Select(p => (p.Status, p.Running, p.Count)), stageLevel: true));
        }).ToList();
        return TypedResults.Ok(new NurtureStreamDto(stream, result.Sum(s => s.Active), result, LeftCounts(ends.Select(p => (p.Status, p.Running, p.Count)), stageLevel: false)));

        static int Count(IEnumerable<SendCount> rows, string status) => rows.Where(r => r.Status == status).Sum(r => r.Count);
    }

    private sealed record SendCount(string StageActivityId, int Campaign, string Template, string Status, int Count);

    private static async Task<Results<Ok<NurtureContactDto>, ProblemHttpResult>> GetContactAsync(string stream, long contactId, LeadFlowDbContext db, CancellationToken ct)
    {
        var visits = await db.Set<NurturePosition>().AsNoTracking().Where(p => p.Stream == stream && p.ContactId == contactId).OrderBy(p => p.Id).ToListAsync(ct);
        if (visits.Count == 0)
        {
            return Problem.NotFound($"Contact {contactId} has not been in nurture stream '{stream}'.");
        }
        var ids = visits.Select(v => v.WorkflowInstanceId).Distinct().ToList();
        var statuses = await db.WorkflowInstances.AsNoTracking().Where(i => ids.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Status, ct);
        var sends = await db.Set<NurtureSend>().AsNoTracking().Where(s => ids.Contains(s.WorkflowInstanceId)).OrderBy(s => s.Id).ToListAsync(ct);
        return TypedResults.Ok(new NurtureContactDto(stream, contactId, ids.Select(id => new NurtureRunDto(id, statuses.GetValueOrDefault(id) ?? "Deleted",
            visits.Where(v => v.WorkflowInstanceId == id).Select(v => new NurtureVisitDto(v.Stage, v.StageActivityId, v.Entry, v.Status, v.EnteredAt, v.LeftAt,
                v.CampaignsSent, v.LastCampaign, v.LastTemplate, v.LastSentAt, v.NextAt)).ToList(),
            sends.Where(s => s.WorkflowInstanceId == id).Select(s => new NurtureSendDto(s.Stage, s.Campaign, s.Template, s.Status, s.MessageId, s.At)).ToList())).ToList()));
    }

    /// <summary>Stage visits with whether their run still runs (a cancelled or finished run's "active" visit is not in the stream any more).</summary>
    private static IQueryable<VisitRow> Visits(LeadFlowDbContext db) => Rows(db, db.Set<NurturePosition>().AsNoTracking());

    /// <summary>The last stage visit of each run: how the run ended, or where it is.</summary>
    private static IQueryable<VisitRow> RunEnds(LeadFlowDbContext db)
    {
        var visits = db.Set<NurturePosition>().AsNoTracking();
        return Rows(db, visits.Where(p => p.Id == visits.Where(o => o.WorkflowInstanceId == p.WorkflowInstanceId).Max(o => o.Id)));
    }

    private static IQueryable<VisitRow> Rows(LeadFlowDbContext db, IQueryable<NurturePosition> visits) =>
        from p in visits
        join i in db.WorkflowInstances.AsNoTracking() on p.WorkflowInstanceId equals i.Id into instances
        from i in instances.DefaultIfEmpty()
        select new VisitRow { Stream = p.Stream, StageActivityId = p.StageActivityId, Stage = p.Stage, Status = p.Status, Running = i != null && !Ended.Contains(i.Status) };

    private sealed class VisitRow
    {
        public required string Stream { get; init; }
        public required string StageActivityId { get; init; }
        public required string Stage { get; init; }
        public required string Status { get; init; }
        public bool Running { get; init; }
    }

    /// <summary>
    /// How visits left a stage (stage level: advanced, completed, qualified...) or how runs ended (the status of a run's
    /// last visit; a run that left its last stage with Advanced went on to other activities: "left"). An active visit of a
    /// cancelled or finished run counts as "ended"; active visits of running runs are not counted.
    /// </summary>
    private static Dictionary<string, int> LeftCounts(IEnumerable<(string Status, bool Running, int Count)> rows, bool stageLevel)
    {
        var left = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (status, running, count) in rows)
        {
            var key = status == NurtureStatus.Active ? running ? null : "ended"
                : !stageLevel && status == NurtureStatus.Advanced ? "left"
                : status;
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
