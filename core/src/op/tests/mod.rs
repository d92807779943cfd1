//! Each operation as data: (operation, what is known, the answers it gets) → the requests it
//! sends and what comes next, through one helper, [`check`].

use serde_json::json;

use super::*;
use crate::config::ScopeMode;
use crate::graph::apps::MAIL_SEND_ROLE_ID;
use crate::ids::{ClientId, Guid, SmtpAddress, TenantId};
use crate::job::{CredentialPlan, Existing, Inputs, Options};
use crate::op::facts::Fallback;

const APP: &str = "a1000000-0000-4000-8000-000000000001";
const APP_ID: &str = "a2000000-0000-4000-8000-000000000002";
const SP: &str = "b1000000-0000-4000-8000-000000000003";
const GRAPH_SP: &str = "99999999-0000-4000-8000-000000000001";
const KEY: &str = "c1000000-0000-4000-8000-000000000004";
const OLD_KEY: &str = "c1000000-0000-4000-8000-000000000005";
const RUN: Guid = Guid::from_bytes([0x12; 16]);

fn job(existing: Existing, credential: CredentialPlan) -> Job {
    Job {
        inputs: Inputs {
            tenant: TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
            mailbox: SmtpAddress::parse("invoices@contoso.example").unwrap(),
            mode: ScopeMode::ApplicationAccessPolicy,
            vendor: "V".into(),
            app_display_name: "V x".into(),
            secret_lifetime_days: 180,
            credential,
        },
        run_id: RUN,
        tool_version: "test".into(),
        options: Options::default(),
        existing,
        mailbox_id: Some(ObjectId::parse("11111111-2222-4333-8444-555555555555").unwrap()),
        scope: Default::default(),
    }
}

/// What the apply run knows after the app and the service principal.
fn known() -> Facts {
    Facts {
        app: ObjectId::parse(APP).ok(),
        app_id: ClientId::parse(APP_ID).ok(),
        sp: ObjectId::parse(SP).ok(),
        graph_sp: ObjectId::parse(GRAPH_SP).ok(),
        ..Facts::default()
    }
}

fn err(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
}

fn not_found() -> (u16, String) {
    err(
        404,
        "Request_ResourceNotFound",
        "Resource 'x' does not exist",
    )
}

fn ok(status: u16, body: serde_json::Value) -> (u16, String) {
    (status, body.to_string())
}

fn app_with(secrets: &[(&str, &str)]) -> (u16, String) {
    let creds: Vec<_> = secrets
        .iter()
        .map(|(k, n)| json!({"keyId": k, "displayName": n}))
        .collect();
    ok(
        200,
        json!({"id": APP, "appId": APP_ID, "passwordCredentials": creds}),
    )
}

/// What the last answer leads to.
#[derive(Debug, PartialEq)]
enum Then {
    Done(Outcome),
    Send,
    Lag(&'static str),
    Later,
    Unknown,
    Fail(&'static str),
    Hold,
}

impl Then {
    fn of(m: &Move) -> Then {
        match m {
            Move::Done(o) => Then::Done(*o),
            Move::Send => Then::Send,
            Move::Lag { what } => Then::Lag(what),
            Move::Later => Then::Later,
            Move::Unknown => Then::Unknown,
            Move::Hold => Then::Hold,
            Move::Fail(e) => Then::Fail(match e {
                OpError::MailboxNotFound { .. } => "mailbox not found",
                OpError::ForeignDomain { .. } => "foreign domain",
                OpError::AmbiguousMailbox { .. } => "ambiguous",
                OpError::MailboxIsGuest { .. } => "guest",
                OpError::NoMailbox {
                    why: NoMailbox::NoAddress,
                    ..
                } => "no address",
                OpError::NoMailbox { .. } => "no mailbox in Exchange Online",
                OpError::LifetimeOverPolicy { .. } => "lifetime over policy",
                OpError::SecretsForbidden { .. } => "secrets forbidden",
                OpError::MailSendRole(_) => "Mail.Send role",
                OpError::GroupNotFound { .. } => "group not found",
                OpError::NotMailEnabledSecurity { .. } => "not a mail-enabled security group",
                OpError::Foreign { .. } => "foreign",
                OpError::VendorApp { .. } => "vendor app",
                OpError::WiderExchangeScope { .. } => "wider Exchange scope",
                OpError::NotThisRuns { .. } => "not this run's",
                OpError::Unexpected(_) => "unexpected",
            }),
        }
    }
}

struct Case {
    name: &'static str,
    kind: Kind,
    existing: Existing,
    facts: Facts,
    /// The write's outcome was unknown (a lost answer earlier).
    unknown: bool,
    /// Start with the reconcile step (a write's outcome unknown on resume).
    reconcile: bool,
    answers: Vec<(u16, String)>,
    /// `METHOD path-fragment` of each request sent, in order.
    requests: Vec<&'static str>,
    then: Then,
    credential: CredentialPlan,
    /// JSON pointers into the first request's body that must be there (`true`) or not.
    body: Vec<(&'static str, bool)>,
}

fn case(name: &'static str, kind: Kind) -> Case {
    Case {
        name,
        kind,
        credential: CredentialPlan::ClientSecret,
        body: vec![],
        existing: Existing::default(),
        facts: known(),
        unknown: false,
        reconcile: false,
        answers: vec![],
        requests: vec![],
        then: Then::Send,
    }
}

impl Case {
    fn answers(mut self, a: Vec<(u16, String)>) -> Self {
        self.answers = a;
        self
    }
    fn sends(mut self, r: &[&'static str]) -> Self {
        self.requests = r.to_vec();
        self
    }
    fn then(mut self, t: Then) -> Self {
        self.then = t;
        self
    }
    fn credential(mut self, c: CredentialPlan) -> Self {
        self.credential = c;
        self
    }
    fn body(mut self, b: &[(&'static str, bool)]) -> Self {
        self.body = b.to_vec();
        self
    }
    fn facts(mut self, f: impl FnOnce(&mut Facts)) -> Self {
        f(&mut self.facts);
        self
    }
}

/// Starts the operation, feeds the answers one request at a time, and checks the requests sent
/// and what the last move is. Returns the facts and the secret it left.
fn check(c: Case) -> (Facts, Option<ClientSecret>) {
    let job = job(c.existing, c.credential);
    let mut facts = c.facts;
    let mut secret = None;
    let mut live = c.kind.live();
    let mut sent = vec![];
    let mut cx = Cx {
        job: &job,
        facts: &mut facts,
        secret: &mut secret,
        unknown: c.unknown,
        now_ms: 1_800_000_000_000,
    };
    let mut moved = if c.reconcile {
        live.reconcile();
        Move::Send
    } else {
        live.start(&mut cx)
    };
    for (status, body) in &c.answers {
        assert!(
            !matches!(moved, Move::Done(_) | Move::Fail(_)),
            "{}: ended early with {moved:?}",
            c.name
        );
        let r = live.request(&cx).expect("a request");
        if sent.is_empty() {
            let body = r.body.clone().unwrap_or_default();
            for (pointer, present) in &c.body {
                assert_eq!(
                    body.pointer(pointer).is_some(),
                    *present,
                    "{}: {pointer} in {body}",
                    c.name
                );
            }
        }
        sent.push(format!("{} {}", r.method, r.path));
        let error =
            (!(200..300).contains(status)).then(|| GraphError::from_response(*status, body));
        let answer = Answer::new(*status, body, error.as_ref());
        moved = live.answer(&answer, &mut cx);
    }
    assert_eq!(Then::of(&moved), c.then, "{}: sent {sent:#?}", c.name);
    assert_eq!(sent.len(), c.requests.len(), "{}: sent {sent:#?}", c.name);
    for (got, want) in sent.iter().zip(&c.requests) {
        let (method, part) = want.split_once(' ').unwrap();
        assert!(
            got.starts_with(method) && got.contains(part),
            "{}: sent {got}, expected {want}",
            c.name
        );
    }
    (facts, secret)
}

#[test]
fn reads() {
    let user = |extra: serde_json::Value| {
        let mut u = json!({"id": "11111111-2222-4333-8444-555555555555", "userType": "Member",
            "displayName": "Invoices", "accountEnabled": true,
            "mail": "invoices@contoso.example", "proxyAddresses": ["SMTP:invoices@contoso.example"]});
        for (k, v) in extra.as_object().unwrap() {
            u[k] = v.clone();
        }
        ok(200, json!({"value": [u]}))
    };
    let none = ok(200, json!({"value": []}));
    let domains = |names: &[&str]| {
        let d: Vec<_> = names.iter().map(|n| json!({"name": n})).collect();
        ok(200, json!({"value": [{"verifiedDomains": d}]}))
    };
    let find = "GET /v1.0/users?$filter=userPrincipalName%20eq%20%27invoices%40contoso.example%27%20or%20mail";
    let purpose =
        "GET /v1.0/users/11111111-2222-4333-8444-555555555555/mailboxSettings/userPurpose";
    for c in [
        case("mailbox found; its kind readable", Kind::Read(Read::Mailbox))
            .answers(vec![user(json!({})), ok(200, json!({"value": "shared"}))])
            .sends(&[find, purpose])
            .then(Then::Done(Outcome::Done)),
        case("mailbox found; its kind refused (someone else's)", Kind::Read(Read::Mailbox))
            .answers(vec![user(json!({})), err(403, "ErrorAccessDenied", "Access is denied.")])
            .sends(&[find, purpose])
            .then(Then::Done(Outcome::Done)),
        case("mailbox found; its kind answered oddly: fails open", Kind::Read(Read::Mailbox))
            .answers(vec![user(json!({})), err(500, "InternalServerError", "x")])
            .sends(&[find, purpose])
            .then(Then::Done(Outcome::Done)),
        case("an address Exchange has no mailbox for", Kind::Read(Read::Mailbox))
            .answers(vec![
                user(json!({})),
                err(404, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise."),
            ])
            .sends(&[find, purpose])
            .then(Then::Fail("no mailbox in Exchange Online")),
        case("a user without any address", Kind::Read(Read::Mailbox))
            .answers(vec![user(json!({"mail": null, "proxyAddresses": []}))])
            .sends(&[find])
            .then(Then::Fail("no address")),
        case("a guest", Kind::Read(Read::Mailbox))
            .answers(vec![user(json!({"userType": "Guest"}))])
            .sends(&[find])
            .then(Then::Fail("guest")),
        case("two users", Kind::Read(Read::Mailbox))
            .answers(vec![ok(200, json!({"value": [
                {"id": "11111111-2222-4333-8444-555555555555", "userPrincipalName": "a@contoso.example"},
                {"id": "11111111-2222-4333-8444-555555555556", "userPrincipalName": "b@contoso.example"}]}))])
            .sends(&[find])
            .then(Then::Fail("ambiguous")),
        case("nobody, on a domain of the tenant", Kind::Read(Read::Mailbox))
            .answers(vec![none.clone(), domains(&["contoso.onmicrosoft.com", "Contoso.Example"])])
            .sends(&[find, "GET /v1.0/organization?$select=verifiedDomains"])
            .then(Then::Fail("mailbox not found")),
        case("nobody, on a domain the tenant does not own", Kind::Read(Read::Mailbox))
            .answers(vec![none.clone(), domains(&["contoso.onmicrosoft.com"])])
            .sends(&[find, "GET /v1.0/organization"])
            .then(Then::Fail("foreign domain")),
        case("nobody; the domains unreadable: not found", Kind::Read(Read::Mailbox))
            .answers(vec![none, (200, "{".into())])
            .sends(&[find, "GET /v1.0/organization"])
            .then(Then::Fail("mailbox not found")),
        case("mailbox unreadable", Kind::Read(Read::Mailbox))
            .answers(vec![(200, "{".into())])
            .sends(&[find])
            .then(Then::Fail("unexpected")),
        case("no app yet: nothing to find", Kind::Read(Read::AppByUniqueName))
            .answers(vec![not_found()])
            .sends(&["GET /v1.0/applications(uniqueName='mailgrant-v-"])
            .then(Then::Done(Outcome::Done)),
        case("no app: its SP is not read", Kind::Read(Read::AppServicePrincipal))
            .then(Then::Done(Outcome::Skipped)),
        case("no SP: its grants are not read", Kind::Read(Read::Grants))
            .then(Then::Done(Outcome::Skipped)),
        case("Graph's SP and Mail.Send", Kind::Read(Read::GraphServicePrincipal))
            .answers(vec![ok(200, json!({"id": GRAPH_SP, "appRoles": [
                {"id": MAIL_SEND_ROLE_ID, "value": "Mail.Send", "allowedMemberTypes": ["Application"], "isEnabled": true}]}))])
            .sends(&["GET /v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"])
            .then(Then::Done(Outcome::Done)),
        case("Graph's Mail.Send has another id", Kind::Read(Read::GraphServicePrincipal))
            .answers(vec![ok(200, json!({"id": GRAPH_SP, "appRoles": [
                {"id": "00000000-0000-0000-0000-000000000001", "value": "Mail.Send", "allowedMemberTypes": ["Application"]}]}))])
            .sends(&["GET /v1.0/servicePrincipals"])
            .then(Then::Fail("Mail.Send role")),
    ] {
        check(c);
    }
}

/// A failed step's detail is one sentence naming the step, with one full stop at its end
/// whether or not Graph's message has its own.
#[test]
fn a_failed_steps_detail_is_one_sentence() {
    let graph = |message: &str, request_id: Option<&str>| {
        OpError::Unexpected(crate::graph::GraphError {
            status: 500,
            code: "generalException".into(),
            message: message.into(),
            request_id: request_id.map(Into::into),
            details: vec![],
        })
    };
    for (error, tail) in [
        (graph("Boom.", None), "Boom."),
        (graph("Boom", None), "Boom."),
        (graph("Boom.", Some("r-1")), "Boom. (request-id r-1)."),
    ] {
        let detail = error.explain_for(&Kind::UPSERT_APP).detail;
        assert!(detail.starts_with("The step “"), "{detail}");
        assert!(
            detail.ends_with(tail) && !detail.ends_with(".."),
            "{detail}"
        );
    }
}

mod scope_and_credentials;
mod writes;
