using LeadFlow.Core.Contacts;

namespace LeadFlow.Core.Tests.Contacts;

public sealed class IdentityTests
{
    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("https://www.Example.com/about?x=1", "example.com")]
    [InlineData("WWW.shop.example.co.uk:8443", "shop.example.co.uk")]
    [InlineData("example.com.", "example.com")]
    [InlineData("localhost", null)]
    [InlineData("exa mple.com", null)]
    [InlineData("-bad.com", null)]
    [InlineData("", null)]
    public void Domains_are_normalised_or_refused(string input, string? expected) =>
        Assert.Equal(expected, Identity.NormalizeDomain(input));

    [Theory]
    [InlineData("ada@example.com", true)]
    [InlineData("a.b+tag@sub.example.io", true)]
    [InlineData("ada@example", false)]
    [InlineData("@example.com", false)]
    [InlineData("a@b@example.com", false)]
    [InlineData("ada @example.com", false)]
    [InlineData("ada@example.com.", false)]
    public void Plausible_email_addresses_are_accepted(string email, bool valid) =>
        Assert.Equal(valid, Identity.IsValidEmail(email));
}
