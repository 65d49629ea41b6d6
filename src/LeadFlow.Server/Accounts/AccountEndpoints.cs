using LeadFlow.Core.Accounts;
using LeadFlow.Core.Contacts;
using LeadFlow.Core.Storage;
using LeadFlow.Server.Auth;
using LeadFlow.Server.Hosting;
using LeadFlow.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Server.Accounts;

internal static class AccountEndpoints
{
    public static RouteGroupBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/accounts").WithTags("Accounts").RequireAuthorization(Policies.Read);
        group.MapPut("/", UpsertAsync).RequireAuthorization(Policies.Write).WithSummary("Create or update an account, found by domain");
        group.MapPut("/{id:long}", UpdateAsync).RequireAuthorization(Policies.Write).WithSummary("Update an account by id (may change its domain)");
        group.MapGet("/{id:long}", GetAsync).WithSummary("Get an account by id");
        group.MapGet("/lookup", LookupAsync).WithSummary("Get an account by domain");
        group.MapGet("/", ListAsync).WithSummary("List accounts, filtered, in pages ordered by id");

        var links = app.MapGroup("/api/contacts/{contactId:long}/accounts").WithTags("Accounts").RequireAuthorization(Policies.Write);
        links.MapPut("/{accountId:long}", LinkAsync).WithSummary("Link a contact to an account");
        links.MapDelete("/{accountId:long}", UnlinkAsync).WithSummary("Remove a contact's link to an account");
        return group;
    }

    private static async Task<Results<Created<AccountDto>, Ok<AccountDto>, ValidationProblem, ProblemHttpResult>> UpsertAsync(
        AccountUpsertRequest request, UpsertAccount upsert, LeadFlowDbContext db, CancellationToken ct)
    {
        if (request.Check() is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var result = await upsert.HandleAsync(null, request.ToChanges(), ct);
        return result.Outcome switch
        {
            UpsertOutcome.Created => TypedResults.Created($"/api/accounts/{result.Account!.Id}", await LoadAsync(db, result.Account.Id, ct)),
            UpsertOutcome.Updated => TypedResults.Ok(await LoadAsync(db, result.Account!.Id, ct)),
            _ => Problem.Conflict(result.Conflict!),
        };
    }

    private static async Task<Results<Ok<AccountDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, AccountUpsertRequest request, UpsertAccount upsert, LeadFlowDbContext db, CancellationToken ct)
    {
        if (request.Check() is { Count: > 0 } errors)
        {
            return Problem.Invalid(errors);
        }
        var result = await upsert.HandleAsync(id, request.ToChanges(), ct);
        return result.Outcome switch
        {
            UpsertOutcome.NotFound => Problem.NotFound($"No account has id {id}."),
            UpsertOutcome.Conflict => Problem.Conflict(result.Conflict!),
            _ => TypedResults.Ok(await LoadAsync(db, id, ct)),
        };
    }

    private static async Task<Results<Ok<AccountDto>, ProblemHttpResult>> GetAsync(long id, LeadFlowDbContext db, CancellationToken ct) =>
        await db.Accounts.AsNoTracking().Where(a => a.Id == id).AsDtos().FirstOrDefaultAsync(ct) is { } account
            ? TypedResults.Ok(account)
            : Problem.NotFound($"No account has id {id}.");

    private static async Task<Results<Ok<AccountDto>, ValidationProblem, ProblemHttpResult>> LookupAsync(string? domain, LeadFlowDbContext db, CancellationToken ct)
    {
        if (Identity.NormalizeDomain(domain) is not { } normalized)
        {
            return Problem.Invalid("domain", "Pass the account's domain, e.g. ?domain=example.com.");
        }
        return await db.Accounts.AsNoTracking().Where(a => a.Domain == normalized).AsDtos().FirstOrDefaultAsync(ct) is { } account
            ? TypedResults.Ok(account)
            : Problem.NotFound($"No account has the domain '{normalized}'.");
    }

    private static async Task<Results<Ok<Page<AccountDto>>, ValidationProblem>> ListAsync(
        LeadFlowDbContext db, CancellationToken ct,
        long? after = null, int? limit = null, string? industry = null, string? country = null, bool? isAbm = null,
        int? minEmployees = null, int? maxEmployees = null, long? minRevenue = null, long? maxRevenue = null,
        string? technology = null, string? q = null)
    {
        var size = limit ?? 100;
        if (size is < 1 or > 1000)
        {
            return Problem.Invalid("limit", "Between 1 and 1000.");
        }
        var query = db.Accounts.AsNoTracking();
        if (after is { } cursor) query = query.Where(a => a.Id > cursor);
        if (!string.IsNullOrWhiteSpace(industry)) query = query.Where(a => a.Industry == industry.Trim());
        if (!string.IsNullOrWhiteSpace(country)) query = query.Where(a => a.Country == country.Trim());
        if (isAbm is { } abm) query = query.Where(a => a.IsAbm == abm);
        if (minEmployees is { } minE) query = query.Where(a => a.EmployeeCount >= minE);
        if (maxEmployees is { } maxE) query = query.Where(a => a.EmployeeCount <= maxE);
        if (minRevenue is { } minR) query = query.Where(a => a.AnnualRevenue >= minR);
        if (maxRevenue is { } maxR) query = query.Where(a => a.AnnualRevenue <= maxR);
        if (!string.IsNullOrWhiteSpace(technology)) query = query.Where(a => a.Technologies.Contains(technology.Trim()));
        if (!string.IsNullOrWhiteSpace(q))
        {
            var term = q.Trim().ToLower();
            query = query.Where(a => a.Domain.Contains(term) || (a.Name != null && a.Name.ToLower().Contains(term)));
        }
        var items = await query.OrderBy(a => a.Id).Take(size + 1).AsDtos().ToListAsync(ct);
        return TypedResults.Ok(Paging.Page(items, size, a => a.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LinkAsync(
        long contactId, long accountId, LinkContactAccount links, CancellationToken ct, bool primary = false) =>
        await links.LinkAsync(contactId, accountId, primary, ct) switch
        {
            LinkOutcome.ContactNotFound => Problem.NotFound($"No contact has id {contactId}."),
            LinkOutcome.AccountNotFound => Problem.NotFound($"No account has id {accountId}."),
            _ => TypedResults.NoContent(),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlinkAsync(
        long contactId, long accountId, LinkContactAccount links, CancellationToken ct) =>
        await links.UnlinkAsync(contactId, accountId, ct) == LinkOutcome.NotLinked
            ? Problem.NotFound($"Contact {contactId} is not linked to account {accountId}.")
            : TypedResults.NoContent();

    private static Task<AccountDto> LoadAsync(LeadFlowDbContext db, long id, CancellationToken ct) =>
        db.Accounts.AsNoTracking().Where(a => a.Id == id).AsDtos().FirstAsync(ct);
}
