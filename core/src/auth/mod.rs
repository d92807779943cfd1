//! OpenID Connect sign-in logic, pure: discovery documents, scopes per mode, and the PKCE
//! authorize URL. Randomness is handed in by the shell (the browser's CSPRNG), so every URL is
//! reproducible in tests.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use serde_json::Value;

use crate::config::{Config, ScopeMode};
use crate::json_object::{read_json, FromJson, Obj};
use crate::secret::PkceVerifier;
use crate::uri;

pub mod callback;
mod issuer;
pub mod token;

/// Why sign-in could not start or finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the OpenID Connect discovery document at {url} could not be read: {reason}")]
    Discovery { url: String, reason: String },
    #[error("the redirect URI {uri} cannot be used: {why}")]
    RedirectUri { uri: String, why: &'static str },
    #[error("this tab has no sign-in in progress (the link was opened twice, or in another tab)")]
    NoPendingSignIn,
    #[error("the sign-in answer does not belong to this tab's sign-in (state mismatch)")]
    StateMismatch,
    #[error("the sign-in answer came from {found}, not from {expected}")]
    IssuerMismatch { expected: String, found: String },
    #[error(
        "the sign-in answer did not name its issuer, although {expected} promises to (RFC 9207)"
    )]
    IssuerMissing { expected: String },
    #[error("{error}: {description}")]
    Provider {
        /// The OAuth `error` value, e.g. `access_denied`.
        error: String,
        /// AADSTS codes, from `error_codes` or the start of `error_description`.
        codes: Vec<u64>,
        description: String,
    },
    #[error("the token endpoint's answer could not be used: {0}")]
    TokenResponse(String),
    #[error("the ID token was refused: {0}")]
    IdToken(String),
}

impl AuthError {
    /// An OAuth error answer; the AADSTS code is read from the description, as Entra starts it.
    pub fn from_provider(error: &str, description: &str) -> Self {
        let codes = description
            .strip_prefix("AADSTS")
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .into_iter()
            .collect();
        AuthError::Provider {
            error: error.to_owned(),
            codes,
            description: description.to_owned(),
        }
    }

    /// The first AADSTS code, if the provider gave one.
    pub fn aadsts(&self) -> Option<u64> {
        match self {
            AuthError::Provider { codes, .. } => codes.first().copied(),
            _ => None,
        }
    }
}

/// The parts of `{authority}/.well-known/openid-configuration` mailgrant uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub code_challenge_methods_supported: Option<Vec<String>>,
    pub scopes_supported: Option<Vec<String>>,
    /// RFC 9207: every authorization response carries `iss`; one without it is refused.
    pub authorization_response_iss_parameter_supported: bool,
    /// Entra ID only (`microsoftonline.com`, `microsoftonline.us`, …).
    pub cloud_instance_name: Option<String>,
    /// Entra ID only: the Microsoft Graph host of the cloud.
    pub msgraph_host: Option<String>,
}

/// The redirect URI of the page at `origin` + `path`: the page's folder address, so that
/// `/setup/` and `/setup/index.html` (the same page) register as one URI; Entra compares
/// redirect URIs exactly.
pub fn redirect_uri(origin: &str, path: &str) -> String {
    let path = path.strip_suffix("index.html").unwrap_or(path);
    let path = if path.is_empty() { "/" } else { path };
    format!("{origin}{path}")
}

/// Where the discovery document of an authority lives.
pub fn discovery_url(authority: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        authority.trim_end_matches('/')
    )
}

impl FromJson for Discovery {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the discovery document")?;
        Ok(Discovery {
            issuer: o.text("issuer")?,
            authorization_endpoint: o.text("authorization_endpoint")?,
            token_endpoint: o.text("token_endpoint")?,
            jwks_uri: o.opt_text("jwks_uri")?,
            end_session_endpoint: o.opt_text("end_session_endpoint")?,
            code_challenge_methods_supported: o.opt_items("code_challenge_methods_supported")?,
            scopes_supported: o.opt_items("scopes_supported")?,
            authorization_response_iss_parameter_supported: o
                .flag("authorization_response_iss_parameter_supported")?,
            cloud_instance_name: o.opt_text("cloud_instance_name")?,
            msgraph_host: o.opt_text("msgraph_host")?,
        })
    }
}

impl Discovery {
    pub fn parse(url: &str, body: &str) -> Result<Self, AuthError> {
        let err = |reason: String| AuthError::Discovery {
            url: url.to_owned(),
            reason,
        };
        let d: Discovery = read_json(body).map_err(err)?;
        if let Some(methods) = &d.code_challenge_methods_supported {
            if !methods.iter().any(|m| m == "S256") {
                return Err(err("the provider does not support PKCE with S256".into()));
            }
        }
        for (name, value) in [
            ("authorization_endpoint", &d.authorization_endpoint),
            ("token_endpoint", &d.token_endpoint),
        ] {
            if let Some(why) = uri::refuse(value) {
                return Err(err(format!("{name} {value} cannot be used: {why}")));
            }
        }
        if let Some(p) = uri::sets_any(&d.authorization_endpoint, &AUTHORIZE_PARAMS) {
            return Err(err(format!(
                "authorization_endpoint already sets {p} in its query, which the page sets"
            )));
        }
        Ok(d)
    }
}

impl Discovery {
    /// Is this provider Microsoft Entra ID? Only then does the access token speak to Microsoft
    /// Graph; any other provider's token is never sent there.
    pub fn is_entra(&self) -> bool {
        self.cloud_instance_name.is_some()
            || self.msgraph_host.is_some()
            || self.issuer.contains("{tenantid}")
            || crate::config::is_microsoft_authority(&self.issuer)
    }

    /// The scopes to ask this provider for: the mode's Graph permissions at Entra ID; elsewhere
    /// only the OpenID Connect scopes it supports (a strict provider refuses unknown scopes with
    /// `invalid_scope`).
    pub fn requested_scopes(&self, mode: ScopeMode) -> Vec<(&'static str, &'static str)> {
        self.requested_scopes_with(mode, Extra::default())
    }

    /// [`Discovery::requested_scopes`], with the [`Extra`] ones at Entra when asked.
    pub fn requested_scopes_with(
        &self,
        mode: ScopeMode,
        extra: Extra,
    ) -> Vec<(&'static str, &'static str)> {
        if self.is_entra() {
            return scopes_with(mode, extra);
        }
        let supported = |s: &str| {
            s == "openid"
                || self
                    .scopes_supported
                    .as_ref()
                    .is_none_or(|list| list.iter().any(|x| x == s))
        };
        OPENID_SCOPES
            .into_iter()
            .filter(|(s, _)| supported(s))
            .collect()
    }
}

/// The OpenID Connect scopes, with the reason shown to the admin: Entra ID gets the first two,
/// another provider those of the three it supports.
const OPENID_SCOPES: [(&str, &str); 3] = [
    ("openid", "sign you in"),
    ("profile", "show your name"),
    ("email", "show your e-mail address"),
];

/// Asked for only when the admin scopes the app to an existing group (incremental consent): the
/// group, its direct members and `checkMemberGroups` need it (Graph's permission tables for
/// List groups, List group members and checkMemberGroups).
pub const GROUP_MEMBERS_SCOPE: (&str, &str) = (
    "GroupMember.Read.All",
    "read the group you chose and its members, to check the mailbox is one of them",
);

/// Legacy mode's grant of Microsoft Graph's `Mail.Send` (and any removal of a grant).
pub const GRANT_SCOPE: (&str, &str) = (
    "AppRoleAssignment.ReadWrite.All",
    "grant the app Microsoft Graph's Mail.Send application permission (admin consent), after your Exchange script made the policy",
);

/// The permissions asked for only once a step needs them (incremental consent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extra {
    /// [`GROUP_MEMBERS_SCOPE`]: the admin scopes the app to an existing group.
    pub group_members: bool,
    /// [`GRANT_SCOPE`] in RBAC mode (the legacy mode asks for it anyway): the app's unscoped
    /// `Mail.Send` grant is to be removed (serviceprincipal-delete-approleassignedto lists no
    /// other permission).
    pub grant_removal: bool,
}

/// [`scopes`], plus the [`Extra`] ones asked for.
pub fn scopes_with(mode: ScopeMode, extra: Extra) -> Vec<(&'static str, &'static str)> {
    let mut s = scopes(mode);
    if extra.group_members {
        s.push(GROUP_MEMBERS_SCOPE);
    }
    if extra.grant_removal && !s.contains(&GRANT_SCOPE) {
        s.push(REMOVAL_SCOPE);
    }
    s
}

/// [`GRANT_SCOPE`] as RBAC mode asks for it: to remove a grant, not to make one.
pub const REMOVAL_SCOPE: (&str, &str) = (
    GRANT_SCOPE.0,
    "remove the app's unscoped Microsoft Graph Mail.Send permission, which would let it send as every mailbox",
);

/// Asked for but not required: without `MailboxSettings.Read` (a tenant whose admin consent
/// predates it, say) the Mailbox step's check sees only whether Exchange knows an SMTP address,
/// not whether a mailbox is behind it; nothing else changes.
pub const BEST_EFFORT_SCOPES: &[&str] = &["MailboxSettings.Read"];

/// The delegated Microsoft Graph permissions each mode needs, with the reason shown to the admin
/// before the redirect.
pub fn scopes(mode: ScopeMode) -> Vec<(&'static str, &'static str)> {
    let mut s = vec![
        OPENID_SCOPES[0],
        OPENID_SCOPES[1],
        // No offline_access: a run takes minutes, and a refresh token is one more secret to hold
        // (R7). An expired token is re-acquired by signing in again with a login hint.
        (
            "User.Read",
            "read your profile and your organization's name and id",
        ),
        (
            "Application.ReadWrite.All",
            "create the app registration, its service principal and its client secret",
        ),
        (
            "User.Read.All",
            "find the mailbox's user object by any of its addresses and check it is a member, not a guest",
        ),
        (
            "MailboxSettings.Read",
            "check that Exchange Online has a mailbox behind the address (only its kind is asked for: user or shared mailbox; never mail or settings)",
        ),
    ];
    match mode {
        ScopeMode::ApplicationAccessPolicy => s.push(GRANT_SCOPE),
        ScopeMode::RbacForApplications => s.push((
            "RoleManagement.ReadWrite.Exchange",
            "assign the app Exchange's Application Mail.Send role, scoped to the one mailbox (Microsoft Graph beta)",
        )),
    }
    s
}

/// What must survive the redirect to the authority and back (in sessionStorage, briefly): the
/// checks of the answer and the non-secret wizard state. Never a token.
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub verifier: PkceVerifier,
    pub mode: ScopeMode,
    /// The account to suggest when signing in again (after a token expired).
    pub login_hint: Option<String>,
    /// The mailbox address whose look-up the expired token interrupted, looked up again after
    /// the new sign-in (an interrupted apply run has its own journal).
    pub mailbox: Option<String>,
    /// The tenant that mailbox was typed for; it is looked up again only in that tenant.
    pub tenant: Option<String>,
    /// The [`Extra`] permissions asked for.
    pub extra: Extra,
    /// The Scope step's answer to check again after the sign-in that granted it.
    pub scope_answer: Option<serde_json::Value>,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("state", &"[redacted]")
            .field("nonce", &"[redacted]")
            .field("verifier", &self.verifier)
            .field("mode", &self.mode)
            .finish()
    }
}

impl PendingSignIn {
    /// The sessionStorage text.
    pub fn to_storage(&self) -> String {
        serde_json::json!({
            "state": self.state,
            "nonce": self.nonce,
            "codeVerifier": self.verifier.expose_secret(),
            "mode": self.mode.as_config_str(),
            "loginHint": self.login_hint,
            "mailbox": self.mailbox,
            "tenant": self.tenant,
            "groupMembers": self.extra.group_members,
            "grantRemoval": self.extra.grant_removal,
            "scopeAnswer": self.scope_answer,
        })
        .to_string()
    }

    /// `None` for anything that is not an entry this code wrote.
    pub fn from_storage(text: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        let mode = ScopeMode::ALL
            .into_iter()
            .find(|m| Some(m.as_config_str()) == v["mode"].as_str())?;
        Some(PendingSignIn {
            state: s("state").filter(|x| !x.is_empty())?,
            nonce: s("nonce")?,
            verifier: PkceVerifier::new(s("codeVerifier")?),
            mode,
            login_hint: s("loginHint"),
            mailbox: s("mailbox"),
            tenant: s("tenant"),
            extra: Extra {
                group_members: v["groupMembers"].as_bool().unwrap_or(false),
                grant_removal: v["grantRemoval"].as_bool().unwrap_or(false),
            },
            scope_answer: Some(v["scopeAnswer"].clone()).filter(|a| a.is_object()),
        })
    }
}

/// 32 random bytes for each of `state`, `nonce` and the PKCE verifier.
pub struct SignInRandomness {
    pub state: [u8; 32],
    pub nonce: [u8; 32],
    pub verifier: [u8; 32],
}

impl std::fmt::Debug for SignInRandomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInRandomness([redacted])")
    }
}

/// The parameters [`authorize_url`] adds to the authorization endpoint's query.
const AUTHORIZE_PARAMS: [&str; 10] = [
    "response_type",
    "client_id",
    "state",
    "code_challenge",
    "code_challenge_method",
    "redirect_uri",
    "scope",
    "login_hint",
    "nonce",
    "response_mode",
];

/// Builds the authorize URL (authorization code, PKCE S256, `state`, `nonce`) on the endpoint
/// [`Discovery::parse`] checked.
pub fn authorize_url(
    config: &Config,
    discovery: &Discovery,
    redirect_uri: &str,
    mode: ScopeMode,
    extra: Extra,
    login_hint: Option<&str>,
    random: &SignInRandomness,
) -> Result<(String, PendingSignIn), AuthError> {
    if let Some(why) = uri::refuse(redirect_uri) {
        return Err(AuthError::RedirectUri {
            uri: redirect_uri.to_owned(),
            why,
        });
    }
    let state = URL_SAFE_NO_PAD.encode(random.state);
    let nonce = URL_SAFE_NO_PAD.encode(random.nonce);
    let verifier_text = URL_SAFE_NO_PAD.encode(random.verifier);
    let challenge =
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier_text.clone()));
    let client_id = config.client_id.to_string();
    let scope = discovery
        .requested_scopes_with(mode, extra)
        .into_iter()
        .map(|(s, _)| s)
        .collect::<Vec<_>>()
        .join(" ");
    // RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1 (`nonce`), and Entra's
    // `response_mode=query` and `login_hint` (Microsoft identity platform, auth code flow).
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("redirect_uri", redirect_uri),
        ("scope", scope.as_str()),
    ];
    if let Some(hint) = login_hint {
        pairs.push(("login_hint", hint));
    }
    pairs.extend([("nonce", nonce.as_str()), ("response_mode", "query")]);
    let url = uri::with_query(&discovery.authorization_endpoint, &pairs);
    Ok((
        url,
        PendingSignIn {
            state,
            nonce,
            verifier: PkceVerifier::new(verifier_text),
            mode,
            login_hint: login_hint.map(str::to_owned),
            mailbox: None,
            tenant: None,
            extra,
            scope_answer: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(
            r#"{"clientId":"11111111-2222-3333-4444-555555555555","vendor":{"name":"V","appDisplayName":"{vendor} x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}"#,
        )
        .unwrap()
    }

    fn discovery() -> Discovery {
        Discovery::parse(
            "x",
            r#"{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0",
                "authorization_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
                "token_endpoint":"https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
                "code_challenge_methods_supported":["plain","S256"]}"#,
        )
        .unwrap()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        let q = url.split_once('?').unwrap().1;
        q.split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                let decode = |s: &str| {
                    let s = s.replace('+', " ");
                    let mut out = Vec::new();
                    let b = s.as_bytes();
                    let mut i = 0;
                    while i < b.len() {
                        if b[i] == b'%' {
                            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                            i += 3;
                        } else {
                            out.push(b[i]);
                            i += 1;
                        }
                    }
                    String::from_utf8(out).unwrap()
                };
                (decode(k), decode(v))
            })
            .collect()
    }

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        assert_eq!(
            challenge.as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorize_url_carries_pkce_state_nonce_and_mode_scopes() {
        let random = SignInRandomness {
            state: [1; 32],
            nonce: [2; 32],
            verifier: [3; 32],
        };
        let (url, pending) = authorize_url(
            &config(),
            &discovery(),
            "https://vendor.example/setup/",
            ScopeMode::RbacForApplications,
            Extra::default(),
            None,
            &random,
        )
        .unwrap();
        assert!(url
            .starts_with("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?"));
        let q = query(&url);
        for (name, _) in &q {
            assert!(AUTHORIZE_PARAMS.contains(&name.as_str()), "{name}");
        }
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(
            get("client_id"),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(get("redirect_uri"), Some("https://vendor.example/setup/"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("state"), Some(pending.state.as_str()));
        assert_eq!(get("nonce"), Some(pending.nonce.as_str()));
        assert!(pending.state.len() >= 43, "state must carry ≥128 bits");
        let expected = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pending.verifier.expose_secret().to_owned(),
        ));
        assert_eq!(get("code_challenge"), Some(expected.as_str()));
        let scope = get("scope").unwrap();
        assert!(scope.contains("Application.ReadWrite.All"));
        assert!(
            !scope.contains("AppRoleAssignment"),
            "RBAC mode needs no grant scope"
        );
        assert!(
            !scope.contains("GroupMember"),
            "group reads are asked for only when a group is chosen"
        );
        assert!(!url.contains(pending.verifier.expose_secret()));
        // A page served over plain http (not loopback) cannot sign in, and is told why.
        let err = authorize_url(
            &config(),
            &discovery(),
            "http://vendor.example/setup/",
            ScopeMode::RbacForApplications,
            Extra::default(),
            None,
            &random,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the redirect URI http://vendor.example/setup/ cannot be used: it must start with https://"
        );
    }

    #[test]
    fn pending_entry_round_trips_and_rejects_junk() {
        let p = PendingSignIn {
            state: "s".into(),
            nonce: "n".into(),
            verifier: PkceVerifier::new("v".into()),
            mode: ScopeMode::ApplicationAccessPolicy,
            login_hint: Some("adele@contoso.example".into()),
            mailbox: Some("invoices@contoso.example".into()),
            tenant: None,
            extra: Extra {
                group_members: true,
                grant_removal: true,
            },
            scope_answer: Some(serde_json::json!({"kind": "existingGroup"})),
        };
        let back = PendingSignIn::from_storage(&p.to_storage()).unwrap();
        assert_eq!(back.extra, p.extra);
        assert_eq!(back.scope_answer, p.scope_answer);
        assert_eq!(
            (back.state.as_str(), back.mode),
            ("s", ScopeMode::ApplicationAccessPolicy)
        );
        assert_eq!(back.verifier.expose_secret(), "v");
        assert_eq!(back.mailbox.as_deref(), Some("invoices@contoso.example"));
        for junk in [
            "",
            "{}",
            "null",
            r#"{"state":"","nonce":"n","codeVerifier":"v","mode":"rbacForApplications"}"#,
        ] {
            assert!(PendingSignIn::from_storage(junk).is_none(), "{junk}");
        }
    }

    #[test]
    fn aap_mode_adds_the_grant_scope() {
        let names: Vec<_> = scopes(ScopeMode::ApplicationAccessPolicy)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert!(names.contains(&"AppRoleAssignment.ReadWrite.All"));
    }

    #[test]
    fn another_provider_is_asked_only_for_the_openid_scopes_it_supports() {
        let generic = Discovery::parse(
            "u",
            r#"{"issuer":"https://idp.example/realms/acme","authorization_endpoint":"https://idp.example/auth","token_endpoint":"https://idp.example/token","scopes_supported":["openid","profile"]}"#,
        )
        .unwrap();
        assert!(!generic.is_entra());
        let names: Vec<_> = generic
            .requested_scopes(ScopeMode::ApplicationAccessPolicy)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(names, ["openid", "profile"]);
        assert!(discovery().is_entra());
        assert_eq!(
            discovery().requested_scopes(ScopeMode::RbacForApplications),
            scopes(ScopeMode::RbacForApplications)
        );
    }

    #[test]
    fn the_redirect_uri_is_the_page_folder() {
        let o = "https://vendor.example";
        assert_eq!(redirect_uri(o, "/setup/"), "https://vendor.example/setup/");
        assert_eq!(
            redirect_uri(o, "/setup/index.html"),
            "https://vendor.example/setup/"
        );
        assert_eq!(redirect_uri(o, "/index.html"), "https://vendor.example/");
        assert_eq!(redirect_uri(o, ""), "https://vendor.example/");
        assert_eq!(redirect_uri(o, "/setup"), "https://vendor.example/setup");
    }

    #[test]
    fn discovery_without_s256_is_refused() {
        let err = Discovery::parse(
            "u",
            r#"{"issuer":"i","authorization_endpoint":"https://a/authorize","token_endpoint":"https://a/token","code_challenge_methods_supported":["plain"]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("S256"));
        let twice = Discovery::parse(
            "u",
            r#"{"issuer":"i","authorization_endpoint":"https://a/authorize?p=b2c&client_id=x","token_endpoint":"https://a/token"}"#,
        )
        .unwrap_err();
        assert!(
            twice.to_string().contains("already sets client_id"),
            "{twice}"
        );
        assert_eq!(
            discovery_url("https://login.microsoftonline.com/organizations/v2.0/"),
            "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
        );
    }
}
