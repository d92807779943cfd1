//! What the Hand-off step's files are made from: the Exchange scripts' input and the bundle,
//! read off the applied run, the session and the config.

use super::setup::{cloud, SetupError};
use super::State;
use crate::bundle::{Bundle, BundleCredential, BundleInput, Endpoints, MailboxScope};
use crate::config::Config;
use crate::ids::SmtpAddress;
use crate::job::CredentialPlan;
use crate::op::Facts;
use crate::powershell::{Cloud, DisplayText, ScriptInput};
use crate::secret::ClientSecret;
use crate::time::UtcDateTime;

/// When the credential in force expires: the secret's end as Graph answered it, the
/// certificate's notAfter; `None` for the kinds that do not expire (or not known yet).
pub(super) fn credential_expiry(
    plan: &crate::plan::Plan,
    facts: &Facts,
) -> Option<(&'static str, UtcDateTime)> {
    match &plan.inputs.credential {
        CredentialPlan::ClientSecret => facts.secret_end.map(|t| ("The client secret", t)),
        CredentialPlan::Certificate { not_after, .. } => UtcDateTime::parse_rfc3339(not_after)
            .ok()
            .map(|t| ("The certificate", t)),
        CredentialPlan::Federated { .. } | CredentialPlan::MultiTenantApp { .. } => None,
    }
}

impl State {
    /// The Exchange Online scripts' input, once the apply run is done.
    pub fn script_input(&self, config: &Config) -> Result<ScriptInput, SetupError> {
        let run = self
            .setup
            .apply
            .as_ref()
            .ok_or(SetupError::Missing("the apply run"))?;
        let facts = run.facts();
        let plan = run.plan().ok_or(SetupError::Missing("the plan"))?;
        let session = self.session.as_ref().ok_or(SetupError::NoTenant)?;
        let admin = session
            .me
            .as_ref()
            .and_then(|m| m.user_principal_name.clone())
            .or_else(|| session.claims.preferred_username.clone())
            .and_then(|u| SmtpAddress::parse(&u).ok())
            .ok_or(SetupError::Missing(
                "the administrator's user principal name",
            ))?;
        let name = DisplayText::parse(&plan.inputs.app_display_name)
            .map_err(|_| SetupError::Missing("a usable app display name"))?;
        Ok(ScriptInput {
            tenant_id: plan.inputs.tenant,
            cloud: cloud(config),
            admin_upn: admin,
            // The vendor's own app: its application id is the config's, no app is made here.
            client_id: facts
                .app_id
                .or_else(|| plan.inputs.credential.vendor_app())
                .ok_or(SetupError::Missing("the application id"))?,
            service_principal_id: facts
                .sp
                .ok_or(SetupError::Missing("the service principal"))?,
            app_display_name: name,
            mailbox_object_id: plan.mailbox_id,
            mailbox: plan.inputs.mailbox.clone(),
            denied_mailbox: plan.scope.denied.clone(),
            mode: plan.inputs.mode,
            target: plan.scope.target.clone(),
            description: None,
            exchange_applied: facts.exchange_assignment.is_some(),
        })
    }

    /// The hand-off bundle (for a secret, while it is still in memory).
    pub fn bundle(&self, config: &Config, token_endpoint: &str) -> Result<Bundle, SetupError> {
        let script = self.script_input(config)?;
        let run = self
            .setup
            .apply
            .as_ref()
            .ok_or(SetupError::Missing("the apply run"))?;
        let facts = run.facts();
        let plan = run.plan().ok_or(SetupError::Missing("the plan"))?;
        let credential = match &plan.inputs.credential {
            CredentialPlan::ClientSecret => BundleCredential::ClientSecret {
                value: ClientSecret::new(
                    self.setup
                        .secret
                        .as_ref()
                        .ok_or(SetupError::Missing("the client secret (it was forgotten)"))?
                        .expose_secret()
                        .to_owned(),
                ),
                id: facts.key_id.ok_or(SetupError::Missing("the secret's id"))?,
                expires_at: credential_expiry(plan, facts)
                    .ok_or(SetupError::Missing("the secret's expiry"))?
                    .1,
            },
            CredentialPlan::Certificate {
                thumbprint,
                thumbprint_sha256,
                ..
            } => BundleCredential::Certificate {
                thumbprint: thumbprint.clone(),
                thumbprint_sha256: thumbprint_sha256.clone(),
                expires_at: credential_expiry(plan, facts)
                    .ok_or(SetupError::Missing("the certificate's expiry"))?
                    .1,
            },
            CredentialPlan::Federated {
                issuer,
                subject,
                audience,
            } => BundleCredential::Federated {
                name: plan.job(run.run_id()).federated_name(),
                issuer: issuer.clone(),
                subject: subject.clone(),
                audience: audience.clone(),
            },
            CredentialPlan::MultiTenantApp { .. } => BundleCredential::VendorApp,
        };
        let endpoints = match script.cloud {
            Cloud::Global if config.graph_base_url != crate::config::DEFAULT_GRAPH_BASE_URL => {
                Endpoints::custom(
                    &token_endpoint.replace("/organizations/", &format!("/{}/", script.tenant_id)),
                    &config.graph_base_url,
                )?
            }
            cloud => Endpoints::for_cloud(cloud, script.tenant_id),
        };
        Ok(Bundle::new(BundleInput {
            tenant_id: script.tenant_id,
            client_id: script.client_id,
            app_object_id: match &credential {
                BundleCredential::VendorApp => None,
                _ => Some(
                    facts
                        .app
                        .ok_or(SetupError::Missing("the app's object id"))?,
                ),
            },
            service_principal_object_id: script.service_principal_id,
            app_display_name: script.app_display_name.clone(),
            credential,
            mailbox_object_id: script.mailbox_object_id,
            mailbox_address: script.mailbox.clone(),
            mailbox_scope: MailboxScope {
                mode: script.mode,
                target: script.target.clone(),
            },
            endpoints,
            created_at: self
                .setup
                .secret_at_ms
                .and_then(|ms| UtcDateTime::from_unix_millis(ms as i64))
                .ok_or(SetupError::Missing("the time the credential was made"))?,
        })?)
    }
}
