//! `config.json`, served beside `index.html`, so a vendor hosts one build for every deployment.
//!
//! Parsing walks the JSON by hand rather than through `serde` derive so that every error names
//! the exact key (`vendor.defaultScopeMode`), what was expected and what was found.

use serde_json::{Map, Value};

use crate::ids::ClientId;

pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com/organizations/v2.0";
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.microsoft.com";
/// Placeholder in `vendor.appDisplayName` replaced by `vendor.name`.
pub const VENDOR_PLACEHOLDER: &str = "{vendor}";
/// Client secrets longer than two years are refused here: Microsoft's portal offers at most 24
/// months and recommends less.
pub const MAX_SECRET_LIFETIME_DAYS: u32 = 730;
pub const DEFAULT_SECRET_LIFETIME_DAYS: u32 = 180;

/// How the app is restricted to one mailbox in Exchange Online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeMode {
    /// Exchange Online RBAC for Applications: no tenant-wide `Mail.Send` grant in Entra at all;
    /// Exchange grants `Application Mail.Send` over a management scope. Microsoft's recommendation.
    RbacForApplications,
    /// The legacy path: an Entra `Mail.Send` application permission with admin consent, narrowed
    /// by `New-ApplicationAccessPolicy` to a mail-enabled security group.
    ApplicationAccessPolicy,
}

impl ScopeMode {
    pub const ALL: [ScopeMode; 2] = [
        ScopeMode::RbacForApplications,
        ScopeMode::ApplicationAccessPolicy,
    ];

    pub fn as_config_str(self) -> &'static str {
        match self {
            ScopeMode::RbacForApplications => "rbacForApplications",
            ScopeMode::ApplicationAccessPolicy => "applicationAccessPolicy",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ScopeMode::RbacForApplications => "RBAC for Applications (recommended)",
            ScopeMode::ApplicationAccessPolicy => "Application Access Policy (legacy)",
        }
    }

    /// Entra roles, any one of which lets the signed-in admin do this mode's Graph part.
    pub fn sufficient_entra_roles(self) -> &'static [&'static str] {
        match self {
            ScopeMode::RbacForApplications => &[
                "Global Administrator",
                "Privileged Role Administrator",
                "Application Administrator",
                "Cloud Application Administrator",
            ],
            // Granting an application permission of Microsoft Graph needs one of these two.
            ScopeMode::ApplicationAccessPolicy => {
                &["Global Administrator", "Privileged Role Administrator"]
            }
        }
    }
}

/// Microsoft Graph of the public and national clouds: the only origins `graphBaseUrl` may name
/// (besides a loopback origin in development), and where the page may send a token.
pub const MICROSOFT_GRAPH_ORIGINS: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// The sign-in hosts of Microsoft Entra ID's clouds (worldwide, US Government, China). The
/// page's Content-Security-Policy allows connections to these (xtask `csp.rs`).
pub const MICROSOFT_LOGIN_HOSTS: [&str; 5] = [
    "login.microsoftonline.com",
    "login.microsoft.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// Is this authority URL one of Microsoft Entra ID's sign-in hosts?
pub fn is_microsoft_authority(authority: &str) -> bool {
    let host = authority
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or(""))
        .unwrap_or("");
    MICROSOFT_LOGIN_HOSTS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
}

/// The page's own `client_id` at its authority: a GUID (the Application (client) ID) at
/// Microsoft Entra ID, any RFC 6749 `client_id` (printable ASCII, no spaces) at another OpenID
/// Connect provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageClientId(String);

impl PageClientId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PageClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The validated `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The page's own single-page-application registration.
    pub client_id: PageClientId,
    /// OpenID Connect authority, without a trailing slash; discovery is at
    /// `{authority}/.well-known/openid-configuration`.
    pub authority: String,
    /// Microsoft Graph's origin, without a trailing slash.
    pub graph_base_url: String,
    pub vendor: Vendor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub name: String,
    /// Template for the created app's display name; `{vendor}` stands for [`Vendor::name`].
    pub app_display_name: String,
    pub default_scope_mode: ScopeMode,
    pub support_contact: String,
    /// An age X25519 recipient (`age1…`) the hand-off bundle is encrypted to.
    pub age_recipient: Option<String>,
    pub secret_lifetime_days: u32,
}

impl Vendor {
    /// The display name of the app registration to create.
    pub fn app_display_name(&self) -> String {
        self.app_display_name
            .replace(VENDOR_PLACEHOLDER, &self.name)
    }
}

/// What is wrong with `config.json`, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json could not be loaded: {0}")]
    Unreachable(String),
    #[error("config.json is not valid JSON: {0}")]
    NotJson(String),
    #[error("`{key}` is missing; expected {expected}")]
    Missing { key: String, expected: String },
    #[error("`{key}` has the wrong type: expected {expected}, found {found}")]
    WrongType {
        key: String,
        expected: String,
        found: String,
    },
    #[error("`{key}` is not valid: expected {expected}, found {found}")]
    Invalid {
        key: String,
        expected: String,
        found: String,
    },
    #[error("`{key}` is not a known key{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        key: String,
        suggestion: Option<String>,
    },
}

impl ConfigError {
    /// The dotted path of the offending key, if the error is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Missing { key, .. }
            | ConfigError::WrongType { key, .. }
            | ConfigError::Invalid { key, .. }
            | ConfigError::Unknown { key, .. } => Some(key),
            ConfigError::Unreachable(_) | ConfigError::NotJson(_) => None,
        }
    }
}

/// An example of a complete, valid configuration: shown to vendors next to any config error.
pub const EXAMPLE: &str = r#"{
  "clientId": "00000000-0000-0000-0000-000000000000",
  "authority": "https://login.microsoftonline.com/organizations/v2.0",
  "graphBaseUrl": "https://graph.microsoft.com",
  "vendor": {
    "name": "Contoso Mailer",
    "appDisplayName": "{vendor} mail sender",
    "defaultScopeMode": "rbacForApplications",
    "supportContact": "support@contoso.example",
    "ageRecipient": "age1…",
    "secretLifetimeDays": 180
  }
}"#;

/// Parses and validates `config.json`.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    let root = object(&root, "(the whole file)", "a JSON object")?;
    only_known(
        root,
        "",
        &["clientId", "authority", "graphBaseUrl", "vendor"],
    )?;

    let authority = match string(root, "", "authority", URL_FORM)? {
        None => DEFAULT_AUTHORITY.to_owned(),
        Some(s) => url("authority", s)?,
    };
    let client_id_text =
        string(root, "", "clientId", GUID_FORM)?.ok_or_else(|| missing("clientId", GUID_FORM))?;
    let client_id = if is_microsoft_authority(&authority) {
        ClientId::parse(client_id_text)
            .map(|id| PageClientId(id.to_string()))
            .map_err(|_| ConfigError::Invalid {
                key: "clientId".into(),
                expected: GUID_FORM.into(),
                found: quote(client_id_text),
            })?
    } else {
        // RFC 6749 appendix A.1: client_id = *VSCHAR; spaces are refused as a likely paste error.
        let ok = !client_id_text.is_empty()
            && client_id_text.len() <= 255
            && client_id_text.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !ok {
            return Err(ConfigError::Invalid {
                key: "clientId".into(),
                expected: OTHER_CLIENT_ID_FORM.into(),
                found: quote(client_id_text),
            });
        }
        PageClientId(client_id_text.to_owned())
    };
    let graph_base_url = match string(root, "", "graphBaseUrl", URL_FORM)? {
        None => DEFAULT_GRAPH_BASE_URL.to_owned(),
        Some(s) => url("graphBaseUrl", s)?,
    };

    const VENDOR_FORM: &str =
        "an object with name, appDisplayName, defaultScopeMode and supportContact";
    let vendor = root
        .get("vendor")
        .ok_or_else(|| missing("vendor", VENDOR_FORM))?;
    let vendor = object(vendor, "vendor", VENDOR_FORM)?;
    only_known(
        vendor,
        "vendor.",
        &[
            "name",
            "appDisplayName",
            "defaultScopeMode",
            "supportContact",
            "ageRecipient",
            "secretLifetimeDays",
        ],
    )?;
    const NAME_FORM: &str =
        "a non-empty string of at most 100 characters without control characters";
    let name = required_text(vendor, "name", NAME_FORM, 100)?;
    const DISPLAY_FORM: &str =
        "a non-empty string of at most 120 characters, e.g. \"{vendor} mail sender\"";
    let app_display_name = required_text(vendor, "appDisplayName", DISPLAY_FORM, 120)?;
    const MODE_FORM: &str = "\"rbacForApplications\" or \"applicationAccessPolicy\"";
    let mode_text = string(vendor, "vendor.", "defaultScopeMode", MODE_FORM)?
        .ok_or_else(|| missing("vendor.defaultScopeMode", MODE_FORM))?;
    let default_scope_mode = ScopeMode::ALL
        .into_iter()
        .find(|m| m.as_config_str() == mode_text)
        .ok_or_else(|| ConfigError::Invalid {
            key: "vendor.defaultScopeMode".into(),
            expected: MODE_FORM.into(),
            found: quote(mode_text),
        })?;
    const CONTACT_FORM: &str = "a non-empty string: an e-mail address, a URL or a phone number";
    let support_contact = required_text(vendor, "supportContact", CONTACT_FORM, 200)?;

    const AGE_FORM: &str =
        "an age X25519 recipient: \"age1\" followed by 58 lower-case bech32 characters";
    let age_recipient = match string(vendor, "vendor.", "ageRecipient", AGE_FORM)? {
        None => None,
        Some(r) if is_age_recipient(r) => Some(r.to_owned()),
        Some(r) => {
            return Err(ConfigError::Invalid {
                key: "vendor.ageRecipient".into(),
                expected: AGE_FORM.into(),
                found: quote(r),
            })
        }
    };

    let lifetime_form = format!("a whole number of days from 1 to {MAX_SECRET_LIFETIME_DAYS}");
    let secret_lifetime_days = match vendor.get("secretLifetimeDays") {
        None | Some(Value::Null) => DEFAULT_SECRET_LIFETIME_DAYS,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(d) if (1..=u64::from(MAX_SECRET_LIFETIME_DAYS)).contains(&d) => d as u32,
            _ => {
                return Err(ConfigError::Invalid {
                    key: "vendor.secretLifetimeDays".into(),
                    expected: lifetime_form,
                    found: n.to_string(),
                })
            }
        },
        Some(other) => {
            return Err(ConfigError::WrongType {
                key: "vendor.secretLifetimeDays".into(),
                expected: lifetime_form,
                found: describe(other),
            })
        }
    };

    Ok(Config {
        client_id,
        authority,
        graph_base_url,
        vendor: Vendor {
            name,
            app_display_name,
            default_scope_mode,
            support_contact,
            age_recipient,
            secret_lifetime_days,
        },
    })
}

const OTHER_CLIENT_ID_FORM: &str =
    "the page's client id at this OpenID Connect provider: 1 to 255 printable ASCII characters, no spaces";
const GUID_FORM: &str = "the Application (client) ID of the page's own app registration, a GUID like 00000000-0000-0000-0000-000000000000";
const URL_FORM: &str =
    "an https:// URL (http:// only for localhost or 127.0.0.1), without query or fragment, in ASCII (an international domain name in its xn-- form)";

fn missing(key: &str, expected: &str) -> ConfigError {
    ConfigError::Missing {
        key: key.into(),
        expected: expected.into(),
    }
}

fn quote(s: &str) -> String {
    let shown: String = s.chars().take(80).collect();
    serde_json::to_string(&shown).unwrap_or_default()
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn object<'a>(
    v: &'a Value,
    key: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, ConfigError> {
    v.as_object().ok_or_else(|| ConfigError::WrongType {
        key: key.into(),
        expected: expected.into(),
        found: describe(v),
    })
}

fn only_known(obj: &Map<String, Value>, prefix: &str, known: &[&str]) -> Result<(), ConfigError> {
    for key in obj.keys() {
        if !known.contains(&key.as_str()) {
            let suggestion = known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(key) || edit_distance(k, key) <= 2)
                .map(|k| format!("{prefix}{k}"));
            return Err(ConfigError::Unknown {
                key: format!("{prefix}{key}"),
                suggestion,
            });
        }
    }
    Ok(())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `Ok(None)` when the key is absent or null; an error when it has another type.
fn string<'a>(
    obj: &'a Map<String, Value>,
    prefix: &str,
    key: &str,
    expected: &str,
) -> Result<Option<&'a str>, ConfigError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ConfigError::WrongType {
            key: format!("{prefix}{key}"),
            expected: expected.into(),
            found: describe(other),
        }),
    }
}

fn required_text(
    vendor: &Map<String, Value>,
    key: &str,
    expected: &str,
    max_chars: usize,
) -> Result<String, ConfigError> {
    let path = format!("vendor.{key}");
    let s = string(vendor, "vendor.", key, expected)?.ok_or_else(|| missing(&path, expected))?;
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max_chars || t.chars().any(char::is_control) {
        return Err(ConfigError::Invalid {
            key: path,
            expected: expected.into(),
            found: quote(s),
        });
    }
    Ok(t.to_owned())
}

fn url(key: &str, s: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError::Invalid {
        key: key.into(),
        expected: URL_FORM.into(),
        found: quote(s),
    };
    let t = s.trim().trim_end_matches('/');
    if !t.is_ascii() {
        return Err(invalid());
    }
    let (secure, rest) = match (t.strip_prefix("https://"), t.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(invalid()),
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1");
    if host.is_empty()
        || (!secure && !loopback)
        || rest.contains(['?', '#', ' ', '\\', '@'])
        || rest.chars().any(char::is_control)
    {
        return Err(invalid());
    }
    Ok(t.to_owned())
}

fn is_age_recipient(r: &str) -> bool {
    const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    r.len() == 62 && r.starts_with("age1") && r[4..].chars().all(|c| BECH32.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
      "clientId": "11111111-2222-3333-4444-555555555555",
      "vendor": {
        "name": "Contoso Mailer",
        "appDisplayName": "{vendor} mail sender",
        "defaultScopeMode": "applicationAccessPolicy",
        "supportContact": "support@contoso.example"
      }
    }"#;

    fn with(patch: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(GOOD).unwrap();
        patch(&mut v);
        v.to_string()
    }

    #[test]
    fn minimal_config_gets_microsoft_defaults() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.authority, DEFAULT_AUTHORITY);
        assert_eq!(c.graph_base_url, DEFAULT_GRAPH_BASE_URL);
        assert_eq!(
            c.vendor.default_scope_mode,
            ScopeMode::ApplicationAccessPolicy
        );
        assert_eq!(c.vendor.app_display_name(), "Contoso Mailer mail sender");
        assert_eq!(c.vendor.secret_lifetime_days, DEFAULT_SECRET_LIFETIME_DAYS);
        assert_eq!(c.vendor.age_recipient, None);
    }

    #[test]
    fn the_example_is_valid_apart_from_its_placeholder_recipient() {
        let err = parse(EXAMPLE).unwrap_err();
        assert_eq!(err.key(), Some("vendor.ageRecipient"));
    }

    #[test]
    fn wrong_type_names_the_key_and_what_was_found() {
        let err = parse(&with(|v| v["vendor"]["name"] = Value::from(42))).unwrap_err();
        assert_eq!(err.key(), Some("vendor.name"));
        assert!(err.to_string().contains("found the number 42"), "{err}");
    }

    #[test]
    fn client_id_is_a_guid_at_entra_and_any_oauth_client_id_elsewhere() {
        let with = |authority: &str, id: &str| {
            parse(&format!(
                r#"{{"clientId":"{id}","authority":"{authority}","vendor":{{"name":"V","appDisplayName":"x","defaultScopeMode":"rbacForApplications","supportContact":"s@v.example"}}}}"#
            ))
        };
        let entra = "https://login.microsoftonline.us/organizations/v2.0";
        assert_eq!(
            with(entra, "mailgrant-spa").unwrap_err().key(),
            Some("clientId")
        );
        assert_eq!(
            with(entra, "11111111-2222-3333-4444-555555555555")
                .unwrap()
                .client_id
                .as_str(),
            "11111111-2222-3333-4444-555555555555"
        );
        let idn = with("https://lögin.example/realms/acme", "x").unwrap_err();
        assert_eq!(idn.key(), Some("authority"));
        assert!(idn.to_string().contains("xn--"), "{idn}");
        assert!(with("https://xn--lgin-5qa.example/realms/acme", "x").is_ok());
        let other = "https://idp.example/realms/acme";
        assert_eq!(
            with(other, "0oa1b2c3d4").unwrap().client_id.as_str(),
            "0oa1b2c3d4"
        );
        for bad in ["", "two words", "tab\\there"] {
            let err = with(other, bad).unwrap_err();
            assert_eq!(err.key(), Some("clientId"), "{bad}");
        }
        assert!(is_microsoft_authority(
            "https://LOGIN.microsoftonline.com/x/v2.0"
        ));
        assert!(!is_microsoft_authority(
            "https://login.microsoftonline.com.evil.example/x"
        ));
    }

    #[test]
    fn each_key_is_named_when_wrong() {
        type Patch = Box<dyn FnOnce(&mut Value)>;
        let cases: Vec<(&str, Patch)> = vec![
            (
                "clientId",
                Box::new(|v| v["clientId"] = "not-a-guid".into()),
            ),
            (
                "clientId",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("clientId");
                }),
            ),
            (
                "authority",
                Box::new(|v| v["authority"] = "http://evil.example/v2.0".into()),
            ),
            ("authority", Box::new(|v| v["authority"] = true.into())),
            (
                "graphBaseUrl",
                Box::new(|v| v["graphBaseUrl"] = "https://graph.microsoft.com?x=1".into()),
            ),
            ("vendor", Box::new(|v| v["vendor"] = "Contoso".into())),
            (
                "vendor.defaultScopeMode",
                Box::new(|v| v["vendor"]["defaultScopeMode"] = "rbac".into()),
            ),
            (
                "vendor.supportContact",
                Box::new(|v| v["vendor"]["supportContact"] = " ".into()),
            ),
            (
                "vendor.appDisplayName",
                Box::new(|v| v["vendor"]["appDisplayName"] = "a\nb".into()),
            ),
            (
                "vendor.ageRecipient",
                Box::new(|v| v["vendor"]["ageRecipient"] = "age1xyz".into()),
            ),
            (
                "vendor.secretLifetimeDays",
                Box::new(|v| v["vendor"]["secretLifetimeDays"] = 0.into()),
            ),
            (
                "vendor.secretLifetimeDays",
                Box::new(|v| v["vendor"]["secretLifetimeDays"] = "180".into()),
            ),
            (
                "vendor.secretLifetimeDays",
                Box::new(|v| v["vendor"]["secretLifetimeDays"] = 731.into()),
            ),
        ];
        for (key, patch) in cases {
            let text = with(patch);
            let err = parse(&text).unwrap_err();
            assert_eq!(err.key(), Some(key), "{text} → {err}");
        }
    }

    #[test]
    fn a_typo_is_caught_with_a_suggestion() {
        let err = parse(&with(|v| {
            let o = v.as_object_mut().unwrap();
            let id = o.remove("clientId").unwrap();
            o.insert("clientID".into(), id);
        }))
        .unwrap_err();
        assert_eq!(
            err,
            ConfigError::Unknown {
                key: "clientID".into(),
                suggestion: Some("clientId".into())
            }
        );
    }

    #[test]
    fn loopback_http_is_allowed_for_the_emulator_only() {
        let c = parse(&with(|v| {
            v["authority"] = "http://127.0.0.1:8401/organizations/v2.0/".into();
            v["graphBaseUrl"] = "http://localhost:8402".into();
        }))
        .unwrap();
        assert_eq!(c.authority, "http://127.0.0.1:8401/organizations/v2.0");
        assert_eq!(c.graph_base_url, "http://localhost:8402");
        for bad in [
            "http://127.0.0.1.evil.example/x",
            "ftp://x",
            "https://",
            "https://a b",
        ] {
            assert!(
                parse(&with(|v| v["authority"] = bad.into())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn not_json_is_reported() {
        assert!(matches!(parse("{"), Err(ConfigError::NotJson(_))));
        assert_eq!(parse("[]").unwrap_err().key(), Some("(the whole file)"));
    }

    #[test]
    fn age_recipient_shape() {
        let r = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        let c = parse(&with(|v| v["vendor"]["ageRecipient"] = r.into())).unwrap();
        assert_eq!(c.vendor.age_recipient.as_deref(), Some(r));
    }
}
