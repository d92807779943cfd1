//! The mailbox, checked before anything is written (graph-facts A.8, A.10): found by its
//! sign-in name, primary address or an alias; a guest, a user without any SMTP address, an
//! address on a domain the tenant does not own, and a user Exchange has no mailbox for are each
//! refused with what is wrong.
//!
//! Steps: [`Step::Find`] (`GET /users?$filter=…`); when nothing matches, [`Step::Domains`] (the
//! tenant's verified domains, to say whether the domain is the tenant's at all); when one user
//! matches, [`Step::Purpose`] (`mailboxSettings/userPurpose`), whose answer tells a mailbox from
//! none:
//! - 200: the signed-in admin's own mailbox (or one they may open): user, shared, room …;
//! - 403: a mailbox the admin may not open, or no consent to `MailboxSettings.Read` — it cannot
//!   tell more, and the page goes on (Exchange's own checks still apply in the script);
//! - 404 `MailboxNotEnabledForRESTAPI`: Exchange Online has no mailbox for this user (a mail
//!   user, an unlicensed user, a mailbox on-premises).
//!
//! Microsoft's docs give neither error of `mailboxSettings` for another user; the 403/404 split
//! is what Exchange is reported to answer (graph-facts A.8, UNVERIFIED). The check fails open on
//! anything else: it is advice before a write, and the page never writes to the mailbox.

use super::{Answer, Cx, Next, OpError, Operation, Outcome};
use crate::graph::apps::{self, MailboxUser};
use crate::graph::Request;
use crate::ids::{Guid, ObjectId, SmtpAddress};
use crate::op::facts::MailboxKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Find,
    Domains,
    Purpose,
}

/// Why the address is not a mailbox the app can send as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMailbox {
    /// No `mail` and no SMTP proxy address: Exchange knows no address for the user.
    NoAddress,
    /// Exchange knows the address but Exchange Online holds no mailbox for it (a mail user, a
    /// user without an Exchange licence, a mailbox still on-premises).
    NotInExchangeOnline,
}

pub struct Mailbox;

const NIL: Guid = Guid::from_bytes([0; 16]);

fn typed<'a>(cx: &'a Cx) -> &'a SmtpAddress {
    &cx.job.inputs.mailbox
}

fn found_id(cx: &Cx) -> ObjectId {
    cx.facts
        .found
        .mailbox
        .as_ref()
        .map(|m| m.id)
        .unwrap_or(ObjectId::from_guid(NIL))
}

impl Operation for Mailbox {
    type Step = Step;
    const FIRST: Step = Step::Find;
    const RECONCILE: Step = Step::Find;

    fn writes(&self, _: Step) -> bool {
        false
    }

    /// Only the mailbox kind's refusal is read here; a refusal to list users stops the run.
    fn optional(&self, step: Step) -> bool {
        step == Step::Purpose
    }

    fn request(&self, step: Step, cx: &Cx) -> Request {
        match step {
            Step::Find => apps::find_user(typed(cx)),
            Step::Domains => apps::get_verified_domains(),
            Step::Purpose => apps::get_mailbox_purpose(found_id(cx)),
        }
    }

    fn answer(&self, step: Step, answer: &Answer, cx: &mut Cx) -> Next<Step> {
        match step {
            Step::Find => match answer.parse_list::<MailboxUser>() {
                Err(e) => Next::Fail(OpError::Unexpected(e)),
                Ok(users) => found(users, cx),
            },
            Step::Domains => {
                let address = typed(cx).to_string();
                let domain = address.rsplit('@').next().unwrap_or_default().to_owned();
                let domains = answer
                    .parse::<serde_json::Value>()
                    .map(|v| apps::verified_domains(&v))
                    .unwrap_or_default();
                if !domains.is_empty() && !domains.iter().any(|d| d.eq_ignore_ascii_case(&domain)) {
                    Next::Fail(OpError::ForeignDomain { domain, domains })
                } else {
                    Next::Fail(OpError::MailboxNotFound { address })
                }
            }
            Step::Purpose => {
                if let Some(kind) = answer
                    .parse::<serde_json::Value>()
                    .ok()
                    .as_ref()
                    .and_then(apps::user_purpose)
                    .map(MailboxKind::from_purpose)
                {
                    cx.facts.found.mailbox_kind = kind;
                    return Next::Done(Outcome::Done);
                }
                match (answer.status(), answer.error().code.as_str()) {
                    (404, "MailboxNotEnabledForRESTAPI" | "MailboxNotSupportedForRESTAPI") => {
                        no_mailbox(cx, NoMailbox::NotInExchangeOnline)
                    }
                    // 403 and anything else: the kind stays unknown.
                    _ => Next::Done(Outcome::Done),
                }
            }
        }
    }
}

/// What one look-up found: exactly one user, who must be a member with an SMTP address.
fn found(mut users: Vec<MailboxUser>, cx: &mut Cx) -> Next<Step> {
    let address = typed(cx).to_string();
    if users.len() > 1 {
        // Exchange keeps SMTP addresses unique; a sign-in name can still equal another user's
        // address. Name them instead of guessing.
        return Next::Fail(OpError::AmbiguousMailbox {
            address,
            names: users
                .iter()
                .map(|u| {
                    u.user_principal_name
                        .clone()
                        .unwrap_or_else(|| u.id.to_string())
                })
                .collect(),
        });
    }
    let Some(user) = users.pop() else {
        return Next::Send(Step::Domains);
    };
    if let Some(t) = user
        .user_type
        .as_ref()
        .filter(|t| !t.eq_ignore_ascii_case("Member"))
    {
        return Next::Fail(OpError::MailboxIsGuest {
            address,
            user_type: t.clone(),
        });
    }
    let has_address = user.has_smtp_address();
    cx.facts.found.mailbox = Some(user);
    if !has_address {
        return no_mailbox(cx, NoMailbox::NoAddress);
    }
    Next::Send(Step::Purpose)
}

fn no_mailbox(cx: &mut Cx, why: NoMailbox) -> Next<Step> {
    let user = cx.facts.found.mailbox.take();
    Next::Fail(OpError::NoMailbox {
        address: typed(cx).to_string(),
        name: user
            .as_ref()
            .and_then(|u| u.display_name.clone())
            .unwrap_or_default(),
        disabled: user.as_ref().and_then(|u| u.account_enabled) == Some(false),
        why,
    })
}
