//! The read-only operations: one GET each, whose answer lands in [`super::Found`] (the
//! preflight) or [`super::Facts`] (Microsoft Graph's service principal). Sources: graph-facts
//! A.2, A.3, A.5, A.6, A.8.

// An error is rare and goes straight into the operation's `Next::Fail`: no need to box it.
#![allow(clippy::result_large_err)]

use super::{Answer, Cx, Erased, Handler, Next, OpError, Operation, Outcome, Read};
use crate::graph::apps::{self, Application, GraphSpAnswer, ServicePrincipal};
use crate::graph::groups::{self, Group, GroupKind, Member};
use crate::graph::Request;
use crate::ids::{ClientId, Guid, ObjectId, SmtpAddress};
use crate::job;
use crate::json_object::FromJson;
use crate::powershell::ScopeTarget;

/// A read has one step: its GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Get;

pub(super) fn live(read: Read) -> Box<dyn Erased> {
    match read {
        Read::Mailbox => Box::new(Handler::new(super::mailbox::Mailbox)),
        Read::AppsByDisplayName => Box::new(Handler::new(AppsByDisplayName)),
        Read::AppByUniqueName => Box::new(Handler::new(AppByUniqueName)),
        Read::AppServicePrincipal => Box::new(Handler::new(AppServicePrincipal)),
        Read::Grants => Box::new(Handler::new(Grants)),
        Read::GraphServicePrincipal => Box::new(Handler::new(GraphServicePrincipal)),
        Read::ExchangeRole => Box::new(Handler::new(super::exchange::FindRole)),
        Read::ExchangeAssignment => Box::new(Handler::new(super::exchange::Verify)),
        Read::ScopeGroup => Box::new(Handler::new(ScopeGroup)),
        Read::MailGroups => Box::new(Handler::new(MailGroups)),
        Read::DirectMembers => Box::new(Handler::new(DirectMembers)),
        Read::MemberGroups => Box::new(Handler::new(MemberGroups)),
    }
}

const NIL: Guid = Guid::from_bytes([0; 16]);

/// Reads the body into `T`, or fails with what Graph said (`None`: not found).
fn read<T: FromJson>(answer: &Answer) -> Result<Option<T>, OpError> {
    match answer.parse::<T>() {
        Ok(t) => Ok(Some(t)),
        Err(_) if answer.lag() => Ok(None),
        Err(e) => Err(OpError::Unexpected(e)),
    }
}

fn list<T: FromJson>(answer: &Answer) -> Result<Vec<T>, OpError> {
    answer.parse_list::<T>().map_err(OpError::Unexpected)
}

/// A read: a GET whose answer is recorded; skipped when what it would read is known absent.
trait Lookup {
    fn skip(&self, _cx: &Cx) -> bool {
        false
    }
    fn get(&self, cx: &Cx) -> Request;
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError>;
}

impl<L: Lookup> Operation for L {
    type Step = Get;
    const FIRST: Get = Get;
    const RECONCILE: Get = Get;
    fn start(&self, cx: &mut Cx) -> Next<Get> {
        if self.skip(cx) {
            Next::Done(Outcome::Skipped)
        } else {
            Next::Send(Get)
        }
    }
    fn writes(&self, _: Get) -> bool {
        false
    }
    fn request(&self, _: Get, cx: &Cx) -> Request {
        self.get(cx)
    }
    fn answer(&self, _: Get, answer: &Answer, cx: &mut Cx) -> Next<Get> {
        match self.record(answer, cx) {
            Ok(()) => Next::Done(Outcome::Done),
            Err(e) => Next::Fail(e),
        }
    }
}

pub struct AppsByDisplayName;
pub struct AppByUniqueName;
pub struct AppServicePrincipal;
pub struct Grants;
pub struct GraphServicePrincipal;
pub struct ScopeGroup;
pub struct MailGroups;
pub struct DirectMembers;
pub struct MemberGroups;

impl Lookup for AppsByDisplayName {
    fn get(&self, cx: &Cx) -> Request {
        apps::find_apps_by_display_name(cx.job.inputs.app_display_name.trim())
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        cx.facts.found.same_name = list(answer)?;
        Ok(())
    }
}

impl Lookup for AppByUniqueName {
    fn get(&self, cx: &Cx) -> Request {
        // Runs after the mailbox look-up (its dependency), which found the id.
        let mailbox = cx.facts.found.mailbox.as_ref().map(|m| m.id);
        apps::get_app_by_unique_name(&job::unique_name(
            &cx.job.inputs.vendor,
            mailbox.unwrap_or(ObjectId::from_guid(NIL)),
        ))
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        cx.facts.found.app = read::<Application>(answer)?;
        Ok(())
    }
}

impl Lookup for AppServicePrincipal {
    fn skip(&self, cx: &Cx) -> bool {
        cx.facts.found.app.is_none() && cx.job.inputs.credential.vendor_app().is_none()
    }
    fn get(&self, cx: &Cx) -> Request {
        // The vendor's own app's service principal, or the one of the app mailgrant made.
        let app_id = cx
            .job
            .inputs
            .credential
            .vendor_app()
            .or_else(|| cx.facts.found.app.as_ref().map(|a| a.app_id));
        apps::get_sp_by_app_id(app_id.unwrap_or(ClientId::from_guid(NIL)))
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        cx.facts.found.sp = read::<ServicePrincipal>(answer)?;
        Ok(())
    }
}

impl Lookup for Grants {
    fn skip(&self, cx: &Cx) -> bool {
        cx.facts.found.sp.is_none()
    }
    fn get(&self, cx: &Cx) -> Request {
        let sp = cx.facts.found.sp.as_ref().map(|s| s.id);
        apps::list_assignments(sp.unwrap_or(ObjectId::from_guid(NIL)))
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        cx.facts.found.grants = list(answer)?;
        Ok(())
    }
}

impl Lookup for GraphServicePrincipal {
    fn get(&self, _: &Cx) -> Request {
        apps::get_graph_sp()
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        let graph = answer
            .parse::<GraphSpAnswer>()
            .map_err(OpError::Unexpected)?
            .checked()?;
        cx.facts.graph_sp = Some(graph.id);
        cx.facts.mail_send_role = Some(graph.mail_send_role);
        Ok(())
    }
}

/// The scope group's address.
fn group_address<'a>(cx: &'a Cx) -> Option<&'a SmtpAddress> {
    match &cx.job.scope.target {
        ScopeTarget::ExistingGroup { address } | ScopeTarget::NewGroup { address, .. } => {
            Some(address)
        }
        ScopeTarget::OneMailbox => None,
    }
}

fn group_id(cx: &Cx) -> ObjectId {
    cx.facts
        .found
        .group
        .as_ref()
        .map(|g| g.id)
        .unwrap_or(ObjectId::from_guid(NIL))
}

fn mailbox_id(cx: &Cx) -> ObjectId {
    cx.job.mailbox_id.unwrap_or(ObjectId::from_guid(NIL))
}

impl Lookup for ScopeGroup {
    fn skip(&self, cx: &Cx) -> bool {
        group_address(cx).is_none()
    }
    fn get(&self, cx: &Cx) -> Request {
        match group_address(cx) {
            Some(a) => groups::find_by_address(a),
            None => groups::find_by_address(&cx.job.inputs.mailbox),
        }
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        let address = group_address(cx).map(|a| a.to_string()).unwrap_or_default();
        let group =
            list::<Group>(answer)?
                .into_iter()
                .next()
                .ok_or_else(|| OpError::GroupNotFound {
                    address: address.clone(),
                })?;
        match group.kind() {
            GroupKind::MailEnabledSecurity => {
                cx.facts.found.group = Some(group);
                Ok(())
            }
            kind => Err(OpError::NotMailEnabledSecurity {
                address,
                kind: kind.title(),
            }),
        }
    }
}

impl Lookup for MailGroups {
    fn get(&self, _: &Cx) -> Request {
        groups::mail_enabled_security_groups()
    }
    /// A list it cannot read is no reason to stop: the group is checked by its own look-up.
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        cx.facts.found.mail_groups = answer
            .parse_list::<Group>()
            .unwrap_or_default()
            .into_iter()
            .filter(|g| g.kind() == GroupKind::MailEnabledSecurity)
            .filter_map(|g| Some((g.display_name.unwrap_or_default(), g.mail?)))
            .collect();
        Ok(())
    }
}

impl Lookup for DirectMembers {
    fn skip(&self, cx: &Cx) -> bool {
        cx.facts.found.group.is_none()
    }
    fn get(&self, cx: &Cx) -> Request {
        groups::direct_members(group_id(cx))
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        // One page holds up to 999 members ($top); a longer list's later pages are not read,
        // so an absence there is reported as "not direct" (the script checks it again).
        let members = list::<Member>(answer)?;
        let me = mailbox_id(cx);
        cx.facts.found.direct_member = Some(members.iter().any(|m| m.id == me));
        Ok(())
    }
}

impl Lookup for MemberGroups {
    fn skip(&self, cx: &Cx) -> bool {
        cx.facts.found.group.is_none()
    }
    fn get(&self, cx: &Cx) -> Request {
        groups::check_member_groups(mailbox_id(cx), group_id(cx))
    }
    fn record(&self, answer: &Answer, cx: &mut Cx) -> Result<(), OpError> {
        let ids = answer.parse_list::<String>().map_err(OpError::Unexpected)?;
        let group = group_id(cx).to_string();
        cx.facts.found.member = Some(ids.iter().any(|i| i.eq_ignore_ascii_case(&group)));
        Ok(())
    }
}
