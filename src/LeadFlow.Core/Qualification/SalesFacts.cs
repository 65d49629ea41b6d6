namespace LeadFlow.Core.Qualification;

/// <summary>What sales know about a contact (BANT: budget, authority, need, timing, and any other keys), as JSON.</summary>
public sealed class SalesFacts
{
    public long ContactId { get; set; }

    /// <summary>A JSON object of lower-case keys to string values.</summary>
    public required string Facts { get; set; }

    public DateTime UpdatedAt { get; set; }
}
