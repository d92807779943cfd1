//! The journal's own format: every field written is read back, and what is wrong is named.

use super::*;
use crate::graph::apps::Assignment;
use crate::ids::{AssignmentId, ClientId, KeyId, ObjectId, SmtpAddress, TenantId};
use crate::job::{CredentialPlan, Existing, Inputs, Options};
use crate::op::Fallback;
use crate::powershell::{DisplayText, ScopeTarget};
use crate::time::UtcDateTime;

fn id(n: u8) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

/// A plan with every optional part present: a certificate, an existing app with an unscoped
/// grant, a new scope group, a mailbox that must stay out of reach.
fn plan() -> Plan {
    let inputs = Inputs {
        tenant: TenantId::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap(),
        mailbox: SmtpAddress::parse("invoices@contoso.example").unwrap(),
        mode: ScopeMode::RbacForApplications,
        vendor: "Contoso \"Mailer\"".into(),
        app_display_name: "Contoso mail sender".into(),
        secret_lifetime_days: 90,
        credential: CredentialPlan::Certificate {
            key: "MIIB".into(),
            thumbprint: "AB12".into(),
            thumbprint_sha256: "x_y-z".into(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
        },
    };
    let existing = Existing {
        app: Some(ObjectId::parse(&id(1)).unwrap()),
        app_id: Some(ClientId::parse(&id(2)).unwrap()),
        sp: Some(ObjectId::parse(&id(3)).unwrap()),
        secrets: vec![KeyId::parse(&id(4)).unwrap()],
        mail_send_grant: Some(Assignment {
            id: AssignmentId::parse("grant-id_1").unwrap(),
            app_role_id: id(5),
            resource_id: ObjectId::parse(&id(6)).unwrap(),
            principal_id: Some(ObjectId::parse(&id(3)).unwrap()),
        }),
        keys: vec!["q83v".into()],
    };
    let scope = Scope {
        target: ScopeTarget::NewGroup {
            name: DisplayText::parse("Contoso senders").unwrap(),
            address: SmtpAddress::parse("senders@contoso.example").unwrap(),
        },
        denied: Some(SmtpAddress::parse("ceo@contoso.example").unwrap()),
        group_id: Some(ObjectId::parse(&id(7)).unwrap()),
    };
    let options = Options {
        new_secret: true,
        remove_unscoped_grant: true,
    };
    let mailbox = ObjectId::parse(&id(8)).unwrap();
    plan::rebuild(inputs, mailbox, existing, options, scope, "0.1.0").unwrap()
}

fn facts() -> Facts {
    let guid = |n| Guid::parse(&id(n)).unwrap();
    Facts {
        app: Some(ObjectId::parse(&id(1)).unwrap()),
        app_id: Some(ClientId::parse(&id(2)).unwrap()),
        app_secrets: vec![(KeyId::parse(&id(4)).unwrap(), "mailgrant run 1".into())],
        graph_sp: Some(ObjectId::parse(&id(9)).unwrap()),
        mail_send_role: Some(guid(10)),
        sp: Some(ObjectId::parse(&id(3)).unwrap()),
        key_id: Some(KeyId::parse(&id(11)).unwrap()),
        secret_end: Some(UtcDateTime::parse_rfc3339("2027-05-31T14:00:00Z").unwrap()),
        secret_lifetime_days: Some(60),
        secret_handed_off: true,
        grant_id: Some(AssignmentId::parse("grant-id_2").unwrap()),
        lost_keys: vec![KeyId::parse(&id(12)).unwrap()],
        removed_keys: vec![KeyId::parse(&id(13)).unwrap()],
        notes: vec!["lifetime lowered".into()],
        exchange_role: Some(guid(14)),
        exchange_assignment: Some(guid(15)),
        exchange_fallback: Some(Fallback::Unavailable { status: 501 }),
        federated: Some("mailgrant".into()),
        found: Default::default(),
    }
}

fn journal() -> String {
    let p = plan();
    let n = p.ops.len();
    let mut status = vec![OpStatus::Pending; n];
    status[0] = OpStatus::Done(Outcome::Created);
    status[1] = OpStatus::Intent;
    text(&p, Guid::parse(&id(16)).unwrap(), &status, &facts(), None)
}

#[test]
fn every_field_is_read_back() {
    let t = journal();
    let j = Journal::parse(&t).unwrap();
    assert_eq!(j.run_id, Guid::parse(&id(16)).unwrap());
    assert_eq!(j.plan.inputs, plan().inputs);
    assert_eq!(j.plan.existing, plan().existing);
    assert_eq!(j.plan.options, plan().options);
    assert_eq!(j.plan.scope, plan().scope);
    assert_eq!(j.plan.mailbox_id, plan().mailbox_id);
    assert_eq!(
        j.status[..2],
        [OpStatus::Done(Outcome::Created), OpStatus::Intent]
    );
    let mut f = facts();
    f.found = j.facts.found.clone();
    assert_eq!(j.facts, f);
    // Written again, the same text: nothing was lost or changed on the way.
    assert_eq!(text(&j.plan, j.run_id, &j.status, &j.facts, j.undo_from), t);
    assert_eq!(mode(&t), Some(ScopeMode::RbacForApplications));
}

#[test]
fn what_is_wrong_is_named() {
    let t = journal();
    let v: Value = serde_json::from_str(&t).unwrap();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = v.clone();
        f(&mut v);
        v.to_string()
    };
    for (changed, expected) in [
        (
            edit(&|v| v["facts"]["keyId"] = "x".into()),
            "facts.keyId: not a GUID",
        ),
        (
            edit(&|v| v["facts"]["extra"] = 1.into()),
            "facts.extra: not a field of the journal",
        ),
        (
            edit(&|v| v["extra"] = 1.into()),
            "extra: not a field of the journal",
        ),
        (
            edit(&|v| v["inputs"]["mailbox"] = "nobody".into()),
            "inputs.mailbox: not an e-mail address",
        ),
        (
            edit(&|v| v["existing"]["mailSendGrant"]["resourceId"] = 5.into()),
            "existing.mailSendGrant.resourceId: not a string",
        ),
        (
            edit(&|v| v["status"][0]["state"] = "half".into()),
            "status: an item of the wrong form",
        ),
        (edit(&|v| v["scope"]["kind"] = "all".into()), "scope “all”"),
        (
            edit(&|v| v["undoFrom"] = 1.into()),
            "undoFrom does not follow the plan",
        ),
        (
            edit(&|v| {
                v["status"]
                    .as_array_mut()
                    .unwrap()
                    .pop()
                    .map(drop)
                    .unwrap_or(())
            }),
            "the plan and the statuses differ in number",
        ),
        (
            edit(&|v| v["runId"] = serde_json::Value::Null),
            "runId: missing",
        ),
        (
            edit(&|v| v["facts"]["appSecrets"][0] = serde_json::json!(["x"])),
            "facts.appSecrets: an item of the wrong form",
        ),
    ] {
        assert_eq!(
            Journal::parse(&changed).unwrap_err(),
            JournalError::Unreadable(expected.into()),
            "{changed}"
        );
    }
    for (old, version) in [
        (r#"{"run":"{\"version\":1}","scope":{"kind":"one"}}"#, 1),
        (r#"{"version":1,"runId":"x"}"#, 1),
        (r#"{"version":3}"#, 3),
    ] {
        assert_eq!(
            Journal::parse(old).unwrap_err(),
            JournalError::Version(version),
            "{old}"
        );
    }
    assert_eq!(
        Journal::parse("{}").unwrap_err(),
        JournalError::Unreadable("no version".into())
    );
    assert!(matches!(
        Journal::parse("[1"),
        Err(JournalError::Unreadable(_))
    ));
}

/// Text fields the plan shows are taken by character: a two-byte character where a byte index
/// would cut it (a certificate's `notAfter`, shown as its first ten characters) is no panic.
#[test]
fn odd_text_is_no_panic() {
    let mut v: Value = serde_json::from_str(&journal()).unwrap();
    v["inputs"]["credential"]["certificate"]["notAfter"] = "2027-01-0é:00Z".into();
    let j = Journal::parse(&v.to_string()).unwrap();
    assert!(
        j.plan
            .notices
            .iter()
            .any(|n| n.contains("valid until 2027-01-0é")),
        "{:?}",
        j.plan.notices
    );
}
