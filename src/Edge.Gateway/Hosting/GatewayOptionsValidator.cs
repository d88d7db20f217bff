namespace Edge.Gateway.Hosting;

/// <summary>Section <c>Gateway</c>: an id, a data directory, and listen URLs Kestrel can use.</summary>
internal sealed class GatewayOptionsValidator(BindingProblems binding, IConfiguration configuration) : SectionValidator<GatewayOptions>(binding)
{
    protected override IEnumerable<string> Problems(GatewayOptions gateway)
    {
        if (string.IsNullOrWhiteSpace(gateway.Id))
        {
            yield return "Gateway:Id must not be empty";
        }

        if (string.IsNullOrWhiteSpace(gateway.DataDir))
        {
            yield return "Gateway:DataDir must not be empty";
        }

        bool https = false;
        foreach (string url in gateway.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (GatewayOptions.ListenUri(url) is not { } uri
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"Gateway:Urls has '{url}', which is not an http:// or https:// URL";
            }
            else
            {
                https |= uri.Scheme == Uri.UriSchemeHttps;
            }
        }

        // Kestrel needs a certificate for an https URL; without one it fails at start with a stack trace.
        string? cert = configuration["Kestrel:Certificates:Default:Path"];
        if (https && string.IsNullOrWhiteSpace(cert))
        {
            yield return "Gateway:Urls has an https:// URL but no certificate is configured (Kestrel:Certificates:Default:Path, with :KeyPath or :Password)";
        }
        else if (https && !File.Exists(cert))
        {
            yield return $"Kestrel:Certificates:Default:Path '{cert}' does not exist";
        }
    }
}

/// <summary>Section <c>Store</c>: nothing to check beyond binding (the cloud checks that the id can be a topic level).</summary>
internal sealed class StoreOptionsValidator(BindingProblems binding) : SectionValidator<StoreOptions>(binding)
{
    protected override IEnumerable<string> Problems(StoreOptions store) => [];
}
