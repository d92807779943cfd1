//! Whose documents and answers these are: the discovery document's `issuer` against the
//! configured authority, and an authorization response's `iss` against that issuer.

use super::{discovery_url, AuthError, Discovery};
use crate::config::is_microsoft_authority;

impl Discovery {
    /// OpenID Connect Discovery §4.3: the document's `issuer` must be the authority it was read
    /// from. Entra ID's documents differ from their authority in the tenant segment only: the
    /// multi-tenant ones (`organizations`, `common`) name a `{tenantid}` template, checked per
    /// answer and per ID token, and an authority named by a domain answers with its tenant's
    /// GUID. Nothing else is let through: not an Entra-shaped document whose issuer is at
    /// another origin, nor one whose path differs beyond the tenant.
    pub fn check_issuer_is(&self, authority: &str) -> Result<(), AuthError> {
        let same = self.issuer.trim_end_matches('/') == authority.trim_end_matches('/');
        if same || (self.is_entra() && is_entra_issuer_for(&self.issuer, authority)) {
            Ok(())
        } else {
            Err(AuthError::Discovery {
                url: discovery_url(authority),
                reason: format!(
                    "its issuer is {}, not the configured authority {authority}",
                    self.issuer
                ),
            })
        }
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

/// A URL cut as Entra ID's authorities are: origin, tenant segment, the rest of the path.
fn cut(url: &str) -> Option<(&str, &str, &str)> {
    let url = url.trim_end_matches('/');
    let host_at = url.find("://")? + 3;
    let path_at = host_at + url[host_at..].find('/')?;
    let (tenant, rest) = url[path_at + 1..]
        .split_once('/')
        .unwrap_or((&url[path_at + 1..], ""));
    Some((&url[..path_at], tenant, rest))
}

/// Is `issuer` Entra ID's issuer for `authority`: the same path but for the tenant segment,
/// which is `{tenantid}` or a tenant GUID, at the same origin? Entra's sign-in hosts
/// (`MICROSOFT_LOGIN_HOSTS`) count as one origin: Microsoft Learn does not say which host the
/// issuer of an alias's document (`login.microsoft.com`) names, so any of them is taken for any
/// other. The emulator (a loopback authority) answers at its own origin.
fn is_entra_issuer_for(issuer: &str, authority: &str) -> bool {
    let (Some((i_origin, i_tenant, i_rest)), Some((a_origin, a_tenant, a_rest))) =
        (cut(issuer), cut(authority))
    else {
        return false;
    };
    let same_origin = i_origin.eq_ignore_ascii_case(a_origin)
        || (is_microsoft_authority(issuer) && is_microsoft_authority(authority));
    same_origin
        && !a_tenant.is_empty()
        && i_rest == a_rest
        && (i_tenant == "{tenantid}" || is_canonical_guid(i_tenant))
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
        let emulator = "http://127.0.0.1:8401";
        // (issuer, Entra-shaped, authority, accepted)
        let cases = [
            (
                template.as_str(),
                true,
                format!("{ms}/organizations/v2.0"),
                true,
            ),
            (&template, true, format!("{ms}/common/v2.0/"), true),
            (
                &template,
                true,
                "https://login.microsoft.com/organizations/v2.0".into(),
                true,
            ),
            (&template, true, format!("{ms}/organizations"), false),
            (&template, true, ms.into(), false),
            (
                &by_id,
                true,
                format!("{ms}/contoso.onmicrosoft.com/v2.0"),
                true,
            ),
            (&by_id, true, by_id.clone(), true),
            (&by_id, false, by_id.clone(), true),
            // Not Entra-shaped, and not at Entra ID's hosts: its issuer must be the authority.
            (
                &format!("{emulator}/{TENANT}/v2.0"),
                false,
                format!("{emulator}/contoso.example/v2.0"),
                false,
            ),
            (
                &format!("{ms}/{}/v2.0", TENANT.to_uppercase()),
                true,
                format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                &format!("{ms}/evil/v2.0"),
                true,
                format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                &format!("{emulator}/{{tenantid}}/v2.0"),
                true,
                format!("{emulator}/organizations/v2.0"),
                true,
            ),
            (
                &format!("{emulator}/{TENANT}/v2.0"),
                true,
                format!("{emulator}/contoso.example/v2.0"),
                true,
            ),
            // An Entra-shaped document does not speak for another origin.
            (
                &template,
                true,
                format!("{emulator}/organizations/v2.0"),
                false,
            ),
            (
                &template,
                true,
                "https://idp.example/realms/acme".into(),
                false,
            ),
            (
                &format!("{emulator}/{{tenantid}}/v2.0"),
                true,
                format!("{ms}/organizations/v2.0"),
                false,
            ),
            (
                "https://idp.example/realms/acme",
                false,
                "https://idp.example/realms/acme/".into(),
                true,
            ),
            (
                "https://idp.example/realms/other",
                false,
                "https://idp.example/realms/acme".into(),
                false,
            ),
            (
                "https://idp.example/realms/other",
                true,
                "https://idp.example/realms/acme".into(),
                false,
            ),
        ];
        for (issuer, entra, authority, accepted) in cases {
            let got = discovery(issuer, entra).check_issuer_is(&authority);
            assert_eq!(got.is_ok(), accepted, "{issuer} for {authority}: {got:?}");
            if let Err(e) = got {
                let text = e.to_string();
                assert!(text.contains(issuer) && text.contains(&authority), "{text}");
            }
        }
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
