using System.Globalization;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using LeadFlow.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadFlow.Core.Workflows.Activities;

/// <summary>What Run Rules found: the matched rules with their events, and the facts they were evaluated on.</summary>
public sealed record RunRulesResult(string File, string RuleSetVersion, IReadOnlyList<RuleMatch> Matches);

/// <summary>What Qualify Lead decided and recorded.</summary>
public sealed record QualifyResult(string Status, string? Previous, string? Rule, string? File, IReadOnlyList<string> Reasons, bool Changed);

/// <summary>
/// Rule files against one contact now, with exactly the inputs the scoring processor gives them: the contact's profile
/// (and tags), its primary account, its scores per model decayed to now, its grade (graded again only when the rule set
/// changed since, as the processor does), sales facts and recent activity. Loaded and evaluated by the processor's own
/// code (<see cref="ScoringStore"/>, <see cref="LeadEvaluator"/>); <see cref="QualifyAsync"/> also writes the result as
/// a processor batch of one contact does (compare-and-swap on the scoring revision, same rows, same lead events).
/// </summary>
internal sealed partial class ContactRules(IServiceProvider services, IServiceScopeFactory scopes, WriteGate gate, TimeProvider clock, ILogger<ContactRules> log)
{
    private const int MaxConflicts = 10;

    private RuleSetHost Rules => services.GetService<RuleSetHost>()
        ?? throw new InvalidOperationException("Rules are not configured on this host (no RuleSetHost).");

    private RuleSet? CurrentOrNull => services.GetService<RuleSetHost>()?.CurrentOrNull;

    /// <summary>The events a rule file can raise, or null when the rule set in force has no such file.</summary>
    public IReadOnlyList<string>? SuccessEventsOf(string file) => Rules.Current.SuccessEventsOf(file);

    /// <summary>Rule files of the rule set in force that Run Rules can evaluate (grading and qualification), by path.</summary>
    public IReadOnlyList<RuleFileInfo> RunnableFiles() =>
        CurrentOrNull?.Files.Where(f => f.Kind != RuleFileKind.Scoring).OrderBy(f => f.Path, StringComparer.Ordinal).ToList() ?? [];

    /// <summary>The scoring models of the rule set in force.</summary>
    public IReadOnlyList<string> ScoringModels() => CurrentOrNull?.ScoringModels.Select(m => m.Name).ToList() ?? [];

    public async Task<RunRulesResult> RunAsync(long contactId, string file, CancellationToken ct)
    {
        var ruleSet = Rules.Current;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var (lead, facts, _, _) = await EvaluateAsync(db, ruleSet, contactId, ct);
            var matches = await ruleSet.RunRulesAsync(file, lead.Contact, lead.Account, null, facts, ct);
            return new RunRulesResult(file, ruleSet.Version, matches);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public async Task<QualifyResult> QualifyAsync(long contactId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ruleSet = Rules.Current;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
            var sink = scope.ServiceProvider.GetService<ILeadEventSink>();
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                var (lead, _, store, (versionId, revision, now)) = await EvaluateAsync(db, ruleSet, contactId, ct);
                var qualification = lead.Qualification!;
                var status = LeadEvaluator.StatusName(qualification.Status);
                List<LeadEvent> events;
                using (var turn = await gate.EnterAsync(ct))
                {
                    await using var transaction = await db.Database.BeginTransactionAsync(ct);
                    var tx = transaction.GetDbTransaction();
                    if (!await store.TryBumpRevisionAsync(tx, revision, ct))
                    {
                        if (attempt >= MaxConflicts)
                        {
                            throw new InvalidOperationException($"Qualifying contact {contactId} conflicted with other scoring writers {attempt} times in a row.");
                        }
                        continue;   // a processor batch or rescore wrote meanwhile: evaluate again on fresh data
                    }
                    await store.WriteAsync(tx, [lead], versionId, now, ct);
                    events = ProcessInbox.LeadEvents([], [lead]);
                    if (sink is not null && events.Count > 0)
                    {
                        await sink.RecordAsync(db, events, ct);
                    }
                    await transaction.CommitAsync(ct);
                }
                if (sink is not null && events.Count > 0)
                {
                    // Not inline: this runs inside a workflow burst whose instance lock a dispatch could need.
                    _ = Task.Run(() => PublishAsync(sink), CancellationToken.None);
                }
                var previous = lead.QualificationStatus ?? "not_qualified";
                return new QualifyResult(status, previous, qualification.Rule, qualification.File, qualification.Reasons, status != previous);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private async Task PublishAsync(ILeadEventSink sink)
    {
        try
        {
            await sink.PublishAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex);
        }
    }

    private async Task<(LeadWork Lead, LeadFacts Facts, ScoringStore Store, (int VersionId, long Revision, DateTime Now) Read)> EvaluateAsync(
        LeadFlowDbContext db, RuleSet ruleSet, long contactId, CancellationToken ct)
    {
        var store = new ScoringStore(db.Database.GetDbConnection());
        var versions = services.GetService<RuleSetVersions>() ?? new RuleSetVersions(clock);
        var versionId = await versions.IdOfAsync(store, ruleSet.Version, ct);
        var revision = await store.ReadRevisionAsync(null, ct);
        var lead = new LeadWork(contactId);
        await store.LoadAsync(null, new Dictionary<long, LeadWork> { [contactId] = lead }, ct);
        if (!lead.Exists)
        {
            throw new InvalidOperationException($"Contact {contactId} does not exist.");
        }
        var tags = await ContactTags.OfAsync(db, contactId, ct);
        lead.Contact = lead.Contact with { Tags = tags.Take(InputLimits.MaxListItems).ToList() };
        var now = clock.GetUtcNow().UtcDateTime;
        await LeadEvaluator.EvaluateAsync(ruleSet, versionId, lead, now, ct);
        return (lead, LeadEvaluator.Facts(lead, now), store, (versionId, revision, now));
    }

    /// <summary>The contact id a workflow is correlated with, or a clear error.</summary>
    public static long ContactIdOf(LeadFlow.Workflows.Activities.ActivityExecutionContext context) =>
        long.TryParse(context.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new InvalidOperationException($"'{context.Type.TypeName}' needs the workflow's correlation id to be a contact id; it is '{context.CorrelationId ?? "(none)"}'.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing the lead events of Qualify Lead failed; they stay in the outbox for the next batch")]
    private partial void LogPublishFailed(Exception exception);
}
