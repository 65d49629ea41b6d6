using System.ComponentModel.DataAnnotations;
using LeadFlow.Core.Lifecycle;

namespace LeadFlow.Server.Lifecycle;

/// <summary>Moves a contact to a lifecycle stage (the configured moves decide whether it may).</summary>
public sealed record StageMoveRequest
{
    [MaxLength(LifecycleModel.MaxNameLength)]
    public string? Stage { get; init; }

    [MaxLength(LifecycleLimits.Reason)]
    public string? Reason { get; init; }
}

/// <summary>
/// What sales say about a contact. <c>outcome</c>: accepted, rejected (reason required), recycled, opportunity_created
/// (amount + currency, CRM id), won (amount + currency allowed), lost. <c>feedbackId</c>, if given, makes the call
/// idempotent: the same id again returns the stored feedback and stores nothing.
/// </summary>
public sealed record SalesFeedbackRequest
{
    [MaxLength(LifecycleLimits.FeedbackId)]
    public string? FeedbackId { get; init; }

    public string? Outcome { get; init; }

    [MaxLength(LifecycleLimits.Reason)]
    public string? Reason { get; init; }

    [Range(0, 1_000_000_000_000)]
    public decimal? Amount { get; init; }

    /// <summary>ISO 4217, for example EUR.</summary>
    public string? Currency { get; init; }

    [MaxLength(LifecycleLimits.CrmId)]
    public string? CrmId { get; init; }

    /// <summary>Rules across fields, each error under the field it concerns (what the attributes cannot say).</summary>
    public Dictionary<string, string[]> Check()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var outcome = Outcome?.Trim().ToLowerInvariant();
        if (outcome is null || !SalesFeedbackOutcomes.All.Contains(outcome))
        {
            errors["outcome"] = [$"One of {string.Join(", ", SalesFeedbackOutcomes.All)}."];
        }
        if (outcome == SalesFeedbackOutcomes.Rejected && string.IsNullOrWhiteSpace(Reason))
        {
            errors["reason"] = ["Required when the outcome is rejected."];
        }
        if (FeedbackId is not null && string.IsNullOrWhiteSpace(FeedbackId))
        {
            errors["feedbackId"] = ["Omit it or give a non-blank id."];
        }
        var money = outcome is SalesFeedbackOutcomes.OpportunityCreated or SalesFeedbackOutcomes.Won;
        var known = outcome is not null && SalesFeedbackOutcomes.All.Contains(outcome);
        if (Amount is not null && !money && known)
        {
            errors["amount"] = ["Only for opportunity_created or won."];
        }
        if (Currency is not null && (Currency.Trim().Length != 3 || !Currency.Trim().All(char.IsAsciiLetter)))
        {
            errors["currency"] = ["An ISO 4217 code of three letters, for example EUR."];
        }
        else if (Amount is not null && Currency is null)
        {
            errors["currency"] = ["Required with an amount."];
        }
        else if (Currency is not null && Amount is null)
        {
            errors["amount"] = ["Required with a currency."];
        }
        if (CrmId is not null && !money && known && outcome != SalesFeedbackOutcomes.Accepted)
        {
            errors["crmId"] = ["Only for accepted, opportunity_created or won."];
        }
        return errors;
    }
}

internal sealed record StageChangeDto(long Id, DateTime At, string From, string To, string? Reason, string ActorKind, string? ActorId);

internal sealed record ContactStagesDto(long ContactId, string Stage, IReadOnlyList<string> AllowedMoves, IReadOnlyList<StageChangeDto> History);

internal sealed record StageMoveDto(long ContactId, string From, string To, bool Moved, long? ChangeId);

internal sealed record LifecycleConfigurationDto(IReadOnlyList<string> Stages, string Initial, IReadOnlyDictionary<string, IReadOnlyList<string>> Moves);

internal sealed record SalesFeedbackDto(long Id, long ContactId, string? FeedbackId, DateTime At, string Outcome, string? Reason, decimal? Amount, string? Currency, string? CrmId, string ActorKind, string? ActorId);

internal sealed record FeedbackReasonCount(string? Period, string Outcome, string? Reason, int Count);

internal sealed record FeedbackReasonsDto(DateTime? From, DateTime? To, string Period, IReadOnlyList<FeedbackReasonCount> Items);
