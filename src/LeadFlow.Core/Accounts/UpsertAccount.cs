using LeadFlow.Core.Contacts;
using LeadFlow.Core.Processing;
using LeadFlow.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace LeadFlow.Core.Accounts;

/// <summary>Firmographic values to write. Null leaves a field as it is; an empty string clears it.</summary>
public sealed record AccountChanges
{
    public required string Domain { get; init; }
    public string? Name { get; init; }
    public string? Industry { get; init; }
    public int? EmployeeCount { get; init; }
    public long? AnnualRevenue { get; init; }
    public string? Country { get; init; }
    public IReadOnlyList<string>? Technologies { get; init; }
    public bool? IsAbm { get; init; }
}

public sealed record UpsertAccountResult(UpsertOutcome Outcome, Account? Account, string? Conflict = null);

/// <summary>Creates or updates an account, found by id or by its normalised domain.</summary>
public sealed class UpsertAccount(LeadFlowDbContext db, TimeProvider clock)
{
    public async Task<UpsertAccountResult> HandleAsync(long? id, AccountChanges changes, CancellationToken ct)
    {
        var domain = Identity.NormalizeDomain(changes.Domain)
            ?? throw new ArgumentException($"'{changes.Domain}' is not a domain name.", nameof(changes));
        var now = clock.GetUtcNow().UtcDateTime;

        var account = id is { } accountId
            ? await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, ct)
            : await db.Accounts.FirstOrDefaultAsync(a => a.Domain == domain, ct);
        if (id is not null && account is null)
        {
            return new UpsertAccountResult(UpsertOutcome.NotFound, null);
        }
        if (account?.Domain != domain && await db.Accounts.AnyAsync(a => a.Domain == domain, ct))
        {
            return new UpsertAccountResult(UpsertOutcome.Conflict, null, $"The domain '{domain}' belongs to another account.");
        }

        var created = account is null;
        account ??= db.Accounts.Add(new Account { Domain = domain, CreatedAt = now }).Entity;
        account.Domain = domain;
        account.Name = ProfileText.Merge(account.Name, changes.Name);
        account.Industry = ProfileText.Merge(account.Industry, changes.Industry);
        account.Country = ProfileText.Merge(account.Country, changes.Country);
        account.EmployeeCount = changes.EmployeeCount ?? account.EmployeeCount;
        account.AnnualRevenue = changes.AnnualRevenue ?? account.AnnualRevenue;
        account.IsAbm = changes.IsAbm ?? account.IsAbm;
        if (changes.Technologies is { } technologies)
        {
            account.Technologies = technologies
                .Where(t => !string.IsNullOrWhiteSpace(t))
                .Select(t => t.Trim())
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
        }
        account.UpdatedAt = now;
        // The account's contacts are graded again by the processor; queued in the same transaction as the change.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        await db.SaveChangesAsync(ct);
        await ProfileChanges.EnqueueAccountAsync(db, account.Id, now, ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new UpsertAccountResult(created ? UpsertOutcome.Created : UpsertOutcome.Updated, account);
    }

    /// <summary>The account with this (normalised) domain, created with nothing but the domain when unknown.</summary>
    public async Task<Account> FindOrCreateAsync(string domain, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Domain == domain, ct);
        if (account is not null)
        {
            return account;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        account = db.Accounts.Add(new Account { Domain = domain, CreatedAt = now, UpdatedAt = now }).Entity;
        await db.SaveChangesAsync(ct);
        return account;
    }
}
