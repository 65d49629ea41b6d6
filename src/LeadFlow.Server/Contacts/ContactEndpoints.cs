using LeadFlow.Core.Contacts;
using LeadFlow.Core.Lifecycle;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Contacts;

internal static class ContactEndpoints
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static RouteGroupBuilder MapContacts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contacts").WithTags("Contacts").RequireAuthorization(Policies.Read);
        group.MapPut("/", UpsertAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Create or update a contact, found by externalId or email");
        group.MapPut("/{id:long}", UpdateAsync).RequireAuthorization(Policies.Write)
            .WithSummary("Update a contact by id (may change its email or external id)");
        group.MapGet("/{id:long}", GetAsync).WithSummary("Get a contact by id");
        group.MapGet("/lookup", LookupAsync).WithSummary("Get a contact by email or external id");
        group.MapGet("/", ListAsync).WithSummary("List contacts, filtered, in pages ordered by id");
        return group;
    }

    private static async Task<Results<Created<ContactDto>, Ok<ContactDto>, ValidationProblem, ProblemHttpResult>> UpsertAsync(
        ContactUpsertRequest request, UpsertContact upsert, LeadFlowDbContext db, LifecycleModel lifecycle, CancellationToken ct)
    {
        if (request.Check(identified: false) is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var result = await upsert.HandleAsync(null, request.ToChanges(), ct);
        return result.Outcome switch
        {
            UpsertOutcome.Created => TypedResults.Created($"/api/contacts/{result.Contact!.Id}", await LoadAsync(db, lifecycle, result.Contact.Id, ct)),
            UpsertOutcome.Updated => TypedResults.Ok(await LoadAsync(db, lifecycle, result.Contact!.Id, ct)),
            _ => Problem.Conflict(result.Conflict!),
        };
    }

    private static async Task<Results<Ok<ContactDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, ContactUpsertRequest request, UpsertContact upsert, LeadFlowDbContext db, LifecycleModel lifecycle, CancellationToken ct)
    {
        if (request.Check(identified: true) is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var result = await upsert.HandleAsync(id, request.ToChanges(), ct);
        return result.Outcome switch
        {
            UpsertOutcome.NotFound => Problem.NotFound($"No contact has id {id}."),
            UpsertOutcome.Conflict => Problem.Conflict(result.Conflict!),
            _ => TypedResults.Ok(await LoadAsync(db, lifecycle, id, ct)),
        };
    }

    private static async Task<Results<Ok<ContactDto>, ProblemHttpResult>> GetAsync(long id, LeadFlowDbContext db, LifecycleModel lifecycle, CancellationToken ct) =>
        await db.Contacts.Where(c => c.Id == id).AsDtos(db, lifecycle.Initial).FirstOrDefaultAsync(ct) is { } contact
            ? TypedResults.Ok(contact)
            : Problem.NotFound($"No contact has id {id}.");

    private static async Task<Results<Ok<ContactDto>, ValidationProblem, ProblemHttpResult>> LookupAsync(
        string? email, string? externalId, LeadFlowDbContext db, LifecycleModel lifecycle, CancellationToken ct)
    {
        var normalizedEmail = Identity.NormalizeEmail(email);
        var normalizedExternalId = Identity.NormalizeExternalId(externalId);
        if ((normalizedEmail is null) == (normalizedExternalId is null))
        {
            return Problem.Invalid("email", "Pass exactly one of email or externalId.");
        }
        var query = normalizedEmail is not null
            ? db.Contacts.Where(c => c.Email == normalizedEmail)
            : db.Contacts.Where(c => c.ExternalId == normalizedExternalId);
        return await query.AsDtos(db, lifecycle.Initial).FirstOrDefaultAsync(ct) is { } contact
            ? TypedResults.Ok(contact)
            : Problem.NotFound($"No contact has {(normalizedEmail is not null ? $"email '{normalizedEmail}'" : $"external id '{normalizedExternalId}'")}.");
    }

    /// <summary>Keyset paging (by id): stable under concurrent inserts and as fast on page 10,000 as on page 1.</summary>
    private static async Task<Results<Ok<Page<ContactDto>>, ValidationProblem>> ListAsync(
        LeadFlowDbContext db, LifecycleModel lifecycle, CancellationToken ct,
        long? after = null, int? limit = null, string? email = null, string? country = null, string? seniority = null,
        string? department = null, string? jobTitle = null, long? accountId = null, DateTime? updatedSince = null, string? q = null, string? stage = null,
        string? tag = null, string? owner = null)
    {
        var size = limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Problem.Invalid("limit", $"Between 1 and {MaxPageSize}.");
        }
        var query = db.Contacts.AsQueryable();
        if (stage is not null)
        {
            if (lifecycle.Find(stage) is not { } wanted)
            {
                return Problem.Invalid("stage", $"One of {string.Join(", ", lifecycle.Stages)}.");
            }
            // A contact never moved has no stored stage and is in the initial one.
            query = wanted == lifecycle.Initial ? query.Where(c => c.Stage == null || c.Stage == wanted) : query.Where(c => c.Stage == wanted);
        }
        if (after is { } cursor) query = query.Where(c => c.Id > cursor);
        if (Identity.NormalizeEmail(email) is { } e) query = query.Where(c => c.Email == e);
        if (!string.IsNullOrWhiteSpace(country)) query = query.Where(c => c.Country == country.Trim());
        if (!string.IsNullOrWhiteSpace(seniority)) query = query.Where(c => c.Seniority == seniority.Trim());
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(c => c.Department == department.Trim());
        if (!string.IsNullOrWhiteSpace(jobTitle)) query = query.Where(c => c.JobTitle != null && c.JobTitle.ToLower().Contains(jobTitle.Trim().ToLower()));
        if (accountId is { } account) query = query.Where(c => db.ContactAccounts.Any(l => l.ContactId == c.Id && l.AccountId == account));
        if (tag is not null)
        {
            if (ContactTags.Check(tag) is { } problem)
            {
                return Problem.Invalid("tag", problem);
            }
            var wanted = ContactTags.Normalize(tag);
            query = query.Where(c => db.ContactTags.Any(t => t.Tag == wanted && t.ContactId == c.Id));
        }
        if (!string.IsNullOrWhiteSpace(owner)) query = query.Where(c => c.Owner == owner.Trim());
        if (updatedSince is { } since) query = query.Where(c => c.UpdatedAt >= since.ToUniversalTime());
        if (!string.IsNullOrWhiteSpace(q))
        {
            var term = q.Trim().ToLower();
            query = query.Where(c => (c.Email != null && c.Email.Contains(term))
                || (c.FirstName != null && c.FirstName.ToLower().Contains(term))
                || (c.LastName != null && c.LastName.ToLower().Contains(term)));
        }
        var items = await query.OrderBy(c => c.Id).Take(size + 1).AsDtos(db, lifecycle.Initial).ToListAsync(ct);
        return TypedResults.Ok(Paging.Page(items, size, c => c.Id));
    }

    private static async Task<ContactDto> LoadAsync(LeadFlowDbContext db, LifecycleModel lifecycle, long id, CancellationToken ct) =>
        await db.Contacts.Where(c => c.Id == id).AsDtos(db, lifecycle.Initial).FirstAsync(ct);

    private static IQueryable<ContactDto> AsDtos(this IQueryable<Contact> contacts, LeadFlowDbContext db, string initialStage) =>
        contacts.AsNoTracking().Select(c => new ContactDto(
            c.Id, c.Email, c.ExternalId, c.FirstName, c.LastName, c.JobTitle, c.Seniority, c.Department, c.Phone, c.Country,
            c.CustomFields,
            c.Owner,
            db.ContactTags.Where(t => t.ContactId == c.Id).OrderBy(t => t.Tag).Select(t => t.Tag).ToList(),
            db.ContactAccounts.Where(l => l.ContactId == c.Id)
                .Join(db.Accounts, l => l.AccountId, a => a.Id, (l, a) => new ContactAccountDto(a.Id, a.Domain, a.Name, l.IsPrimary))
                .ToList(),
            c.Stage ?? initialStage,
            c.CreatedAt, c.UpdatedAt));
}
