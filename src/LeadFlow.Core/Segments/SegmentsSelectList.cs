using System.Text.Json;
using LeadFlow.Core.Storage;
using LeadFlow.Workflows.Activities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LeadFlow.Core.Segments;

/// <summary>The segments by name, for the designer's Segment dropdowns.</summary>
internal sealed class SegmentsSelectList(IServiceScopeFactory scopes) : ISelectListProvider
{
    public string Name => SelectListProviders.Segments;

    public async ValueTask<IReadOnlyList<SelectListOption>> ListAsync(JsonElement? context, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LeadFlowDbContext>();
        var names = await db.Set<Segment>().AsNoTracking().OrderBy(s => s.Name).Select(s => s.Name).ToListAsync(cancellationToken);
        return names.Select(n => new SelectListOption(n, n)).ToList();
    }
}

/// <summary>Reads of membership shared by the API, the expression context and the Is In Segment activity.</summary>
public static class SegmentMembership
{
    /// <summary>The names of the contact's segments, sorted.</summary>
    public static Task<List<string>> NamesOfAsync(LeadFlowDbContext db, long contactId, CancellationToken ct) =>
        db.Set<SegmentMember>().AsNoTracking().Where(m => m.ContactId == contactId)
            .Join(db.Set<Segment>().AsNoTracking(), m => m.SegmentId, s => s.Id, (m, s) => s.Name).OrderBy(n => n).ToListAsync(ct);

    public static Task<bool> IsMemberAsync(LeadFlowDbContext db, long contactId, string segment, CancellationToken ct) =>
        db.Set<SegmentMember>().AsNoTracking().Where(m => m.ContactId == contactId)
            .Join(db.Set<Segment>().AsNoTracking(), m => m.SegmentId, s => s.Id, (m, s) => s.Name).AnyAsync(n => n == segment, ct);
}
