using RulesEngine.Models;

namespace LeadFlow.Rules;

/// <summary>
/// The input names rule expressions use, per file kind, always in the same order and with their declared types
/// (RulesEngine caches compiled rules per input names and types).
/// </summary>
internal static class RuleInputs
{
    public const string Contact = "contact";
    public const string Account = "account";
    public const string Interaction = "interaction";
    public const string Lead = "lead";

    public static RuleParameter[] Scoring(ContactFacts contact, AccountFacts account, InteractionFacts interaction) =>
    [
        RuleParameter.Create(Contact, contact),
        RuleParameter.Create(Account, account),
        RuleParameter.Create(Interaction, interaction),
    ];

    public static RuleParameter[] Grading(ContactFacts contact, AccountFacts account) =>
    [
        RuleParameter.Create(Contact, contact),
        RuleParameter.Create(Account, account),
    ];

    public static RuleParameter[] Qualification(LeadFacts lead, ContactFacts contact, AccountFacts account) =>
    [
        RuleParameter.Create(Lead, lead),
        RuleParameter.Create(Contact, contact),
        RuleParameter.Create(Account, account),
    ];

    public static RuleParameter[] For(RuleFileKind kind, ContactFacts contact, AccountFacts account, InteractionFacts interaction, LeadFacts lead) =>
        kind switch
        {
            RuleFileKind.Scoring => Scoring(contact, account, interaction),
            RuleFileKind.Grading => Grading(contact, account),
            _ => Qualification(lead, contact, account),
        };

    /// <summary>The parameter names and types an expression in a file of <paramref name="kind"/> may use.</summary>
    public static (string Name, Type Type)[] Declared(RuleFileKind kind) => kind switch
    {
        RuleFileKind.Scoring => [(Contact, typeof(ContactFacts)), (Account, typeof(AccountFacts)), (Interaction, typeof(InteractionFacts))],
        RuleFileKind.Grading => [(Contact, typeof(ContactFacts)), (Account, typeof(AccountFacts))],
        _ => [(Lead, typeof(LeadFacts)), (Contact, typeof(ContactFacts)), (Account, typeof(AccountFacts))],
    };
}
