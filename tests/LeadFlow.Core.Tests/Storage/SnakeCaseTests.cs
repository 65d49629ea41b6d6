using LeadFlow.Core.Storage;

namespace LeadFlow.Core.Tests.Storage;

public sealed class SnakeCaseTests
{
    [Theory]
    [InlineData("Contacts", "contacts")]
    [InlineData("ExternalId", "external_id")]
    [InlineData("ContactAccounts", "contact_accounts")]
    [InlineData("IsAbm", "is_abm")]
    [InlineData("HTTPStatus", "http_status")]
    public void Names_become_snake_case(string name, string expected) =>
        Assert.Equal(expected, LeadFlowDbContext.ToSnakeCase(name));
}
