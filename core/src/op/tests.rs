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

#[test]
fn the_app() {
    let app = json!({"id": APP, "appId": APP_ID});
    let marked = json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")]});
    let existed = Existing {
        app: ObjectId::parse(APP).ok(),
        ..Existing::default()
    };
    for c in [
        case("created", Kind::UPSERT_APP)
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created)),
        Case {
            existing: existed.clone(),
            ..case("existed: read back", Kind::UPSERT_APP)
                .answers(vec![(204, String::new()), ok(200, app.clone())])
                .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
                .then(Then::Done(Outcome::Existing))
        },
        case(
            "absent at the preflight, there at the first upsert (a replay): this run's",
            Kind::UPSERT_APP,
        )
        .answers(vec![
            (204, String::new()),
            ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")]}),
            ),
        ])
        .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
        .then(Then::Done(Outcome::Created)),
        case(
            "absent at the preflight, there with another run's secret: another run's",
            Kind::UPSERT_APP,
        )
        .answers(vec![
            (204, String::new()),
            ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": [format!("mailgrant:run={RUN}")],
                    "passwordCredentials": [{"keyId": "44444444-5555-4666-8777-888888888888", "displayName": "mailgrant run beefbeef"}]}),
            ),
        ])
        .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
        .then(Then::Fail("foreign")),
        case("read back not replicated yet", Kind::UPSERT_APP)
            .answers(vec![(204, String::new()), not_found()])
            .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
            .then(Then::Lag("app registration")),
        Case {
            unknown: true,
            ..case(
                "204 after a lost answer: this run made it",
                Kind::UPSERT_APP,
            )
            .answers(vec![(204, String::new()), ok(200, marked.clone())])
            .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
            .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: the lost upsert did not happen",
                Kind::UPSERT_APP,
            )
            .answers(vec![not_found()])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Send)
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: the lost upsert made it (this run's mark)",
                Kind::UPSERT_APP,
            )
            .answers(vec![ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant", format!("mailgrant:run={RUN}")]}),
            )])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case(
                "reconcile: another run's app with the same unique name is not ours",
                Kind::UPSERT_APP,
            )
            .answers(vec![ok(
                200,
                json!({"id": APP, "appId": APP_ID, "tags": ["mailgrant", "mailgrant:run=00000000-0000-4000-8000-00000000beef"]}),
            )])
            .sends(&["GET /v1.0/applications(uniqueName="])
            .then(Then::Fail("foreign"))
        },
        Case {
            reconcile: true,
            existing: existed,
            ..case("reconcile: it was there before", Kind::UPSERT_APP)
                .answers(vec![ok(200, app.clone())])
                .sends(&["GET /v1.0/applications(uniqueName="])
                .then(Then::Done(Outcome::Existing))
        },
        case("a 500 is not expected", Kind::UPSERT_APP)
            .answers(vec![err(500, "generalException", "boom")])
            .sends(&["PATCH /v1.0/applications("])
            .then(Then::Fail("unexpected")),
    ] {
        check(c);
    }
}

#[test]
fn the_service_principal() {
    let no_backing = (
        400,
        json!({"error": {"code": "Request_BadRequest", "message": "The appId 'x' of the service principal does not reference a valid application object.", "details": [{"code": "NoBackingApplicationObject"}]}}).to_string(),
    );
    for c in [
        case("created", Kind::UPSERT_SP)
            .answers(vec![ok(201, json!({"id": SP}))])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='a2000000-0000-4000-8000-000000000002')"])
            .then(Then::Done(Outcome::Created)),
        case(
            "the new app is not replicated: poll it, then again",
            Kind::UPSERT_SP,
        )
        .answers(vec![
            no_backing.clone(),
            app_with(&[]),
            ok(201, json!({"id": SP})),
        ])
        .sends(&[
            "PATCH /v1.0/servicePrincipals",
            "GET /v1.0/applications/",
            "PATCH /v1.0/servicePrincipals",
        ])
        .then(Then::Done(Outcome::Created)),
        Case {
            existing: Existing {
                app: ObjectId::parse(APP).ok(),
                ..Existing::default()
            },
            ..case("an app that existed: no lag to wait for", Kind::UPSERT_SP)
                .answers(vec![no_backing])
                .sends(&["PATCH /v1.0/servicePrincipals"])
                .then(Then::Fail("unexpected"))
        },
        case("existed: read back", Kind::UPSERT_SP)
            .answers(vec![(204, String::new()), ok(200, json!({"id": SP}))])
            .sends(&[
                "PATCH /v1.0/servicePrincipals",
                "GET /v1.0/servicePrincipals(appId=",
            ])
            .then(Then::Done(Outcome::Existing)),
    ] {
        check(c);
    }
}

#[test]
fn the_secret() {
    let ours = "mailgrant run 12121212";
    let added = ok(
        200,
        json!({"keyId": KEY, "secretText": "s3cr~et", "endDateTime": "2027-05-30T00:00:00Z"}),
    );
    let cases = [
        case("added", Kind::ADD_PASSWORD)
            .answers(vec![added.clone()])
            .sends(&["POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
            .then(Then::Done(Outcome::Created)),
        Case {
            unknown: true,
            ..case("added after a lost answer: look once more later", Kind::ADD_PASSWORD)
                .answers(vec![added.clone()])
                .sends(&["POST /v1.0/applications/"])
                .then(Then::Later)
        },
        case("an unreadable answer: the outcome is unknown", Kind::ADD_PASSWORD)
            .answers(vec![(200, "{\"keyId\":1}".into())])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Unknown),
        case("another run's secret is kept", Kind::ADD_PASSWORD)
            .facts(|f| f.app_secrets = vec![(KeyId::parse(OLD_KEY).unwrap(), "mailgrant run 99999999".into())])
            .then(Then::Done(Outcome::Skipped)),
        case("lifetime over policy: lowered once", Kind::ADD_PASSWORD)
            .answers(vec![err(400, "x", "Credential lifetime exceeds the max value allowed as per assigned policy 1. Max: P90D")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Send),
        case("lifetime over policy again: stop", Kind::ADD_PASSWORD)
            .facts(|f| f.secret_lifetime_days = Some(90))
            .answers(vec![err(400, "x", "Credential lifetime exceeds the max value allowed as per assigned policy")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Fail("lifetime over policy")),
        case("secrets forbidden", Kind::ADD_PASSWORD)
            .answers(vec![err(400, "x", "Credential type not allowed as per assigned policy")])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Fail("secrets forbidden")),
        case("a lost secret is removed first, then one added", Kind::ADD_PASSWORD)
            .facts(|f| f.lost_keys = vec![KeyId::parse(OLD_KEY).unwrap()])
            .answers(vec![(204, String::new()), added.clone()])
            .sends(&["POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
            .then(Then::Done(Outcome::Created)),
        Case {
            reconcile: true,
            ..case("reconcile: a secret of this run nobody saw is removed", Kind::ADD_PASSWORD)
                .answers(vec![app_with(&[(OLD_KEY, ours)]), (204, String::new()), added.clone()])
                .sends(&["GET /v1.0/applications/", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/addPassword"])
                .then(Then::Done(Outcome::Created))
        },
        Case {
            reconcile: true,
            ..case("reconcile: another run's secret is not ours to remove", Kind::ADD_PASSWORD)
                .answers(vec![app_with(&[(OLD_KEY, "mailgrant run 99999999")])])
                .sends(&["GET /v1.0/applications/"])
                .then(Then::Send)
        },
    ];
    for c in cases {
        check(c);
    }
    // The secret goes into memory, its id and end into the facts.
    let (facts, secret) = check(
        case("added", Kind::ADD_PASSWORD)
            .answers(vec![added])
            .sends(&["POST /v1.0/applications/"])
            .then(Then::Done(Outcome::Created)),
    );
    assert_eq!(secret.unwrap().expose_secret(), "s3cr~et");
    assert_eq!(facts.key_id, KeyId::parse(KEY).ok());
    assert_eq!(
        facts.secret_end.map(|t| t.to_rfc3339()).as_deref(),
        Some("2027-05-30T00:00:00Z")
    );
    assert!(!format!("{facts:?}").contains("s3cr~et"));
}

#[test]
fn the_grant_and_removals() {
    let assignment = json!({"id": "grant-1_x", "appRoleId": MAIL_SEND_ROLE_ID, "resourceId": GRAPH_SP, "principalId": SP});
    let list = |items: Vec<serde_json::Value>| ok(200, json!({ "value": items }));
    for c in [
        case("granted", Kind::GRANT_MAIL_SEND)
            .answers(vec![ok(201, assignment.clone())])
            .sends(&["POST /v1.0/servicePrincipals/99999999-0000-4000-8000-000000000001/appRoleAssignedTo"])
            .then(Then::Done(Outcome::Created)),
        case("already exists: found", Kind::GRANT_MAIL_SEND)
            .answers(vec![err(400, "Request_BadRequest", "Permission being assigned already exists on the object"), list(vec![assignment.clone()])])
            .sends(&["POST /v1.0/servicePrincipals/", "GET /v1.0/servicePrincipals/b1000000-0000-4000-8000-000000000003/appRoleAssignments"])
            .then(Then::Done(Outcome::Existing)),
        Case {
            reconcile: true,
            ..case("reconcile: not there, grant", Kind::GRANT_MAIL_SEND)
                .answers(vec![list(vec![])])
                .sends(&["GET /v1.0/servicePrincipals/"])
                .then(Then::Send)
        },
        Case {
            reconcile: true,
            unknown: true,
            ..case("reconcile: there, and this run's", Kind::GRANT_MAIL_SEND)
                .answers(vec![list(vec![assignment.clone()])])
                .sends(&["GET /v1.0/servicePrincipals/"])
                .then(Then::Done(Outcome::Created))
        },
        case("the new SP is not replicated", Kind::GRANT_MAIL_SEND)
            .answers(vec![not_found()])
            .sends(&["POST /v1.0/servicePrincipals/"])
            .then(Then::Lag("service principal")),
        case(
            "remove a secret: gone after one read",
            Kind::Write(Write::Remove(Removal::Password {
                app: ObjectId::parse(APP).unwrap(),
                key_id: KeyId::parse(KEY).unwrap(),
            })),
        )
        .answers(vec![(204, String::new()), app_with(&[])])
        .sends(&["POST /v1.0/applications/a1000000-0000-4000-8000-000000000001/removePassword", "GET /v1.0/applications/"])
        .then(Then::Done(Outcome::Done)),
        case(
            "delete the app: still readable, poll",
            Kind::Write(Write::Remove(Removal::App {
                id: ObjectId::parse(APP).unwrap(),
            })),
        )
        .answers(vec![(204, String::new()), app_with(&[])])
        .sends(&["DELETE /v1.0/applications/", "GET /v1.0/applications/"])
        .then(Then::Lag("deletion")),
        case(
            "delete the SP: already gone is gone",
            Kind::Write(Write::Remove(Removal::ServicePrincipal {
                id: ObjectId::parse(SP).unwrap(),
            })),
        )
        .answers(vec![not_found(), not_found()])
        .sends(&["DELETE /v1.0/servicePrincipals/", "GET /v1.0/servicePrincipals/"])
        .then(Then::Done(Outcome::Done)),
    ] {
        check(c);
    }
}

#[test]
fn undo_removes_what_each_write_made() {
    let facts = Facts {
        key_id: KeyId::parse(KEY).ok(),
        grant_id: AssignmentId::parse("grant-1_x"),
        ..known()
    };
    let undo: Vec<_> = [
        Kind::GRANT_MAIL_SEND,
        Kind::ADD_PASSWORD,
        Kind::UPSERT_SP,
        Kind::Read(Read::GraphServicePrincipal),
        Kind::UPSERT_APP,
    ]
    .iter()
    .map(|k| k.undo(&facts).map(|u| u.label()))
    .collect();
    assert_eq!(
        undo,
        [
            Some("undo: remove Mail.Send grant"),
            Some("undo: remove client secret"),
            Some("undo: delete service principal"),
            None,
            Some("undo: delete app"),
        ]
    );
    // Nothing known, nothing to remove.
    assert_eq!(Kind::UPSERT_APP.undo(&Facts::default()), None);
}

#[test]
fn the_exchange_scope() {
    const ROLE: &str = "e5000000-0000-4000-8000-000000000001";
    const ASSIGNMENT: &str = "c5dd3ab8-374f-42e9-b163-eb7c54b53755";
    let role_page = |items: serde_json::Value| ok(200, json!({ "value": items }));
    let mail_send = json!([{"id": ROLE, "displayName": "Application Mail.Send"}]);
    let assignment = json!({"id": ASSIGNMENT, "principalId": format!("/ServicePrincipals/{SP}"),
        "roleDefinitionId": ROLE, "directoryScopeId": "/Users/11111111-2222-4333-8444-555555555555"});
    let with_role = |f: &mut Facts| f.exchange_role = Guid::parse(ROLE).ok();
    let cases = [
        case("the role by its name", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(mail_send.clone())])
            .sends(&["GET /beta/roleManagement/exchange/roleDefinitions?$filter=displayName%20eq%20%27Application%20Mail.Send%27"])
            .then(Then::Done(Outcome::Done)),
        case("the filter finds nothing: every role is read", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(json!([])), role_page(mail_send)])
            .sends(&["GET /beta/roleManagement/exchange/roleDefinitions?$filter=", "GET /beta/roleManagement/exchange/roleDefinitions"])
            .then(Then::Done(Outcome::Done)),
        case("no such role: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![role_page(json!([])), role_page(json!([]))])
            .sends(&["GET /beta/", "GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("forbidden: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("not available: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(400, "BadRequest", "Resource not found for the segment 'exchange'.")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("a new SP: assign at once", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![ok(201, assignment.clone())])
            .sends(&["POST /beta/roleManagement/exchange/roleAssignments"])
            .then(Then::Done(Outcome::Created)),
        case("the SP has not reached Exchange: lag", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![err(404, "ManagementObjectNotFoundException", "Couldn't find object \"x\".")])
            .sends(&["POST /beta/"])
            .then(Then::Lag("service principal in Exchange")),
        case("refused: nothing made, fall back", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![err(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")])
            .sends(&["POST /beta/"])
            .then(Then::Done(Outcome::Skipped)),
        case("already there (409): found", Kind::ASSIGN_EXCHANGE_ROLE)
            .facts(with_role)
            .answers(vec![(409, String::new()), ok(200, json!({"value": [assignment.clone()]}))])
            .sends(&["POST /beta/", "GET /beta/roleManagement/exchange/roleAssignments?$filter=principalId%20eq%20%27%2FServicePrincipals%2F"])
            .then(Then::Done(Outcome::Existing)),
        Case {
            existing: Existing { sp: ObjectId::parse(SP).ok(), ..Existing::default() },
            ..case("an SP that existed: look first, then assign", Kind::ASSIGN_EXCHANGE_ROLE)
                .facts(with_role)
                .answers(vec![ok(200, json!({"value": []})), ok(201, assignment.clone())])
                .sends(&["GET /beta/roleManagement/exchange/roleAssignments?", "POST /beta/"])
                .then(Then::Done(Outcome::Created))
        },
        case("no role found: nothing to assign", Kind::ASSIGN_EXCHANGE_ROLE)
            .then(Then::Done(Outcome::Skipped)),
        case("read back: the role and the scope asked for", Kind::Read(Read::ExchangeAssignment))
            .facts(|f| {
                with_role(f);
                f.exchange_assignment = Guid::parse(ASSIGNMENT).ok();
            })
            .answers(vec![not_found(), ])
            .sends(&["GET /beta/roleManagement/exchange/roleAssignments/c5dd3ab8"])
            .then(Then::Lag("Exchange role assignment")),
        case("the legacy script's code is awaited", Kind::Wait(Wait::PolicyScript))
            .then(Then::Hold),
    ];
    for c in cases {
        check(c);
    }
    // Each fallback says why.
    let (facts, _) = check(
        case("forbidden: fall back", Kind::Read(Read::ExchangeRole))
            .answers(vec![err(403, "Authorization_RequestDenied", "x")])
            .sends(&["GET /beta/"])
            .then(Then::Done(Outcome::Skipped)),
    );
    assert_eq!(facts.exchange_fallback, Some(Fallback::Forbidden));
    assert!(Fallback::Forbidden.why().contains("Exchange Administrator"));
}

#[test]
fn the_scope_group() {
    const GROUP: &str = "9a000000-0000-4000-8000-000000000001";
    let group = |mail: bool, security: bool, types: serde_json::Value| {
        ok(
            200,
            json!({"value": [{"id": GROUP, "mail": "senders@contoso.example",
            "mailEnabled": mail, "securityEnabled": security, "groupTypes": types}]}),
        )
    };
    let scope = crate::job::Scope {
        target: crate::powershell::ScopeTarget::ExistingGroup {
            address: SmtpAddress::parse("senders@contoso.example").unwrap(),
        },
        ..Default::default()
    };
    for (answer, then) in [
        (group(true, true, json!([])), Then::Done(Outcome::Done)),
        (
            group(true, false, json!([])),
            Then::Fail("not a mail-enabled security group"),
        ),
        (
            group(true, true, json!(["Unified"])),
            Then::Fail("not a mail-enabled security group"),
        ),
        (ok(200, json!({"value": []})), Then::Fail("group not found")),
    ] {
        let c = case("the group by its address", Kind::Read(Read::ScopeGroup))
            .answers(vec![answer])
            .sends(&["GET /v1.0/groups?$filter=mail%20eq%20%27senders%40contoso.example%27"])
            .then(then);
        let job = Job {
            scope: scope.clone(),
            ..job(Existing::default(), CredentialPlan::ClientSecret)
        };
        let mut facts = c.facts.clone();
        let mut secret = None;
        let mut cx = Cx {
            job: &job,
            facts: &mut facts,
            secret: &mut secret,
            unknown: false,
            now_ms: 0,
        };
        let mut live = c.kind.live();
        assert!(matches!(live.start(&mut cx), Move::Send));
        let r = live.request(&cx).unwrap();
        assert!(
            r.path
                .contains("mail%20eq%20%27senders%40contoso.example%27"),
            "{}",
            r.path
        );
        let (status, body) = &c.answers[0];
        let answer = Answer::new(*status, body, None);
        assert_eq!(Then::of(&live.answer(&answer, &mut cx)), c.then);
    }
}

fn certificate() -> CredentialPlan {
    CredentialPlan::Certificate {
        key: "MIIC0TCC".into(),
        thumbprint: "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036".into(),
        thumbprint_sha256: "x".into(),
        not_before: "2026-01-01T00:00:00Z".into(),
        not_after: "2036-01-01T00:00:00Z".into(),
    }
}

fn federated() -> CredentialPlan {
    CredentialPlan::Federated {
        issuer: "https://idp.example".into(),
        subject: "repo:contoso/mailer".into(),
        audience: "api://AzureADTokenExchange".into(),
    }
}

#[test]
fn the_credentials_without_a_secret() {
    let app = json!({"id": APP, "appId": APP_ID});
    let vendor_app = ClientId::parse("6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f").unwrap();
    let holds_it = Existing {
        app: ObjectId::parse(APP).ok(),
        // base64 of the thumbprint's bytes, as Graph sets customKeyIdentifier.
        keys: vec![crate::op::upsert_app::thumbprint_id(
            "5D7D0948B39DC4066ACC2E54E0C4FF8F1B1D3036",
        )],
        ..Existing::default()
    };
    let run = RUN.to_string();
    for c in [
        case("the certificate goes in the app's upsert", Kind::UPSERT_APP)
            .credential(certificate())
            .body(&[
                ("/keyCredentials/0/key", true),
                ("/keyCredentials/0/type", true),
                ("/keyCredentials/0/usage", true),
                ("/keyCredentials/0/customKeyIdentifier", false),
            ])
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications(uniqueName="])
            .then(Then::Done(Outcome::Created)),
        Case {
            existing: holds_it,
            ..case("an app that holds it already is not sent it again", Kind::UPSERT_APP)
                .credential(certificate())
                .body(&[("/keyCredentials", false)])
                .answers(vec![(204, String::new()), ok(200, app.clone())])
                .sends(&["PATCH /v1.0/applications(", "GET /v1.0/applications("])
                .then(Then::Done(Outcome::Existing))
        },
        case("a secret's app has no keyCredentials", Kind::UPSERT_APP)
            .body(&[("/keyCredentials", false)])
            .answers(vec![ok(201, app.clone())])
            .sends(&["PATCH /v1.0/applications("])
            .then(Then::Done(Outcome::Created)),
        case("federated: made", Kind::ADD_FEDERATED)
            .credential(federated())
            .body(&[("/issuer", true), ("/audiences/0", true), ("/description", true)])
            .answers(vec![ok(201, json!({"name": "mailgrant-v"}))])
            .sends(&["PATCH /v1.0/applications/a1000000-0000-4000-8000-000000000001/federatedIdentityCredentials(name='mailgrant-v')"])
            .then(Then::Done(Outcome::Created)),
        case("federated: there already", Kind::ADD_FEDERATED)
            .credential(federated())
            .answers(vec![(204, String::new())])
            .sends(&["PATCH /v1.0/applications/"])
            .then(Then::Done(Outcome::Existing)),
        case("federated: the app is not readable yet", Kind::ADD_FEDERATED)
            .credential(federated())
            .answers(vec![not_found()])
            .sends(&["PATCH /v1.0/applications/"])
            .then(Then::Lag("app registration")),
        Case {
            reconcile: true,
            ..case("federated: a lost answer, and it is this run's", Kind::ADD_FEDERATED)
                .credential(federated())
                .answers(vec![ok(
                    200,
                    json!({"name": "mailgrant-v", "description": format!("Made by mailgrant run {run} for V")}),
                )])
                .sends(&["GET /v1.0/applications/a1000000-0000-4000-8000-000000000001/federatedIdentityCredentials/mailgrant-v"])
                .then(Then::Done(Outcome::Created))
        },
        case("the vendor's app: its service principal only, its name kept", Kind::UPSERT_SP)
            .credential(CredentialPlan::MultiTenantApp { app_id: vendor_app })
            .facts(|f| {
                f.app = None;
                f.app_id = None;
            })
            .body(&[("/tags", true), ("/displayName", false)])
            .answers(vec![ok(201, json!({"id": SP, "appId": vendor_app.to_string()}))])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='6e3c1f0a-8a3b-4c1e-9d2f-5b7a9c0d1e2f')"])
            .then(Then::Done(Outcome::Created)),
        case("the vendor's app is unknown here", Kind::UPSERT_SP)
            .credential(CredentialPlan::MultiTenantApp { app_id: vendor_app })
            .answers(vec![err(
                400,
                "Request_BadRequest",
                "The appId of the service principal does not reference a valid application object.",
            )])
            .sends(&["PATCH /v1.0/servicePrincipals(appId='6e3c1f0a"])
            .then(Then::Fail("vendor app")),
    ] {
        check(c);
    }
}

#[test]
fn the_mailbox_check_keeps_what_it_learned() {
    let found = ok(
        200,
        json!({"value": [{"id": "11111111-2222-4333-8444-555555555555", "userType": "Member",
            "displayName": "Invoices", "proxyAddresses": ["smtp:billing@contoso.example", "SMTP:invoices@contoso.example"]}]}),
    );
    let (facts, _) = check(
        case("kind shared", Kind::Read(Read::Mailbox))
            .answers(vec![found.clone(), ok(200, json!({"value": "shared"}))])
            .sends(&["GET /v1.0/users?", "GET /v1.0/users/"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(facts.found.mailbox_kind, MailboxKind::Shared);
    let user = facts.found.mailbox.unwrap();
    assert_eq!(user.primary_address(), Some("invoices@contoso.example"));
    // Refused: the kind stays unknown, the user is kept.
    let (facts, _) = check(
        case("kind refused", Kind::Read(Read::Mailbox))
            .answers(vec![
                found,
                err(403, "ErrorAccessDenied", "Access is denied."),
            ])
            .sends(&["GET /v1.0/users?", "GET /v1.0/users/"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(facts.found.mailbox_kind, MailboxKind::Unknown);
    assert!(facts.found.mailbox.is_some());
}

#[test]
fn the_group_list_names_mail_enabled_security_groups_only() {
    let list = ok(
        200,
        json!({"value": [
            {"id": "d1000000-0000-4000-8000-000000000001", "displayName": "Senders", "mail": "senders@contoso.example",
             "mailEnabled": true, "securityEnabled": true, "groupTypes": []},
            {"id": "d1000000-0000-4000-8000-000000000002", "displayName": "Team", "mail": "team@contoso.example",
             "mailEnabled": true, "securityEnabled": true, "groupTypes": ["Unified"]}]}),
    );
    let (facts, _) = check(
        case("groups", Kind::Read(Read::MailGroups))
            .answers(vec![list])
            .sends(&["GET /v1.0/groups?$filter=mailEnabled%20eq%20true%20and%20securityEnabled%20eq%20true"])
            .then(Then::Done(Outcome::Done)),
    );
    assert_eq!(
        facts.found.mail_groups,
        [("Senders".to_owned(), "senders@contoso.example".to_owned())]
    );
    // An unreadable list is no reason to stop.
    check(
        case("groups unreadable", Kind::Read(Read::MailGroups))
            .answers(vec![(200, "{".into())])
            .sends(&["GET /v1.0/groups?"])
            .then(Then::Done(Outcome::Done)),
    );
}
