//! Whose documents and answers these are: the discovery document's `issuer` against the
//! configured authority, and an authorization response's `iss` against that issuer.

use super::{discovery_url, AuthError, Discovery};
use crate::uri;

impl Discovery {
    /// OpenID Connect Discovery §4.3: the document's `issuer` must be the authority it was read
    /// from. Entra ID's documents (at Entra's hosts, or the emulator's loopback origin) differ
    /// from their authority in the tenant segment only: `organizations` and `common` name a
    /// `{tenantid}` template, checked per answer and per ID token; an authority named by a
    /// domain (or `consumers`) answers with a tenant GUID. Nothing else is let through: not
    /// another origin or cloud, another path, another tenant's GUID, nor an Entra-shaped
    /// document of any other provider.
    pub fn check_issuer_is(&self, authority: &str) -> Result<(), AuthError> {
        let same = self.issuer.trim_end_matches('/') == authority.trim_end_matches('/');
        if same || (self.is_entra() && is_entra_issuer_for(&self.issuer, authority)) {
            return Ok(());
        }
        // The v1.0 endpoint's document names `https://sts.windows.net/{tenantid}/`.
        let hint = if self.issuer.starts_with("https://sts.windows.net/") {
            " (the v1.0 endpoint's document: the authority should end in /v2.0)"
        } else {
            ""
        };
        Err(AuthError::Discovery {
            url: discovery_url(authority),
            reason: format!(
                "its issuer is {}, not the configured authority {authority}{hint}",
                self.issuer
            ),
        })
    }

    /// Does the `iss` of an authorization response name this provider? Entra's multi-tenant
    /// issuer template matches any tenant GUID in place of `{tenantid}`.
    pub fn issuer_matches(&self, iss: &str) -> bool {
        match self.issuer.split_once("{tenantid}") {
            None => iss == self.issuer,
            Some((before, after)) => iss
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .is_some_and(is_canonical_guid),
        }
    }
}

/// Entra ID's sign-in hosts (`MICROSOFT_LOGIN_HOSTS`), by cloud: an alias's document may name
/// another host of its cloud as issuer. Microsoft Learn does not say which host the documents
/// of `login.microsoft.com` or of China's two hosts name, so within a cloud any is taken for
/// any other; never across clouds.
const CLOUDS: [&[&str]; 3] = [
    &["login.microsoftonline.com", "login.microsoft.com"],
    &["login.microsoftonline.us"],
    &["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"],
];

/// A URL cut as Entra ID's authorities are: `scheme://host[:port]/tenant/rest`. `None` for
/// what the page would not send the admin to (`uri::check`: user information, a fragment,
/// non-ASCII, plain http to a non-loopback host), or with a query.
struct Cut<'a> {
    scheme: &'a str,
    host: &'a str,
    tenant: &'a str,
    rest: &'a str,
    loopback: bool,
}

fn cut(url: &str) -> Option<Cut<'_>> {
    let loopback = uri::check(url).ok()?.loopback;
    let url = url.trim_end_matches('/');
    let (scheme, after) = url.split_once("://")?;
    let (host, path) = after.split_once('/')?;
    let (tenant, rest) = path.split_once('/').unwrap_or((path, ""));
    (!url.contains('?')).then_some(Cut {
        scheme,
        host,
        tenant,
        rest,
        loopback,
    })
}

/// The cloud of an `https://` Entra ID host.
fn cloud(c: &Cut) -> Option<usize> {
    if !c.scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    CLOUDS
        .iter()
        .position(|hosts| hosts.iter().any(|h| h.eq_ignore_ascii_case(c.host)))
}

/// The port of `host[:port]` (`""` without one; `[::1]:8401` → `8401`).
fn port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((_, p)) if !p.contains(']') => p,
        _ => "",
    }
}

/// Is `issuer` Entra ID's issuer for `authority`? Only for an authority at Entra's hosts or a
/// loopback one (the emulator, which names 127.0.0.1 whichever loopback name it was asked
/// by); the same path but for the tenant segment, at the same origin or in the same cloud.
fn is_entra_issuer_for(issuer: &str, authority: &str) -> bool {
    let (Some(i), Some(a)) = (cut(issuer), cut(authority)) else {
        return false;
    };
    let same_scheme = i.scheme.eq_ignore_ascii_case(a.scheme);
    let same_origin = (same_scheme && i.host.eq_ignore_ascii_case(a.host))
        || cloud(&a).is_some_and(|c| cloud(&i) == Some(c))
        || (i.loopback && a.loopback && same_scheme && port(i.host) == port(a.host));
    let tenant = a.tenant.to_ascii_lowercase();
    let same_tenant = match tenant.as_str() {
        "" => false,
        "organizations" | "common" => i.tenant == "{tenantid}",
        guid if is_canonical_guid(guid) => i.tenant == guid,
        _domain_or_consumers => is_canonical_guid(i.tenant),
    };
    (cloud(&a).is_some() || a.loopback) && same_origin && i.rest == a.rest && same_tenant
}

/// Exactly a lower-case 36-character GUID, as Entra writes tenant ids in issuers (no braces,
/// no spaces, no upper case).
pub(super) fn is_canonical_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    /// A discovery document with `issuer`; Entra-shaped (`cloud_instance_name`) or not.
    fn discovery(issuer: &str, entra: bool) -> Discovery {
        let cloud = if entra {
            r#","cloud_instance_name":"microsoftonline.com""#
        } else {
            ""
        };
        Discovery::parse(
            "x",
            &format!(
                r#"{{"issuer":"{issuer}","authorization_endpoint":"https://a.example/authorize",
                "token_endpoint":"https://a.example/token"{cloud}}}"#
            ),
        )
        .unwrap()
    }

    #[test]
    fn the_issuer_is_the_authority_or_entra_ids_for_it() {
        let ms = "https://login.microsoftonline.com";
        let template = format!("{ms}/{{tenantid}}/v2.0");
        let by_id = format!("{ms}/{TENANT}/v2.0");
        let other = "f0000000-0000-4000-8000-00000000000f";
        let local = "http://127.0.0.1:8401";
        let us = "https://login.microsoftonline.us";
        let cn = "https://login.chinacloudapi.cn";
        // (issuer, Entra-shaped, authority, accepted)
        let cases: &[(&str, bool, &str, bool)] = &[
            // The multi-tenant segments name the template, and only they do.
            (&template, true, &format!("{ms}/organizations/v2.0"), true),
            (&template, true, &format!("{ms}/Common/v2.0/"), true),
            (
                &template,
                true,
                &format!("{ms}/contoso.onmicrosoft.com/v2.0"),
                false,
            ),
            (&template, true, &format!("{ms}/{TENANT}/v2.0"), false),
            // A domain (or consumers) answers with a tenant GUID; a GUID with itself.
            (
                &by_id,
                true,
                &format!("{ms}/contoso.onmicrosoft.com/v2.0"),
                true,
            ),
            (&by_id, true, &format!("{ms}/consumers/v2.0"), true),
            (&by_id, true, &by_id, true),
            (
                &by_id,
                true,
                &format!("{ms}/{}/v2.0", TENANT.to_uppercase()),
                true,
            ),
            (&by_id, true, &format!("{ms}/{other}/v2.0"), false),
            // Entra writes tenant GUIDs in lower case: another spelling is not Entra's.
            (
                &format!("{ms}/{}/v2.0", TENANT.to_uppercase()),
                true,
                &format!("{ms}/contoso.onmicrosoft.com/v2.0"),
                false,
            ),
            (
                &format!("{ms}/evil/v2.0"),
                true,
                &format!("{ms}/contoso.onmicrosoft.com/v2.0"),
                false,
            ),
            // Only the tenant segment differs.
            (&template, true, &format!("{ms}/organizations"), false),
            (&template, true, ms, false),
            (&format!("{ms}//v2.0"), true, &format!("{ms}//v2.0/"), true),
            (&by_id, true, &format!("{ms}//v2.0"), false),
            (
                "https://sts.windows.net/{tenantid}/",
                true,
                &format!("{ms}/organizations"),
                false,
            ),
            // The same origin, or the same cloud; never another.
            (
                &template,
                true,
                "https://LOGIN.microsoft.com/organizations/v2.0",
                true,
            ),
            (
                &format!("{us}/{{tenantid}}/v2.0"),
                true,
                &format!("{us}/organizations/v2.0"),
                true,
            ),
            (&template, true, &format!("{us}/organizations/v2.0"), false),
            (
                &format!("{cn}/{{tenantid}}/v2.0"),
                true,
                "https://login.partner.microsoftonline.cn/organizations/v2.0",
                true,
            ),
            (
                &format!("{cn}/{{tenantid}}/v2.0"),
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            // Each of the next four is refused by `cut` (uri::check, the query) and also by
            // a rule after it (the origin, the path): either alone refuses it.
            (
                "https://login.microsoftonline.com:x@evil.example/{tenantid}/v2.0",
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                "https://login.microsoftonline.com:8443/{tenantid}/v2.0",
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                "http://login.microsoftonline.com/{tenantid}/v2.0",
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                &format!("{template}?x=1"),
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            // The emulator: a loopback origin, named 127.0.0.1 whichever loopback name it was
            // asked by, on the same port.
            (
                &format!("{local}/{{tenantid}}/v2.0"),
                true,
                &format!("{local}/organizations/v2.0"),
                true,
            ),
            (
                &format!("{local}/{TENANT}/v2.0"),
                true,
                &format!("{local}/contoso.example/v2.0"),
                true,
            ),
            (
                &format!("{local}/{{tenantid}}/v2.0"),
                true,
                "http://localhost:8401/organizations/v2.0",
                true,
            ),
            (
                &format!("{local}/{{tenantid}}/v2.0"),
                true,
                "http://localhost:8402/organizations/v2.0",
                false,
            ),
            (
                &format!("{local}/{TENANT}/v2.0"),
                false,
                &format!("{local}/contoso.example/v2.0"),
                false,
            ),
            // An Entra-shaped document speaks for Entra's hosts and loopback only, and not
            // across them.
            (
                &template,
                true,
                &format!("{local}/organizations/v2.0"),
                false,
            ),
            (
                &format!("{local}/{{tenantid}}/v2.0"),
                true,
                &format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                "https://idp.example/{tenantid}/v2.0",
                true,
                "https://idp.example/organizations/v2.0",
                false,
            ),
            (&template, true, "https://idp.example/realms/acme", false),
            // Any other provider: its issuer is its authority.
            (
                "https://idp.example/realms/acme",
                false,
                "https://idp.example/realms/acme/",
                true,
            ),
            (
                "https://idp.example/realms/other",
                false,
                "https://idp.example/realms/acme",
                false,
            ),
            (
                "https://idp.example/realms/other",
                true,
                "https://idp.example/realms/acme",
                false,
            ),
        ];
        for &(issuer, entra, authority, accepted) in cases {
            let got = discovery(issuer, entra).check_issuer_is(authority);
            assert_eq!(got.is_ok(), accepted, "{issuer} for {authority}: {got:?}");
            if let Err(e) = got {
                let text = e.to_string();
                assert!(text.contains(issuer) && text.contains(authority), "{text}");
                let v1 = issuer.contains("sts.windows.net");
                assert_eq!(text.contains("should end in /v2.0"), v1, "{text}");
            }
        }
    }

    /// The clouds list exactly Entra's sign-in hosts, each once.
    #[test]
    fn the_clouds_are_the_sign_in_hosts() {
        let mut clouds: Vec<&str> = CLOUDS.iter().flat_map(|c| c.iter().copied()).collect();
        let mut hosts = crate::config::MICROSOFT_LOGIN_HOSTS.to_vec();
        clouds.sort_unstable();
        hosts.sort_unstable();
        assert_eq!(clouds, hosts);
    }

    #[test]
    fn response_issuers_match_exactly_or_through_the_tenant_template() {
        let d = discovery("https://login.microsoftonline.com/{tenantid}/v2.0", true);
        assert!(d.issuer_matches(&format!("https://login.microsoftonline.com/{TENANT}/v2.0")));
        assert!(!d.issuer_matches("https://login.microsoftonline.com/evil/v2.0"));
        for loose in [
            format!("{{{TENANT}}}"),
            format!(" {TENANT}"),
            TENANT.to_uppercase(),
        ] {
            assert!(!d.issuer_matches(&format!("https://login.microsoftonline.com/{loose}/v2.0")));
        }
        assert!(!d.issuer_matches(&format!("https://evil.example/{TENANT}/v2.0")));
        let fixed = discovery("https://idp.example/realms/acme", false);
        assert!(fixed.issuer_matches("https://idp.example/realms/acme"));
        assert!(!fixed.issuer_matches("https://idp.example/realms/acme/"));
    }
}
