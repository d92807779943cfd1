//! Helpers for the emulator's HTTP tests: start it, walk the sign-in pages like a browser, redeem codes.
#![allow(dead_code)]

use std::collections::HashMap;

use base64::Engine;
use mailgrant_emulator::{start, Options, Running, Site};
use reqwest::header::LOCATION;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const APP_ORIGIN: &str = "http://localhost:3000";
pub const APP_REDIRECT: &str = "http://localhost:3000/";
pub const FULL_SCOPE: &str = "openid profile offline_access User.Read Application.ReadWrite.All AppRoleAssignment.ReadWrite.All User.Read.All GroupMember.Read.All";

pub async fn emu() -> Running {
    emu_with(None).await
}

pub async fn emu_with(site: Option<Site>) -> Running {
    start(Options {
        site,
        extra_redirect_uris: vec![APP_REDIRECT.to_string()],
        ..Options::default()
    })
    .await
    .expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn b64url(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce(seed: &str) -> Pkce {
    let verifier = b64url(&Sha256::digest(format!("verifier-{seed}").as_bytes()));
    let challenge = b64url(&Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

pub fn authorize_url(emu: &Running, params: &[(&str, &str)]) -> String {
    format!(
        "{}/organizations/oauth2/v2.0/authorize?{}",
        emu.login_origin,
        serde_urlencoded::to_string(params).unwrap()
    )
}

pub fn std_params<'a>(p: &'a Pkce, state: &'a str, nonce: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_id", mailgrant_emulator::DEMO_SPA_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", APP_REDIRECT),
        ("scope", FULL_SCOPE),
        ("response_mode", "query"),
        ("state", state),
        ("nonce", nonce),
        ("code_challenge", &p.challenge),
        ("code_challenge_method", "S256"),
    ]
}

/// The value of `attr="..."` inside one tag's text.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Submits the form containing the button with `id=button_id`, as a browser would
/// (hidden inputs + the clicked button's name/value). Returns the response.
pub async fn click(
    c: &reqwest::Client,
    page_url: &str,
    html: &str,
    button_id: &str,
) -> reqwest::Response {
    let marker = format!("id=\"{button_id}\"");
    let pos = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {button_id} in page:\n{html}"));
    let form_start = html[..pos].rfind("<form").expect("button inside a form");
    let form_end = html[pos..].find("</form>").expect("form closes") + pos;
    let form = &html[form_start..form_end];
    let form_tag = &form[..form.find('>').unwrap()];
    let action = attr(form_tag, "action").unwrap();
    assert_eq!(attr(form_tag, "method").as_deref(), Some("POST"));
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in form.split("<input").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        if attr(tag, "type").as_deref() == Some("hidden") {
            fields.push((attr(tag, "name").unwrap(), attr(tag, "value").unwrap()));
        }
    }
    let btn_start = html[..pos].rfind("<button").unwrap();
    let btn_tag = &html[btn_start..btn_start + html[btn_start..].find('>').unwrap()];
    if let (Some(n), Some(v)) = (attr(btn_tag, "name"), attr(btn_tag, "value")) {
        fields.push((n, v));
    }
    let origin = page_url.split('/').take(3).collect::<Vec<_>>().join("/");
    let url = if action.starts_with('/') {
        format!("{origin}{action}")
    } else {
        action
    };
    c.post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&fields).unwrap())
        .send()
        .await
        .unwrap()
}

/// Query parameters of a redirect `Location`.
pub fn location_params(resp: &reqwest::Response) -> (String, HashMap<String, String>) {
    assert_eq!(resp.status().as_u16(), 302, "expected a redirect");
    let loc = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let (base, query) = loc.split_once('?').unwrap_or((&loc, ""));
    let params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap();
    (base.to_string(), params)
}

/// Authorize → pick `account` → Accept. Returns the redirect's query parameters.
pub async fn sign_in(
    emu: &Running,
    c: &reqwest::Client,
    params: &[(&str, &str)],
    account: &str,
    decision: &str,
) -> (String, HashMap<String, String>) {
    let url = authorize_url(emu, params);
    let page = c.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    let consent = click(c, &url, &html, &format!("account-{account}")).await;
    assert_eq!(consent.status().as_u16(), 200);
    let consent_html = consent.text().await.unwrap();
    let done = click(c, &url, &consent_html, decision).await;
    location_params(&done)
}

pub async fn redeem(
    emu: &Running,
    c: &reqwest::Client,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> reqwest::Response {
    let mut req = c
        .post(format!(
            "{}/organizations/oauth2/v2.0/token",
            emu.login_origin
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    req.send().await.unwrap()
}

/// Full sign-in as `account` with the full scope; returns the token response JSON.
pub async fn tokens_for(emu: &Running, c: &reqwest::Client, account: &str) -> Value {
    let p = pkce(account);
    let params = std_params(&p, "st", "nn");
    let (_, q) = sign_in(emu, c, &params, account, "accept").await;
    let code = q.get("code").expect("code").clone();
    let resp = redeem(
        emu,
        c,
        &[
            ("client_id", mailgrant_emulator::DEMO_SPA_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", APP_REDIRECT),
            ("code_verifier", &p.verifier),
            (
                "scope",
                "https://graph.microsoft.com/.default openid profile offline_access",
            ),
        ],
        Some(APP_ORIGIN),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

pub fn jwt_part(jwt: &str, i: usize) -> Value {
    let part = jwt.split('.').nth(i).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A Graph client for one signed-in user.
pub struct Gc {
    pub c: reqwest::Client,
    pub base: String,
    pub auth: String,
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Gc {
    /// Signed in as `account` with the full scope set.
    pub async fn for_user(emu: &Running, account: &str) -> Gc {
        let c = client();
        let tok = tokens_for(emu, &c, account).await;
        Gc::from_token(emu, c, &tok)
    }

    /// Signed in as `account`, consenting to and redeeming exactly `scope`.
    pub async fn with_scope(emu: &Running, account: &str, scope: &str) -> Gc {
        let c = client();
        let p = pkce(account);
        let mut params = std_params(&p, "st", "nn");
        for kv in params.iter_mut() {
            if kv.0 == "scope" {
                kv.1 = scope;
            }
        }
        let (_, q) = sign_in(emu, &c, &params, account, "accept").await;
        let code = q.get("code").expect("code").clone();
        let resp = redeem(
            emu,
            &c,
            &[
                ("client_id", mailgrant_emulator::DEMO_SPA_CLIENT_ID),
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", APP_REDIRECT),
                ("code_verifier", &p.verifier),
                ("scope", scope),
            ],
            Some(APP_ORIGIN),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200);
        let tok: Value = resp.json().await.unwrap();
        Gc::from_token(emu, c, &tok)
    }

    pub fn from_token(emu: &Running, c: reqwest::Client, tok: &Value) -> Gc {
        Gc {
            c,
            base: emu.graph_origin.clone(),
            auth: format!("Bearer {}", tok["access_token"].as_str().unwrap()),
        }
    }

    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, reqwest::Error> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .c
            .request(m, format!("{}{path}", self.base))
            .header("authorization", &self.auth);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Resp {
            status,
            headers,
            text,
            json,
        })
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.try_send(method, path, body, headers)
            .await
            .expect("a response")
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send("POST", path, Some(&body.to_string()), &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send("PATCH", path, Some(&body.to_string()), &[]).await
    }

    pub async fn upsert(&self, path: &str, body: &Value) -> Resp {
        self.send(
            "PATCH",
            path,
            Some(&body.to_string()),
            &[("prefer", "create-if-missing")],
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", path, None, &[]).await
    }
}

/// Asserts a Graph error response: status, `error.code`, and a message substring.
pub fn assert_graph_error(r: &Resp, status: u16, code: &str, msg: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"]["code"], code, "{}", r.text);
    let m = r.json["error"]["message"].as_str().unwrap_or_default();
    assert!(m.contains(msg), "message {m:?} lacks {msg:?}");
    assert!(r.json["error"]["innerError"]["request-id"].is_string());
    assert!(r.json["error"]["innerError"]["client-request-id"].is_string());
    assert!(r.headers.contains_key("request-id"));
}

pub async fn emu_state(emu: &Running) -> Value {
    client()
        .get(format!("{}/_emulator/state", emu.graph_origin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn set_faults(emu: &Running, faults: Value) {
    let r = client()
        .post(format!("{}/_emulator/faults", emu.graph_origin))
        .header("content-type", "application/json")
        .body(faults.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
pub const MAIL_SEND_ROLE: &str = "b633e1c5-b582-4048-a93e-9f11b44c7e96";

/// The delegated scopes the page asks for in its RBAC for Applications mode.
pub const RBAC_SCOPE: &str = "openid profile User.Read Application.ReadWrite.All User.Read.All GroupMember.Read.All RoleManagement.ReadWrite.Exchange";

/// A Graph client with a token minted by `POST /_emulator/token` (no sign-in pages): `user` with
/// exactly `scopes`.
pub async fn minted(emu: &Running, user: &str, scopes: &[&str]) -> Gc {
    let r = client()
        .post(format!("{}/_emulator/token", emu.graph_origin))
        .body(serde_json::json!({"user": user, "scopes": scopes}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tok: Value = r.json().await.unwrap();
    Gc::from_token(emu, client(), &tok)
}

/// A client for the unauthenticated `/_emulator/*` hooks (same helpers as [`Gc`]).
pub fn hooks(emu: &Running) -> Gc {
    Gc {
        c: client(),
        base: emu.graph_origin.clone(),
        auth: "Bearer none".into(),
    }
}

/// Creates an application and its service principal as `g`; answers (appId, SP object id).
pub async fn new_app_with_sp(g: &Gc, unique: &str) -> (String, String) {
    let r = g
        .upsert(
            &format!("/v1.0/applications(uniqueName='{unique}')"),
            &serde_json::json!({"displayName": format!("Mailer {unique}")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let app_id = r.json["appId"].as_str().unwrap().to_string();
    let r = g
        .upsert(
            &format!("/v1.0/servicePrincipals(appId='{app_id}')"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (app_id, r.json["id"].as_str().unwrap().to_string())
}

/// The id of an Exchange role definition, looked up by name as an app must.
pub async fn exchange_role_id(g: &Gc, name: &str) -> String {
    let r = g
        .get(&format!(
            "/beta/roleManagement/exchange/roleDefinitions?$filter=displayName eq '{name}'"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1, "{}", r.text);
    r.json["value"][0]["id"].as_str().unwrap().to_string()
}

pub mod seed_ids {
    pub const ADELE: &str = "84d227f2-34c8-4a62-a5cc-621cd2fe304c";
    pub const MEGAN: &str = "2b409773-bfb0-4637-9f26-c40b36b8478d";
    pub const NESTOR: &str = "6683add5-7b7f-425f-aef0-a1d578ced23c";
    pub const INVOICES: &str = "670604ea-5ccf-4fa0-94d3-14e71cc55ce7";
    pub const ISAIAH: &str = "0d107972-b712-4948-821d-38b2930bca42";
    pub const MAILGRANT_SENDERS: &str = "71b53146-ceb2-4940-b73e-51e8ef4be99b";
    pub const FINANCE_NOTIFICATIONS: &str = "a7e58b83-461d-4a33-a42b-dafcb70f68fc";
    pub const FINANCE_MAILBOXES: &str = "50ca7e77-0b2d-48e2-a6e4-a0037b339136";
    pub const IT_ADMINS: &str = "f41359ab-31bf-4e1c-9778-13b94e58ef70";
    pub const SALES: &str = "d158853c-b691-4003-a7a4-ae564aab375b";
}
