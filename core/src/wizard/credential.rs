//! The credential in plain words: what Welcome promises, what Review says will exist, what
//! Hand-off says the vendor holds. One place, so the three steps never disagree.

use crate::config::{Config, Credential, ScopeMode};
use crate::job::CredentialPlan;

/// What the admin reads about the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialWords {
    /// What is made for the vendor in the tenant (Welcome's first line).
    pub app: String,
    /// The credential that is made, if any (none for the vendor's own app).
    pub credential: Option<String>,
    /// Who holds what once the setup is done.
    pub holds: String,
    /// What leaves the browser at Hand-off (said on Welcome too), as the rest of a sentence
    /// (after "What leaves this browser:").
    pub leaves: String,
}

/// The words for a credential of the config (Welcome, before anything is planned).
pub fn for_config(c: &Credential, config: &Config) -> CredentialWords {
    words(&CredentialPlan::from_config(c), config)
}

/// The words for the planned credential.
pub fn words(c: &CredentialPlan, config: &Config) -> CredentialWords {
    let vendor = &config.vendor.name;
    let app_name = config.vendor.app_display_name();
    let registration = format!(
        "An app registration named “{app_name}” (single tenant, no redirect URIs), and its service principal (enterprise application)."
    );
    match c {
        CredentialPlan::ClientSecret => CredentialWords {
            app: registration,
            credential: Some(format!(
                "One client secret for it, valid for {} days (less if your tenant's policy caps it; the page then says so).",
                config.vendor.secret_lifetime_days
            )),
            holds: format!("{vendor} holds the client secret; nobody else needs it."),
            leaves: format!(
                "the client secret, in a bundle encrypted for {vendor} (or with a passphrase you send by another channel), with the ids."
            ),
        },
        CredentialPlan::Certificate {
            thumbprint,
            not_after,
            ..
        } => CredentialWords {
            app: registration,
            credential: Some(format!(
                "{vendor}'s public certificate on it (thumbprint {thumbprint}, expires {}). No client secret is made.",
                date(not_after)
            )),
            holds: format!(
                "{vendor} keeps the certificate's private key on its own systems; it never comes near this page or your tenant."
            ),
            leaves: "only ids (tenant, application, mailbox) and the certificate's thumbprint, nothing secret.".into(),
        },
        CredentialPlan::Federated {
            issuer, subject, ..
        } => CredentialWords {
            app: registration,
            credential: Some(format!(
                "A federated credential on it: tokens that {issuer} issues for “{subject}” stand in for a secret. No client secret is made."
            )),
            holds: format!(
                "{vendor}'s own sign-in service ({issuer}) vouches for it; no secret exists anywhere."
            ),
            leaves: "only ids (tenant, application, mailbox), nothing secret.".into(),
        },
        CredentialPlan::MultiTenantApp { app_id } => CredentialWords {
            app: format!(
                "The enterprise application (service principal) of {vendor}'s own app (application id {app_id}). No app registration and no credential are made in your tenant."
            ),
            credential: None,
            holds: format!(
                "{vendor} holds its own app's credential in its own tenant; your tenant holds none."
            ),
            leaves: "only ids (tenant, service principal, mailbox), nothing secret.".into(),
        },
    }
}

/// Why the config's credentials leave nothing for `mode` (only the vendor's own app is listed,
/// and this is the legacy mode).
pub fn none_for_mode(mode: ScopeMode, config: &Config) -> String {
    format!(
        "{} is not offered for {}: it signs in with its own multi-tenant app, and an Application Access Policy would need a tenant-wide Mail.Send permission on that app first. Choose {}: Exchange then grants Mail.Send over your mailbox only.",
        mode.title(),
        config.vendor.name,
        ScopeMode::RbacForApplications.title()
    )
}

/// The vendor's next choice, for when the tenant refuses this one.
pub fn fallback(next: Option<&Credential>) -> Option<String> {
    next.map(|c| {
        format!(
            "If your tenant's policy forbids it, the page offers the vendor's next choice: {}.",
            c.title()
        )
    })
}

/// `2036-01-01T00:00:00Z` → `2036-01-01`.
pub fn date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// Review's plain summary, before the exact calls: what will exist, for which mailbox and
/// scope, what is left alone, what the vendor receives, who does what next.
pub fn review_summary(plan: &crate::plan::Plan, config: &Config) -> Vec<String> {
    use crate::powershell::ScopeTarget;
    let mailbox = plan.inputs.mailbox.to_string();
    let vendor = &config.vendor.name;
    let who = match &plan.scope.target {
        ScopeTarget::OneMailbox => format!("{mailbox} only"),
        ScopeTarget::ExistingGroup { address } => match plan.inputs.mode {
            ScopeMode::RbacForApplications => format!(
                "the direct members of {address} (members through nested groups are not counted)"
            ),
            ScopeMode::ApplicationAccessPolicy => {
                format!("the members of {address}, nested groups included")
            }
        },
        ScopeTarget::NewGroup { address, .. } => {
            format!("the new group {address}, with {mailbox} its only member")
        }
    };
    let words = words(&plan.inputs.credential, config);
    let mut out = vec![format!("{vendor} will be able to send e-mail as {who}.")];
    out.push(words.app.clone());
    if let Some(c) = &words.credential {
        out.push(c.clone());
    }
    out.push(match plan.inputs.mode {
        ScopeMode::RbacForApplications => format!(
            "Exchange's Application Mail.Send role for the app, scoped to {who}; no tenant-wide Mail.Send permission in Entra ID."
        ),
        ScopeMode::ApplicationAccessPolicy => "Microsoft Graph's Mail.Send application permission, granted only after your Exchange script made the Application Access Policy and printed its code.".into(),
    });
    if let Some(denied) = &plan.scope.denied {
        out.push(format!(
            "The Exchange script checks that {denied} stays out of reach."
        ));
    }
    if plan.existing.app.is_some() {
        out.push(
            "The app mailgrant made earlier for this mailbox is updated, not duplicated.".into(),
        );
    }
    out.push("Nothing else in your tenant is changed.".into());
    out.push(format!("{} receives: {}", vendor, words.leaves));
    out.push(match plan.inputs.mode {
        ScopeMode::RbacForApplications => format!(
            "Next: on Hand-off, send the files to {vendor}, then run the Exchange script (it checks the scope; it makes it if the page could not)."
        ),
        ScopeMode::ApplicationAccessPolicy => "Next: during Apply, run the Exchange script and type the code it prints; then send the files to the vendor.".into(),
    });
    out
}
