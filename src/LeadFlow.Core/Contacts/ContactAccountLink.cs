namespace LeadFlow.Core.Contacts;

/// <summary>A contact works at (or for) an account. A contact may be linked to several; one may be primary.</summary>
public sealed class ContactAccountLink
{
    public long ContactId { get; set; }
    public long AccountId { get; set; }
    public bool IsPrimary { get; set; }
    public DateTime LinkedAt { get; set; }
}
