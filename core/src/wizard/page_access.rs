//! "Remove this setup page's access to your tenant": the admin's sign-in consented the vendor's
//! page registration to `Application.ReadWrite.All` (and more) in this tenant, and that grant
//! stays after the setup. Deleting the page's own service principal in the tenant removes it
//! with its delegated permission grants (exchange-and-credentials §5; Graph's page for deleting
//! a service principal does not say so — the emulator models it as documented there). The
//! next setup asks for consent again.
//!
//! Two requests: `GET /servicePrincipals(appId='{page client id}')`, then `DELETE` it. The page
//! did not create that object; it deletes it only when the admin asks, after saying what it
//! means. Afterwards the page sends nothing more with its token.

use super::{Effect, Purpose, State};
use crate::config::Config;
use crate::explain::{Audience, Explanation};
use crate::graph::{apps, GraphError};
use crate::ids::{ClientId, ObjectId};

/// Where the removal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// The page still has the consent the sign-in gave it.
    Granted,
    Removing,
    /// Its service principal (and consent) are gone from the tenant.
    Removed,
}

fn by_hand(config: &Config) -> String {
    format!(
        "Remove it by hand: Microsoft Entra admin center → Enterprise applications → filter by Application ID {} → Properties → Delete.",
        config.client_id
    )
}

impl State {
    /// The admin asked to remove the page's access.
    pub(super) fn remove_page_access(&mut self, config: &Config) -> Vec<Effect> {
        if self.page_access != PageAccess::Granted || self.busy {
            return vec![];
        }
        let (Some(token), Ok(client)) = (self.token(), ClientId::parse(config.client_id.as_str()))
        else {
            return vec![];
        };
        self.error = None;
        self.page_access = PageAccess::Removing;
        vec![Effect::Http {
            purpose: Purpose::PageServicePrincipal,
            method: "GET",
            url: apps::get_sp_by_app_id(client).url(&config.graph_base_url),
            bearer: Some(token),
            form: None,
        }]
    }

    /// The answers to the look-up and the delete.
    pub(super) fn page_access_answered(
        &mut self,
        config: &Config,
        purpose: Purpose,
        status: u16,
        body: &str,
    ) -> Vec<Effect> {
        if self.page_access != PageAccess::Removing {
            return vec![];
        }
        let error = || GraphError::from_response(status, body);
        match (purpose, status) {
            // Not there (already removed, or never made in this tenant): nothing to do.
            (Purpose::PageServicePrincipal, 404)
            | (Purpose::DeletePageServicePrincipal, 204 | 404) => {
                self.page_access = PageAccess::Removed;
                vec![]
            }
            (Purpose::PageServicePrincipal, 200) => {
                // Only `id`: the page needs nothing else of it, so nothing else can refuse it.
                let id = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v["id"].as_str().and_then(|s| ObjectId::parse(s).ok()));
                match (id, self.token()) {
                    (Some(id), Some(token)) => vec![Effect::Http {
                        purpose: Purpose::DeletePageServicePrincipal,
                        method: "DELETE",
                        url: apps::delete_sp(id).url(&config.graph_base_url),
                        bearer: Some(token),
                        form: None,
                    }],
                    _ => self.page_access_failed(
                        config,
                        format!("HTTP {status}: the answer had no service principal id"),
                    ),
                }
            }
            _ => self.page_access_failed(config, error().to_string()),
        }
    }

    pub(super) fn page_access_failed(&mut self, config: &Config, detail: String) -> Vec<Effect> {
        self.page_access = PageAccess::Granted;
        self.fail(Explanation {
            title: "The setup page's access could not be removed.".into(),
            detail,
            fix: format!(
                "Removing it needs the Application Administrator, Cloud Application Administrator or Global Administrator role. Try again, or {}",
                by_hand(config)
            ),
            audience: Audience::Admin,
            example: None,
        })
    }
}
