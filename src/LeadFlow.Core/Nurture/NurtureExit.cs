using LeadFlow.Core.Consent;
using LeadFlow.Core.Email;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Nurture;

/// <summary>What decides whether a contact stays in a nurture stream, read fresh at every check.</summary>
/// <param name="Stage">The lifecycle stage, in its configured spelling.</param>
/// <param name="StageChangedAt">The latest stage move (null: never moved).</param>
/// <param name="Qualification">The qualification rules' status: not_qualified, mql or sql.</param>
/// <param name="QualifiedSince">When that status was decided.</param>
/// <param name="Consent">The latest email consent for the purpose: true, false (revoked) or null (never given).</param>
/// <param name="HasEmail">Whether the contact has an email address.</param>
public sealed record NurtureFacts(string Stage, DateTime? StageChangedAt, string Qualification, DateTime? QualifiedSince, bool? Consent, bool HasEmail);

/// <summary>
/// When a contact leaves a nurture stream, a pure decision over <see cref="NurtureFacts"/>, in this order:
/// <list type="bullet">
/// <item><b>Qualified</b>: the lifecycle stage is MQL or beyond (mql, sql, opportunity, customer), or the
/// qualification rules say MQL/SQL with a decision newer than the latest stage move. A recycled contact whose rules
/// still said MQL when sales sent it back is not qualified by that old decision; a new qualification counts.</item>
/// <item><b>Disqualified</b>: the stage is disqualified.</item>
/// <item><b>Unsubscribed</b>: the email consent for the purpose was revoked (the latest record is a withdrawal).</item>
/// <item><b>Skipped</b>: consent was never given, or there is no address: nothing can be sent.</item>
/// </list>
/// </summary>
public static class NurtureExit
{
    public static readonly IReadOnlySet<string> QualifiedStages = new HashSet<string>(["mql", "sql", "opportunity", "customer"], StringComparer.OrdinalIgnoreCase);
    public const string DisqualifiedStage = "disqualified";

    /// <returns>A <see cref="NurtureStatus"/> exit, or null to stay.</returns>
    public static string? Decide(NurtureFacts facts)
    {
        if (QualifiedStages.Contains(facts.Stage)
            || (facts.Qualification is "mql" or "sql" && facts.QualifiedSince is { } since && (facts.StageChangedAt is not { } moved || since > moved)))
        {
            return NurtureStatus.Qualified;
        }
        if (string.Equals(facts.Stage, DisqualifiedStage, StringComparison.OrdinalIgnoreCase))
        {
            return NurtureStatus.Disqualified;
        }
        if (facts.Consent == false)
        {
            return NurtureStatus.Unsubscribed;
        }
        return facts.Consent is null || !facts.HasEmail ? NurtureStatus.Skipped : null;
    }

    private const string SelectFacts =
        "SELECT c.stage, c.email, (SELECT at FROM contact_stage_changes WHERE contact_id = c.id ORDER BY id DESC LIMIT 1), q.status, q.status_since, " +
        "(SELECT granted FROM consent_records WHERE contact_id = c.id AND channel = $2 AND purpose = $3 ORDER BY at DESC, id DESC LIMIT 1) " +
        "FROM contacts c LEFT JOIN contact_qualifications q ON q.contact_id = c.id WHERE c.id = $1";

    /// <summary>
    /// The same facts as <see cref="ReadAsync"/> in one prepared statement on a workflow store reader connection (SQLite):
    /// Nurture Stage reads them at every check.
    /// </summary>
    internal static NurtureFacts? Read(Workflows.SqliteWorkflowPath.Lease lease, LifecycleModel lifecycle, long contactId, string purpose)
    {
        using var reader = lease.Command(SelectFacts, contactId, EmailSender.Channel, purpose).ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }
        var stage = reader.IsDBNull(0) ? null : reader.GetString(0);
        return new NurtureFacts(lifecycle.Find(stage) ?? stage ?? lifecycle.Initial,
            reader.IsDBNull(2) ? null : reader.GetDateTime(2),
            reader.IsDBNull(3) ? "not_qualified" : reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetDateTime(4),
            reader.IsDBNull(5) ? null : reader.GetBoolean(5),
            !reader.IsDBNull(1) && reader.GetString(1).Length > 0);
    }

    /// <summary>Reads the facts of a contact (null when it no longer exists).</summary>
    public static async Task<NurtureFacts?> ReadAsync(LeadFlowDbContext db, LifecycleModel lifecycle, long contactId, string purpose, CancellationToken ct)
    {
        var contact = await db.Contacts.AsNoTracking().Where(c => c.Id == contactId).Select(c => new { c.Stage, c.Email }).FirstOrDefaultAsync(ct);
        if (contact is null)
        {
            return null;
        }
        var moved = await db.ContactStageChanges.AsNoTracking().Where(c => c.ContactId == contactId).OrderByDescending(c => c.Id)
            .Select(c => (DateTime?)c.At).FirstOrDefaultAsync(ct);
        var qualification = await db.ContactQualifications.AsNoTracking().Where(q => q.ContactId == contactId)
            .Select(q => new { q.Status, q.StatusSince }).FirstOrDefaultAsync(ct);
        var consent = await RecordConsent.CurrentAsync(db, contactId, EmailSender.Channel, purpose, ct);
        return new NurtureFacts(lifecycle.Find(contact.Stage) ?? contact.Stage ?? lifecycle.Initial, moved,
            qualification?.Status ?? "not_qualified", qualification?.StatusSince, consent, !string.IsNullOrEmpty(contact.Email));
    }
}
