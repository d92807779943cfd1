//! Which of the vendor's credentials a setup uses: the first the mode allows, after those the
//! tenant refused; and the switch to the next one when the tenant forbids client secrets (Undo
//! first, so nothing of the refused plan stays, then the same answers planned again).

use super::{Effect, State};
use crate::config::Config;
use crate::op::OpError;
use crate::run::{self, Status};

impl State {
    /// The credential this setup makes: the vendor's first that this mode allows (the vendor's
    /// own multi-tenant app needs RBAC for Applications: an Application Access Policy would
    /// need a tenant-wide Mail.Send grant on it), after those the tenant refused.
    pub fn credential<'c>(&self, config: &'c Config) -> Option<&'c crate::config::Credential> {
        self.usable_credentials(config)
            .nth(self.setup.refused_credentials)
    }

    /// The vendor's choice after [`Self::credential`], for when the tenant refuses that one.
    pub fn next_credential<'c>(&self, config: &'c Config) -> Option<&'c crate::config::Credential> {
        self.usable_credentials(config)
            .nth(self.setup.refused_credentials + 1)
    }

    fn usable_credentials<'c>(
        &self,
        config: &'c Config,
    ) -> impl Iterator<Item = &'c crate::config::Credential> {
        let mode = self.mode;
        config.vendor.credentials.iter().filter(move |c| {
            mode == crate::config::ScopeMode::RbacForApplications
                || !matches!(c, crate::config::Credential::MultiTenantApp { .. })
        })
    }

    /// The apply run stopped because the tenant forbids client secrets, and the vendor has
    /// another choice: what it is.
    pub fn offered_credential<'c>(
        &self,
        config: &'c Config,
    ) -> Option<&'c crate::config::Credential> {
        let run = self.setup.apply.as_ref()?;
        let refused = matches!(
            run.status(),
            Status::Failed(e) if matches!(e.op_error(), Some(OpError::SecretsForbidden { .. }))
        );
        (refused && !run.undoing() && !self.setup.switching_credential)
            .then(|| self.next_credential(config))
            .flatten()
    }

    /// "Undo and use it instead": Undo first, so nothing of the refused plan stays; then
    /// [`Self::plan_with_next_credential`].
    pub(super) fn next_credential_chosen(&mut self, config: &Config, now_ms: u64) -> Vec<Effect> {
        if self.offered_credential(config).is_none() {
            return vec![];
        }
        self.setup.switching_credential = true;
        self.apply_command(config, run::Event::Undo, now_ms)
    }

    /// Undo is done: the same mailbox and scope, planned with the next credential, on Review.
    pub(super) fn plan_with_next_credential(&mut self, config: &Config) -> Vec<Effect> {
        self.setup.switching_credential = false;
        let refused = self.credential(config).map(|c| c.title());
        self.setup.refused_credentials += 1;
        let (Some(next), Some(old)) = (self.credential(config), self.setup.plan.take()) else {
            return vec![];
        };
        let mut inputs = old.inputs.clone();
        inputs.credential = crate::job::CredentialPlan::from_config(next);
        self.setup.inputs = Some(inputs);
        self.setup.apply = None;
        self.held_run = None;
        let notice = format!(
            "Your tenant's policy forbids {}, so this plan uses {} instead. What the refused plan made was deleted.",
            refused.unwrap_or("that credential"),
            next.title()
        );
        self.review(old.scope, old.options, vec![notice])
    }
}
