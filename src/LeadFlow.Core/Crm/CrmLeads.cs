using System.Globalization;
using System.Text.Json;
using LeadFlow.Core.Storage;
using LeadFlow.Core.Transfers;
using LeadFlow.Core.Workflows;
using LeadFlow.Workflows.Expressions;
using LeadFlow.Workflows.Runtime;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Crm;

/// <summary>
/// The lead a connector sends: <c>contact</c> (what workflow expressions see: profile, custom fields, scores, grade,
/// qualification, consent) and <c>transfer</c> (id, name, run, interests and tags that travel with the lead).
/// </summary>
internal sealed class CrmLeads(LeadFlowDbContext db, ContactContextProvider contacts)
{
    public async Task<string> BuildAsync(CrmDelivery delivery, CancellationToken ct)
    {
        var values = await contacts.GetValuesAsync(new WorkflowContextRequest("", "", delivery.ContactId.ToString(CultureInfo.InvariantCulture), null), ct);
        var lead = new Dictionary<string, object?>(StringComparer.Ordinal) { ["contact"] = values["contact"] };
        if (delivery.TransferRunId is { } runId)
        {
            var transfer = await db.TransferRuns.AsNoTracking().Where(r => r.Id == runId)
                .Join(db.Transfers.AsNoTracking(), r => r.TransferId, t => t.Id, (r, t) => new { t.Id, t.Name, t.Interests, t.Tags })
                .FirstOrDefaultAsync(ct);
            if (transfer is not null)
            {
                lead["transfer"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["id"] = transfer.Id,
                    ["name"] = transfer.Name,
                    ["runId"] = runId,
                    ["interests"] = JsonSerializer.Deserialize<List<string>>(transfer.Interests),
                    ["tags"] = JsonSerializer.Deserialize<List<string>>(transfer.Tags),
                };
            }
        }
        return WorkflowValues.ToJson(lead);
    }
}
