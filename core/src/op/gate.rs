//! A step the admin takes outside the page, which the run waits for: in the legacy mode, the
//! Exchange Online script that makes the Application Access Policy. The run goes on (and grants
//! Microsoft Graph's `Mail.Send`) only when the admin types the code the script printed after
//! PASS (`powershell::confirmation_code`): the grant never comes before the policy.

use super::{Cx, Erased, Move, Outcome};
use crate::graph::Request;
use crate::ids::{ClientId, Guid};
use crate::powershell;

/// Waits for the confirmation code of the policy script.
pub(super) struct PolicyScript;

impl PolicyScript {
    /// The code the script prints for this app and scope.
    pub(super) fn expected(cx: &Cx) -> String {
        let app = cx
            .facts
            .app_id
            .unwrap_or(ClientId::from_guid(Guid::from_bytes([0; 16])));
        powershell::confirmation_code(
            app,
            powershell::policy_scope(&cx.job.inputs.mailbox, &cx.job.scope.target),
        )
    }
}

impl Erased for PolicyScript {
    fn start(&mut self, _: &mut Cx) -> Move {
        Move::Hold
    }
    fn reconcile(&mut self) {}
    fn writing(&self) -> bool {
        false
    }
    fn optional(&self) -> bool {
        false
    }
    /// A held operation is never sent.
    fn request(&self, _: &Cx) -> Option<Request> {
        None
    }
    fn answer(&mut self, _: &super::Answer, _: &mut Cx) -> Move {
        Move::Hold
    }
    fn confirm(&mut self, code: &str, cx: &mut Cx) -> Option<Move> {
        powershell::code_matches(code, &Self::expected(cx)).then_some(Move::Done(Outcome::Done))
    }
    fn step_name(&self) -> String {
        "waiting for the script's code".into()
    }
}
