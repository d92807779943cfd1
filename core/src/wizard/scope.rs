//! The Scope step's answer: the page sends what was typed, as text; this module parses and
//! checks it against the mailbox before Review, and says which field is wrong.

use serde_json::Value;

use crate::config::ScopeMode;
use crate::ids::SmtpAddress;
use crate::job::{Options, Scope};
use crate::json_object::{object, FromJson, Obj};
use crate::powershell::{self, DisplayText, ScopeTarget, ScriptError};

/// Which scope the admin picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    OneMailbox,
    ExistingGroup,
    NewGroup,
}

impl ScopeKind {
    const ALL: [ScopeKind; 3] = [
        ScopeKind::OneMailbox,
        ScopeKind::ExistingGroup,
        ScopeKind::NewGroup,
    ];

    /// Its name in the pending entry.
    fn name(self) -> &'static str {
        match self {
            ScopeKind::OneMailbox => "oneMailbox",
            ScopeKind::ExistingGroup => "existingGroup",
            ScopeKind::NewGroup => "newGroup",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// What the Scope step's form holds, as typed (kept across a sign-in that grants the group
/// permission, in the pending entry: no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeAnswer {
    pub kind: ScopeKind,
    pub group_name: String,
    pub group_address: String,
    /// A mailbox that must stay out of reach (the Exchange script tests it); empty for none.
    pub denied: String,
    /// Add a new secret to an app that has one already.
    pub new_secret: bool,
    /// Remove an unscoped `Mail.Send` grant found on the app (RBAC mode).
    pub remove_unscoped_grant: bool,
}

impl FromJson for ScopeAnswer {
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = Obj::of(v, "", "the Scope answer")?;
        Ok(ScopeAnswer {
            kind: o.req("kind", "a scope kind", ScopeKind::from_name)?,
            group_name: o.opt_text("groupName")?.unwrap_or_default(),
            group_address: o.opt_text("groupAddress")?.unwrap_or_default(),
            denied: o.opt_text("denied")?.unwrap_or_default(),
            new_secret: o.flag("newSecret")?,
            remove_unscoped_grant: o.flag("removeUnscopedGrant")?,
        })
    }
}

impl ScopeAnswer {
    /// As kept in the pending entry (read back by [`FromJson`]).
    pub fn to_json(&self) -> Value {
        object([
            ("kind", self.kind.name().into()),
            ("groupName", self.group_name.as_str().into()),
            ("groupAddress", self.group_address.as_str().into()),
            ("denied", self.denied.as_str().into()),
            ("newSecret", self.new_secret.into()),
            ("removeUnscopedGrant", self.remove_unscoped_grant.into()),
        ])
    }

    /// Only this mailbox, nothing else asked.
    pub fn one_mailbox() -> Self {
        ScopeAnswer {
            kind: ScopeKind::OneMailbox,
            group_name: String::new(),
            group_address: String::new(),
            denied: String::new(),
            new_secret: false,
            remove_unscoped_grant: false,
        }
    }
}

/// A field of the Scope step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeField {
    GroupName,
    GroupAddress,
    Denied,
}

impl ScopeField {
    pub fn label(self) -> &'static str {
        match self {
            ScopeField::GroupName => "Group name",
            ScopeField::GroupAddress => "Group address",
            ScopeField::Denied => "Mailbox to test as denied",
        }
    }

    /// The input's DOM id.
    pub fn id(self) -> &'static str {
        match self {
            ScopeField::GroupName => "group-name",
            ScopeField::GroupAddress => "group-address",
            ScopeField::Denied => "denied",
        }
    }
}

/// What is wrong with the answer, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeProblem {
    pub field: ScopeField,
    pub message: String,
}

impl ScopeProblem {
    fn new(field: ScopeField, e: impl std::fmt::Display) -> Self {
        ScopeProblem {
            field,
            message: format!("{}: {e}", field.label()),
        }
    }
}

/// The scope and options, checked against `mailbox`.
pub fn parse(
    answer: &ScopeAnswer,
    mailbox: &SmtpAddress,
) -> Result<(Scope, Options), ScopeProblem> {
    let address =
        |text: &str, field| SmtpAddress::parse(text).map_err(|e| ScopeProblem::new(field, e));
    let target = match answer.kind {
        ScopeKind::OneMailbox => ScopeTarget::OneMailbox,
        ScopeKind::ExistingGroup => ScopeTarget::ExistingGroup {
            address: address(&answer.group_address, ScopeField::GroupAddress)?,
        },
        ScopeKind::NewGroup => ScopeTarget::NewGroup {
            name: DisplayText::parse(&answer.group_name)
                .map_err(|e| ScopeProblem::new(ScopeField::GroupName, e))?,
            address: address(&answer.group_address, ScopeField::GroupAddress)?,
        },
    };
    let denied = match answer.denied.trim() {
        "" => None,
        d => Some(address(d, ScopeField::Denied)?),
    };
    powershell::check_scope(mailbox, &target, denied.as_ref()).map_err(|e| {
        let field = match e {
            ScriptError::DeniedMailboxIsGranted(_) => ScopeField::Denied,
            ScriptError::GroupAddressIsMailbox(_) => ScopeField::GroupAddress,
            ScriptError::GroupNameTooLong { .. } => ScopeField::GroupName,
        };
        ScopeProblem::new(field, e)
    })?;
    Ok((
        Scope {
            target,
            denied,
            group_id: None,
        },
        Options {
            new_secret: answer.new_secret,
            remove_unscoped_grant: answer.remove_unscoped_grant,
        },
    ))
}

/// What Review must say about the mailbox's membership in the scope group: Exchange's RBAC
/// group scopes count direct members only; Application Access Policies count nested groups too.
pub(super) fn membership_notices(
    mode: ScopeMode,
    scope: &Scope,
    direct: Option<bool>,
    member: Option<bool>,
    mailbox: Option<&str>,
) -> Vec<String> {
    let ScopeTarget::ExistingGroup { address } = &scope.target else {
        return vec![];
    };
    let mailbox = mailbox.unwrap_or("The mailbox");
    match (mode, direct, member) {
        (_, Some(true), _) => vec![],
        (_, _, Some(false)) => vec![format!(
            "{mailbox} is not a member of {address}: scoped to this group, the app could not send as it. Add the mailbox to the group, or choose “Only this mailbox”."
        )],
        (ScopeMode::RbacForApplications, _, _) => vec![format!(
            "{mailbox} is a member of {address} only through a nested group. Exchange's group scope counts direct members only, so the app could NOT send as it. Add the mailbox to {address} directly, or choose “Only this mailbox”."
        )],
        (ScopeMode::ApplicationAccessPolicy, _, _) => vec![format!(
            "{mailbox} is a member of {address} through a nested group; Application Access Policies count nested groups, so the app can send as it (and as every member of the nested groups)."
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        kind: ScopeKind,
        name: &str,
        address: &str,
        denied: &str,
        expect: Result<ScopeTarget, ScopeField>,
    ) {
        let mailbox = SmtpAddress::parse("invoices@contoso.example").unwrap();
        let answer = ScopeAnswer {
            kind,
            group_name: name.into(),
            group_address: address.into(),
            denied: denied.into(),
            ..ScopeAnswer::one_mailbox()
        };
        let got = parse(&answer, &mailbox);
        match (got, expect) {
            (Ok((scope, _)), Ok(target)) => assert_eq!(scope.target, target, "{answer:?}"),
            (Err(p), Err(field)) => {
                assert_eq!(p.field, field, "{answer:?}: {}", p.message);
                assert!(p.message.starts_with(field.label()), "{}", p.message);
            }
            (got, expect) => panic!("{answer:?}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn answers_are_parsed_and_checked_against_the_mailbox() {
        use ScopeKind::*;
        let group = || SmtpAddress::parse("senders@contoso.example").unwrap();
        check(OneMailbox, "", "", "", Ok(ScopeTarget::OneMailbox));
        check(OneMailbox, "", "ignored", "", Ok(ScopeTarget::OneMailbox));
        check(
            ExistingGroup,
            "",
            "senders@contoso.example",
            "ceo@contoso.example",
            Ok(ScopeTarget::ExistingGroup { address: group() }),
        );
        check(
            NewGroup,
            "Mail senders",
            "senders@contoso.example",
            " ",
            Ok(ScopeTarget::NewGroup {
                name: DisplayText::parse("Mail senders").unwrap(),
                address: group(),
            }),
        );
        check(
            ExistingGroup,
            "",
            "not an address",
            "",
            Err(ScopeField::GroupAddress),
        );
        check(
            ExistingGroup,
            "",
            "INVOICES@contoso.example",
            "",
            Err(ScopeField::GroupAddress),
        );
        check(
            NewGroup,
            "",
            "senders@contoso.example",
            "",
            Err(ScopeField::GroupName),
        );
        check(
            NewGroup,
            &"x".repeat(65),
            "senders@contoso.example",
            "",
            Err(ScopeField::GroupName),
        );
        check(OneMailbox, "", "", "nope", Err(ScopeField::Denied));
        check(
            OneMailbox,
            "",
            "",
            "invoices@contoso.example",
            Err(ScopeField::Denied),
        );
    }

    #[test]
    fn an_answer_is_kept_and_read_back_as_it_was() {
        for kind in ScopeKind::ALL {
            let answer = ScopeAnswer {
                kind,
                group_name: "Invoice senders".into(),
                group_address: "senders@contoso.example".into(),
                denied: "ceo@contoso.example".into(),
                new_secret: true,
                remove_unscoped_grant: kind == ScopeKind::OneMailbox,
            };
            assert_eq!(ScopeAnswer::from_json(&answer.to_json()), Ok(answer));
        }
        let refused = [
            (
                serde_json::json!({"kind": "everyMailbox"}),
                "kind: not a scope kind",
            ),
            (serde_json::json!({"groupName": "x"}), "kind: missing"),
            (
                serde_json::json!({"kind": "newGroup", "newSecret": "yes"}),
                "newSecret: not true or false",
            ),
        ];
        for (v, why) in refused {
            assert_eq!(ScopeAnswer::from_json(&v), Err(why.to_owned()), "{v}");
        }
    }
}
