//! The simulated tenant itself: its objects, and how it answers each request the engine sends.

use super::*;

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub unique_name: Option<String>,
    pub tags: Vec<String>,
    pub rra: Value,
    pub passwords: Vec<(String, String, u64)>, // (keyId, displayName, visible_at)
    pub visible_at: u64,
}

#[derive(Debug, Clone)]
pub struct Sp {
    pub id: String,
    pub app_id: String,
    pub tags: Value,
    pub visible_at: u64,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    pub principal: String,
    pub resource: String,
    pub role: String,
    pub visible_at: u64,
}

/// An injected fault, consumed by the first request it matches.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this instead (nothing is written).
    Answer(u16, Vec<(&'static str, String)>, String),
    /// Perform the request, then lose the answer.
    LoseResponse,
    /// No answer, browser offline (nothing is written).
    Offline,
    /// The request never reached Graph (nothing is written), no answer, online.
    Drop,
    /// Perform the request, then answer this status instead (a gateway that timed out after
    /// the directory wrote: 504 with Graph's `GatewayTimeout` error).
    WriteThen(u16),
    /// Perform the request and never answer ([`Tenant::respond_or_hang`] gives `None`; through
    /// [`Tenant::respond`] it is a lost answer).
    Hang,
}

#[derive(Debug, Default)]
pub struct Tenant {
    pub apps: Vec<App>,
    pub sps: Vec<Sp>,
    pub grants: Vec<Grant>,
    pub next: u64,
    /// New objects become readable (and usable by dependent writes) after this long.
    pub replication_ms: u64,
    /// New secrets show in the app's passwordCredentials after this long.
    pub password_lag_ms: u64,
    pub faults: Vec<(&'static str, &'static str, VecDeque<Fault>)>,
    pub policy_max_days: Option<u32>,
    pub secrets_forbidden: bool,
    pub secrets_issued: Vec<String>,
    pub log: Vec<(String, String, u16)>,
    /// Exchange RBAC for Applications over Graph beta: `None` = available; `Some(status)`: every
    /// request answers this status (400 "not available", 403 forbidden).
    pub exchange_refuses: Option<u16>,
    pub exchange_assignments: Vec<ExchangeAssignment>,
}

#[derive(Debug, Clone)]
pub struct ExchangeAssignment {
    pub id: String,
    pub principal: String,
    pub role: String,
    pub scope: String,
    pub visible_at: u64,
}

/// Exchange's `Application Mail.Send` role definition id in this simulated tenant.
pub const EXCHANGE_ROLE_ID: &str = "e5000000-0000-4000-8000-000000000001";

fn err(code: &str, message: &str) -> String {
    json!({"error": {"code": code, "message": message, "innerError": {"request-id": "req-err"}}})
        .to_string()
}

fn not_found() -> (u16, String) {
    (
        404,
        err(
            "Request_ResourceNotFound",
            "Resource 'x' does not exist or one of its queried reference-property objects are not present.",
        ),
    )
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let i = s.find(a)? + a.len();
    let j = s[i..].find(b)? + i;
    Some(&s[i..j])
}

impl Tenant {
    pub fn new() -> Self {
        Tenant {
            next: 1,
            ..Tenant::default()
        }
    }

    pub fn with_lag(ms: u64) -> Self {
        Tenant {
            replication_ms: ms,
            ..Tenant::new()
        }
    }

    /// Injects faults for requests with this method whose path contains `path_part`.
    pub fn fault(&mut self, method: &'static str, path_part: &'static str, faults: Vec<Fault>) {
        self.faults.push((method, path_part, faults.into()));
    }

    fn id(&mut self, kind: u32) -> String {
        self.next += 1;
        format!("{kind:08x}-0000-4000-8000-{:012x}", self.next)
    }

    pub fn app_json(a: &App, now: u64) -> Value {
        json!({
            "id": a.id, "appId": a.app_id, "displayName": a.display_name,
            "uniqueName": a.unique_name, "tags": a.tags, "requiredResourceAccess": a.rra,
            "passwordCredentials": a.passwords.iter().filter(|p| p.2 <= now).map(|(k, n, _)| json!({"keyId": k, "displayName": n, "hint": "abc"})).collect::<Vec<_>>(),
        })
    }

    /// [`Tenant::respond`], but `None` for a [`Fault::Hang`]: the request was performed and its
    /// answer never comes.
    pub fn respond_or_hang(&mut self, now: u64, req: &Request) -> Option<Reply> {
        let hangs = self
            .faults
            .iter()
            .find(|(m, p, f)| *m == req.method && req.path.contains(p) && !f.is_empty())
            .is_some_and(|(_, _, f)| matches!(f.front(), Some(Fault::Hang)));
        let reply = self.respond(now, req);
        (!hangs).then_some(reply)
    }

    pub fn respond(&mut self, now: u64, req: &Request) -> Reply {
        let fault = self
            .faults
            .iter_mut()
            .find(|(m, p, f)| *m == req.method && req.path.contains(p) && !f.is_empty())
            .and_then(|(_, _, f)| f.pop_front());
        match fault {
            Some(Fault::Answer(status, headers, body)) => {
                self.log.push((req.method.into(), req.path.clone(), status));
                let mut h = Headers::default();
                for (k, v) in headers {
                    if k == "Retry-After" {
                        h.retry_after = Some(v);
                    }
                }
                Reply::Answer {
                    status,
                    headers: h,
                    body,
                }
            }
            Some(Fault::Offline) => Reply::NetworkFailed { online: false },
            Some(Fault::Drop) => Reply::NetworkFailed { online: true },
            Some(Fault::WriteThen(status)) => {
                let _ = self.handle(now, req);
                self.log.push((req.method.into(), req.path.clone(), status));
                Reply::Answer {
                    status,
                    headers: Headers::default(),
                    body: err(
                        "GatewayTimeout",
                        "The gateway did not receive a response in time.",
                    ),
                }
            }
            Some(Fault::LoseResponse) | Some(Fault::Hang) => {
                let (status, _) = self.handle(now, req);
                self.log.push((req.method.into(), req.path.clone(), status));
                Reply::NetworkFailed { online: true }
            }
            None => {
                let (status, body) = self.handle(now, req);
                self.log.push((req.method.into(), req.path.clone(), status));
                Reply::Answer {
                    status,
                    headers: Headers {
                        request_id: Some(format!("req-{}", self.log.len())),
                        ..Headers::default()
                    },
                    body,
                }
            }
        }
    }

    fn app_visible(&self, now: u64, pred: impl Fn(&App) -> bool) -> Option<usize> {
        self.apps
            .iter()
            .position(|a| pred(a) && a.visible_at <= now)
    }

    fn handle(&mut self, now: u64, req: &Request) -> (u16, String) {
        let path = req.path.clone();
        let (p, _query) = path.split_once('?').unwrap_or((&path, ""));
        let body = req.body.clone().unwrap_or(Value::Null);
        let vis = now + self.replication_ms;
        match (req.method, p) {
            ("GET", "/v1.0/users") => {
                let filter = decode(between(&path, "$filter=", "&").unwrap());
                let upn = between(&filter, "userPrincipalName eq '", "'").unwrap_or_default();
                let list = if upn == MAILBOX {
                    vec![json!({"id": MAILBOX_ID, "displayName": "Shared sender", "userPrincipalName": MAILBOX, "mail": MAILBOX, "proxyAddresses": [format!("SMTP:{MAILBOX}")], "userType": "Member"})]
                } else if upn == "guest@contoso.com" {
                    vec![json!({"id": "22222222-2222-4333-8444-555555555555", "userType": "Guest"})]
                } else {
                    vec![]
                };
                (200, json!({"value": list}).to_string())
            }
            ("GET", p) if p.ends_with("/mailboxSettings/userPurpose") => (
                403,
                json!({"error": {"code": "ErrorAccessDenied", "message": "Access is denied. Check credentials and try again."}}).to_string(),
            ),
            ("GET", "/v1.0/organization") => (
                200,
                json!({"value": [{"verifiedDomains": [{"name": "contoso.com"}]}]}).to_string(),
            ),
            ("GET", "/v1.0/applications") => {
                let filter = decode(between(&path, "$filter=", "&").unwrap());
                let name = between(&filter, "eq '", "'").unwrap_or_default().replace("''", "'");
                let list: Vec<Value> = self
                    .apps
                    .iter()
                    .filter(|a| a.display_name == name && a.visible_at <= now)
                    .map(|a| Self::app_json(a, now))
                    .collect();
                (200, json!({"value": list}).to_string())
            }
            (m, p) if p.starts_with("/v1.0/applications(uniqueName='") => {
                let un = decode(between(p, "uniqueName='", "')").unwrap());
                match m {
                    "GET" => match self.app_visible(now, |a| a.unique_name.as_deref() == Some(&un)) {
                        Some(i) => (200, Self::app_json(&self.apps[i], now).to_string()),
                        None => not_found(),
                    },
                    "PATCH" => {
                        assert_eq!(req.header("Prefer"), Some("create-if-missing"));
                        if let Some(a) = self.apps.iter_mut().find(|a| a.unique_name.as_deref() == Some(&un)) {
                            a.display_name = body["displayName"].as_str().unwrap().into();
                            a.tags = serde_json::from_value(body["tags"].clone()).unwrap();
                            a.rra = body["requiredResourceAccess"].clone();
                            (204, String::new())
                        } else {
                            let a = App {
                                id: self.id(0xa1),
                                app_id: self.id(0xa2),
                                display_name: body["displayName"].as_str().unwrap().into(),
                                unique_name: Some(un),
                                tags: serde_json::from_value(body["tags"].clone()).unwrap(),
                                rra: body["requiredResourceAccess"].clone(),
                                passwords: vec![],
                                visible_at: vis,
                            };
                            let j = Self::app_json(&a, u64::MAX).to_string();
                            self.apps.push(a);
                            (201, j)
                        }
                    }
                    _ => (405, String::new()),
                }
            }
            (m, p) if p.starts_with("/v1.0/applications/") => {
                let rest = &p["/v1.0/applications/".len()..];
                let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
                let Some(i) = self.app_visible(now, |a| a.id == id) else {
                    return not_found();
                };
                match (m, action) {
                    ("GET", "") => (200, Self::app_json(&self.apps[i], now).to_string()),
                    ("DELETE", "") => {
                        self.apps.remove(i);
                        (204, String::new())
                    }
                    ("POST", "addPassword") => {
                        if self.secrets_forbidden {
                            return (400, err("Request_BadRequest", "Credential type not allowed as per assigned policy 7c6a…"));
                        }
                        let end = body["passwordCredential"]["endDateTime"].as_str().unwrap();
                        let days = days_from(now, end);
                        if let Some(max) = self.policy_max_days {
                            if days > max {
                                return (400, err("Request_BadRequest", "Credential lifetime exceeds the max value allowed as per assigned policy 7c6a…"));
                            }
                        }
                        let key = self.id(0xc1);
                        let secret = format!("SECRET~CANARY~{}", self.next);
                        self.secrets_issued.push(secret.clone());
                        let name = body["passwordCredential"]["displayName"].as_str().unwrap().to_owned();
                        self.apps[i].passwords.push((key.clone(), name.clone(), now + self.password_lag_ms));
                        (200, json!({"keyId": key, "secretText": secret, "displayName": name, "endDateTime": end, "hint": "SEC"}).to_string())
                    }
                    ("POST", "removePassword") => {
                        let key = body["keyId"].as_str().unwrap();
                        self.apps[i].passwords.retain(|(k, _, _)| k != key);
                        (204, String::new())
                    }
                    _ => (405, String::new()),
                }
            }
            ("GET", p) if p == format!("/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')") => (
                200,
                json!({"id": GRAPH_SP_ID, "appId": GRAPH_APP_ID, "appRoles": [
                    {"id": "e383f46e-2787-4529-855e-0e479a3ffac0", "value": "Mail.Send", "allowedMemberTypes": ["User"], "isEnabled": true},
                    {"id": MAIL_SEND_ROLE_ID, "value": "Mail.Send", "allowedMemberTypes": ["Application"], "isEnabled": true},
                    {"id": "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "value": "Mail.Read", "allowedMemberTypes": ["Application"], "isEnabled": true},
                ]})
                .to_string(),
            ),
            (m, p) if p.starts_with("/v1.0/servicePrincipals(appId='") => {
                let app_id = between(p, "appId='", "')").unwrap().to_owned();
                match m {
                    "GET" => match self.sps.iter().find(|s| s.app_id == app_id && s.visible_at <= now) {
                        Some(s) => (200, json!({"id": s.id, "appId": s.app_id, "tags": s.tags}).to_string()),
                        None => not_found(),
                    },
                    "PATCH" => {
                        if self.app_visible(now, |a| a.app_id == app_id).is_none() {
                            return (400, json!({"error": {"code": "Request_BadRequest", "message": format!("The appId '{app_id}' of the service principal does not reference a valid application object."), "details": [{"code": "NoBackingApplicationObject", "target": "appId"}]}}).to_string());
                        }
                        let tags = body.get("tags").cloned().unwrap_or(json!([]));
                        if let Some(s) = self.sps.iter_mut().find(|s| s.app_id == app_id) {
                            s.tags = tags;
                            (204, String::new())
                        } else {
                            let s = Sp { id: self.id(0xb1), app_id, tags, visible_at: vis };
                            let j = json!({"id": s.id, "appId": s.app_id}).to_string();
                            self.sps.push(s);
                            (201, j)
                        }
                    }
                    _ => (405, String::new()),
                }
            }
            (m, p) if p.starts_with("/v1.0/servicePrincipals/") => {
                let rest = &p["/v1.0/servicePrincipals/".len()..];
                let parts: Vec<&str> = rest.split('/').collect();
                match (m, parts.as_slice()) {
                    ("GET", [id]) => match self.sps.iter().find(|s| s.id == *id && s.visible_at <= now) {
                        Some(s) => (200, json!({"id": s.id, "appId": s.app_id, "tags": s.tags}).to_string()),
                        None => not_found(),
                    },
                    ("DELETE", [id]) => {
                        let n = self.sps.len();
                        self.sps.retain(|s| s.id != *id);
                        if n == self.sps.len() { not_found() } else { (204, String::new()) }
                    }
                    ("GET", [id, "appRoleAssignments"]) => {
                        if !self.sps.iter().any(|s| s.id == *id && s.visible_at <= now) {
                            return not_found();
                        }
                        let list: Vec<Value> = self.grants.iter().filter(|g| g.principal == *id && g.visible_at <= now).map(|g| json!({"id": g.id, "appRoleId": g.role, "resourceId": g.resource, "principalId": g.principal})).collect();
                        (200, json!({"value": list}).to_string())
                    }
                    ("POST", [res, "appRoleAssignedTo"]) => {
                        let principal = body["principalId"].as_str().unwrap().to_owned();
                        assert_eq!(body["resourceId"].as_str(), Some(*res));
                        if !self.sps.iter().any(|s| s.id == principal && s.visible_at <= now) {
                            return not_found();
                        }
                        let role = body["appRoleId"].as_str().unwrap().to_owned();
                        if self.grants.iter().any(|g| g.principal == principal && g.role == role && g.resource == *res) {
                            return (400, err("Request_BadRequest", "Permission being assigned already exists on the object"));
                        }
                        self.next += 1;
                        let g = Grant { id: format!("grant-{}_x", self.next), principal, resource: res.to_string(), role, visible_at: vis };
                        let j = json!({"id": g.id, "appRoleId": g.role, "resourceId": g.resource, "principalId": g.principal, "principalType": "ServicePrincipal"}).to_string();
                        self.grants.push(g);
                        (201, j)
                    }
                    ("DELETE", [_res, "appRoleAssignedTo", id]) => {
                        let id = decode(id);
                        let n = self.grants.len();
                        self.grants.retain(|g| g.id != id);
                        if n == self.grants.len() { not_found() } else { (204, String::new()) }
                    }
                    _ => (405, String::new()),
                }
            }
            (m, p) if p.starts_with("/beta/roleManagement/exchange/") => {
                self.exchange(now, m, &p["/beta/roleManagement/exchange/".len()..], &path, &body)
            }
            _ => (405, format!("no route for {} {}", req.method, req.path)),
        }
    }

    /// The Graph beta `roleManagement/exchange` provider, as its docs show it.
    fn exchange(
        &mut self,
        now: u64,
        method: &str,
        rest: &str,
        path: &str,
        body: &Value,
    ) -> (u16, String) {
        if let Some(status) = self.exchange_refuses {
            return (
                status,
                err(
                    if status == 403 {
                        "Authorization_RequestDenied"
                    } else {
                        "BadRequest"
                    },
                    "refused",
                ),
            );
        }
        let vis = now + self.replication_ms;
        match (method, rest) {
            ("GET", "roleDefinitions") => {
                let filter = between(path, "$filter=", "&")
                    .map(decode)
                    .or_else(|| path.split_once("$filter=").map(|(_, f)| decode(f)));
                let roles = [
                    (EXCHANGE_ROLE_ID, "Application Mail.Send"),
                    (
                        "e5000000-0000-4000-8000-000000000002",
                        "Application Mail.Read",
                    ),
                ];
                let list: Vec<Value> = roles
                    .iter()
                    .filter(|(_, n)| filter.as_deref().is_none_or(|f| f.contains(&format!("'{n}'"))))
                    .map(|(id, n)| json!({"id": id, "displayName": n, "allowedPrincipalTypes": "servicePrincipal"}))
                    .collect();
                (200, json!({"value": list}).to_string())
            }
            ("GET", "roleAssignments") => {
                let filter = path
                    .split_once("$filter=")
                    .map(|(_, f)| decode(f))
                    .unwrap_or_default();
                let principal = between(&filter, "eq '", "'").unwrap_or_default().to_owned();
                let list: Vec<Value> = self
                    .exchange_assignments
                    .iter()
                    .filter(|a| a.principal == principal && a.visible_at <= now)
                    .map(|a| json!({"id": a.id, "principalId": a.principal, "roleDefinitionId": a.role, "directoryScopeId": a.scope}))
                    .collect();
                (200, json!({"value": list}).to_string())
            }
            ("POST", "roleAssignments") => {
                let principal = body["principalId"].as_str().unwrap_or_default().to_owned();
                let sp = principal
                    .trim_start_matches("/ServicePrincipals/")
                    .to_owned();
                if !self.sps.iter().any(|s| s.id == sp && s.visible_at <= now) {
                    return (
                        404,
                        err(
                            "ManagementObjectNotFoundException",
                            &format!("Couldn't find object \"{sp}\"."),
                        ),
                    );
                }
                let role = body["roleDefinitionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let scope = body["directoryScopeId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if self
                    .exchange_assignments
                    .iter()
                    .any(|a| a.principal == principal && a.role == role && a.scope == scope)
                {
                    return (409, err("Conflict", "already exists"));
                }
                let a = ExchangeAssignment {
                    id: self.id(0xe1),
                    principal,
                    role,
                    scope,
                    visible_at: vis,
                };
                let j = json!({"id": a.id, "principalId": a.principal, "roleDefinitionId": a.role, "directoryScopeId": a.scope, "appScopeId": null}).to_string();
                self.exchange_assignments.push(a);
                (201, j)
            }
            (m, r) if r.starts_with("roleAssignments/") => {
                let id = &r["roleAssignments/".len()..];
                let Some(i) = self
                    .exchange_assignments
                    .iter()
                    .position(|a| a.id == id && a.visible_at <= now)
                else {
                    return not_found();
                };
                match m {
                    "GET" => {
                        let a = &self.exchange_assignments[i];
                        (200, json!({"id": a.id, "principalId": a.principal, "roleDefinitionId": a.role, "directoryScopeId": a.scope}).to_string())
                    }
                    "DELETE" => {
                        self.exchange_assignments.remove(i);
                        (204, String::new())
                    }
                    _ => (405, String::new()),
                }
            }
            _ => (405, String::new()),
        }
    }

    /// Makes everything visible (replication caught up).
    pub fn settle(&mut self) {
        for a in &mut self.apps {
            a.visible_at = 0;
        }
        for s in &mut self.sps {
            s.visible_at = 0;
        }
        for g in &mut self.grants {
            g.visible_at = 0;
        }
        for a in &mut self.exchange_assignments {
            a.visible_at = 0;
        }
    }

    pub fn count(&self, method: &str, part: &str) -> usize {
        self.log
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(part))
            .count()
    }
}

fn days_from(now: u64, iso: &str) -> u32 {
    // yyyy-mm-ddThh:mm:ssZ → compare via the core's own formatter: step days until it matches.
    let end_day = &iso[..10];
    (0..=1000u32)
        .find(|d| {
            mailgrant_core::time::UtcDateTime::from_unix_millis(
                (now + u64::from(*d) * 86_400_000) as i64,
            )
            .is_some_and(|t| t.to_rfc3339().starts_with(end_day))
        })
        .unwrap_or(9999)
}
