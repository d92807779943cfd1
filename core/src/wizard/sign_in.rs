//! The sign-in half of the reducer: the page load and the return from the authority, discovery,
//! code redemption and the ID token, the identity look-ups and role preflight, and a change of
//! mode after sign-in (incremental consent).

use std::rc::Rc;

use super::scope::ScopeAnswer;
use super::{setup, AuthCode, Effect, MailboxRequest, Purpose, Session, State, Step};
use crate::auth::callback::{self, CallbackOutcome, CallbackParams};
use crate::auth::token;
use crate::auth::{self, AuthError, Discovery, PendingSignIn};
use crate::config::{Config, ScopeMode};
use crate::explain::Explain;
use crate::graph::identity;
use crate::graph::GraphError;
use crate::ids::TenantId;
use crate::json_object::FromJson;
use crate::roles::{self, RoleCheck};

impl Session {
    /// Re-checks the roles for `mode`: from `wids`, else only a confirmation from `memberOf`.
    pub(super) fn roles_for(&self, mode: ScopeMode) -> RoleCheck {
        match (&self.claims.wids, &self.member_of_roles) {
            (Some(wids), _) => roles::check(mode, Some(wids)),
            (None, Some(ids)) => match roles::check(mode, Some(ids)) {
                found @ RoleCheck::Sufficient(_) => found,
                _ => RoleCheck::Unknown,
            },
            (None, None) => RoleCheck::Unknown,
        }
    }
}

/// The scopes of a token answer's `scope`, Graph's without their resource prefix (the public
/// cloud's, the configured Graph's, or Graph's app id).
pub(super) fn granted_scopes(scope: &str, graph_base_url: &str) -> Vec<String> {
    let configured = format!("{}/", graph_base_url.trim_end_matches('/'));
    scope
        .split_whitespace()
        .map(|s| {
            [
                "https://graph.microsoft.com/",
                configured.as_str(),
                "00000003-0000-0000-c000-000000000000/",
            ]
            .iter()
            .find_map(|p| s.strip_prefix(p))
            .unwrap_or(s)
            .to_owned()
        })
        .collect()
}

/// The authority's discovery document from its HTTP answer, checked (S256, URLs, issuer).
pub(super) fn discovery_answer(
    config: &Config,
    status: u16,
    body: &str,
) -> Result<Discovery, AuthError> {
    let url = auth::discovery_url(&config.authority);
    if status != 200 {
        return Err(AuthError::Discovery {
            url,
            reason: format!("HTTP {status}"),
        });
    }
    let d = Discovery::parse(&url, body)?;
    d.check_issuer_is(&config.authority)?;
    Ok(d)
}

impl State {
    /// The session, if its access token is for Microsoft Graph (the provider is Entra ID).
    pub(super) fn graph_session(&self) -> Option<&Session> {
        self.session.as_ref().filter(|s| s.graph)
    }

    /// The mode can still change: signed in, nothing applied yet.
    pub fn can_change_mode(&self) -> bool {
        self.graph_session().is_some() && self.setup.apply.is_none() && !self.busy
    }

    /// Permissions the chosen mode needs that the token lacks: granted by signing in again.
    pub fn missing_scopes(&self) -> Vec<(&'static str, &'static str)> {
        let Some(session) = self.graph_session() else {
            return vec![];
        };
        // Only Graph permissions count: whether a provider echoes `openid`/`profile` in `scope`
        // varies, and they never gate a step.
        auth::scopes_with(self.mode, self.extra)
            .into_iter()
            .filter(|(s, _)| !matches!(*s, "openid" | "profile" | "email" | "offline_access"))
            .filter(|(s, _)| !auth::BEST_EFFORT_SCOPES.contains(s))
            .filter(|(s, _)| !session.granted.iter().any(|g| g.eq_ignore_ascii_case(s)))
            .collect()
    }

    /// RBAC mode's removal of an unscoped `Mail.Send` grant needs `AppRoleAssignment.ReadWrite.All`
    /// (the only permission serviceprincipal-delete-approleassignedto lists), which that mode
    /// does not ask for at first: without it the removal would be refused (403) after the app's
    /// credential was made. So it is asked for now (incremental consent), before Review, and
    /// nothing is written until the sign-in granted it.
    pub(super) fn grant_removal_unconsented(
        &mut self,
        plan: &crate::plan::Plan,
    ) -> Option<crate::explain::Explanation> {
        use crate::op::{Kind, Removal, Write};
        let removes = plan.ops.iter().any(|o| {
            matches!(
                o.kind,
                Kind::Write(Write::Remove(Removal::Grant { unscoped: true, .. }))
            )
        });
        let granted = self.graph_session().is_some_and(|s| {
            s.granted
                .iter()
                .any(|g| g.eq_ignore_ascii_case(auth::GRANT_SCOPE.0))
        });
        // Asked for while a plan removes a grant (a sign-in after a token expired too), and
        // only then.
        self.extra.grant_removal = removes;
        if !removes || granted {
            return None;
        }
        Some(crate::explain::Explanation {
            title: "Removing the app's unscoped Mail.Send grant needs one more permission.".into(),
            detail: format!("{}: to {}", auth::REMOVAL_SCOPE.0, auth::REMOVAL_SCOPE.1),
            fix: "Nothing was changed. Choose “Sign in again to grant it” above: Microsoft asks for this permission only (granting it needs the Privileged Role Administrator or Global Administrator role), and the page comes back here with the same choices. Or revoke the grant yourself in the Entra admin center (Enterprise applications → the app → Permissions), then go back to the Mailbox step and choose Continue.".into(),
            audience: crate::explain::Audience::Admin,
            example: None,
        })
    }

    /// A change of mode: before sign-in, just the choice; after it (and before Apply), the
    /// roles are checked again, a built plan is rebuilt for the new mode, and a permission the
    /// token lacks is asked for by signing in again (incremental consent), which keeps the
    /// mailbox.
    pub(super) fn mode_chosen(&mut self, mode: ScopeMode) -> Vec<Effect> {
        if self.session.is_none() {
            // An interrupted setup continues in its own mode, which its journal fixed.
            if self.interrupted.is_none() {
                self.mode = mode;
            }
            return vec![];
        }
        if !self.can_change_mode() || mode == self.mode {
            return vec![];
        }
        self.mode = mode;
        self.error = None;
        if let Some(session) = &mut self.session {
            session.roles = session.roles_for(mode);
        }
        if let Some(inputs) = &mut self.setup.inputs {
            inputs.mode = mode;
        }
        if self.setup.plan.is_some() {
            let (Some(inputs), Some(findings)) = (&self.setup.inputs, &self.setup.findings) else {
                return vec![];
            };
            let (scope, options) = self
                .setup
                .plan
                .as_ref()
                .map(|p| (p.scope.clone(), p.options))
                .unwrap_or_default();
            let built = crate::plan::build(inputs, findings, options, scope, crate::VERSION)
                .map_err(|e| setup::SetupError::from(e).explain())
                .and_then(|plan| match self.grant_removal_unconsented(&plan) {
                    Some(e) => Err(e),
                    None => Ok(plan),
                });
            match built {
                Ok(plan) => self.setup.plan = Some(plan),
                Err(e) => {
                    self.setup.plan = None;
                    self.step = Step::Scope;
                    return self.fail(e);
                }
            }
        }
        vec![]
    }

    /// The scopes Sign in will ask for, with why: exact once discovery has answered (another
    /// provider than Entra ID is asked only for OpenID Connect scopes).
    pub fn requested_scopes(&self) -> Vec<(&'static str, &'static str)> {
        match &self.discovery {
            Some(d) => d.requested_scopes_with(self.mode, self.extra),
            None => auth::scopes_with(self.mode, self.extra),
        }
    }

    /// Is the provider Microsoft Entra ID? Assumed until discovery says otherwise.
    pub fn provider_is_entra(&self) -> bool {
        self.discovery.as_ref().is_none_or(Discovery::is_entra)
    }

    pub(super) fn loaded(
        &mut self,
        config: &Config,
        query: &str,
        pending: Option<String>,
        seed: [u8; 16],
        discovery: Option<(u16, String)>,
    ) -> Vec<Effect> {
        let Some(params) = CallbackParams::from_query(query) else {
            // A plain load (or the back button from the sign-in page): nothing is pending any more.
            // Discovery is read now (or was, by the bootstrap), so the Welcome page can list
            // exactly what this provider will be asked for, and Sign in needs no extra round
            // trip. A failed answer is kept as a prefetch's is: Sign in asks again and explains.
            let mut fx = vec![];
            if pending.is_some() {
                fx.push(Effect::RemovePending);
            }
            match discovery {
                Some((status, body)) => {
                    self.discovery = discovery_answer(config, status, &body).ok();
                }
                None => fx.push(self.discovery_request(config, Purpose::Prefetch)),
            }
            return fx;
        };
        // Whatever the answer, the entry is used up and the answer leaves the address bar.
        let mut effects = vec![Effect::RemovePending, Effect::StripCallbackFromUrl];
        let pending = pending.as_deref().and_then(PendingSignIn::from_storage);
        self.step = Step::SignIn;
        match callback::check(&params, pending.as_ref().map(|p| p.state.as_str())) {
            Err(e) => {
                self.fail(e.explain());
            }
            Ok(CallbackOutcome::Code(code)) => {
                if let Some(p) = &pending {
                    self.mode = p.mode;
                    self.resume_mailbox = p.mailbox.clone().map(|m| (m, seed, p.tenant.clone()));
                    self.extra = p.extra;
                    // Another seed than the mailbox look-up's: a different run.
                    self.resume_scope = p
                        .scope_answer
                        .clone()
                        .and_then(|a| ScopeAnswer::from_json(&a).ok())
                        .map(|a| (a, seed.map(|b| b ^ 0x5a)));
                }
                self.busy = true;
                self.pending = pending;
                self.code = Some((AuthCode(code), params.iss.clone()));
                effects.push(self.discover(config));
            }
        }
        effects
    }

    pub(super) fn answered(
        &mut self,
        config: &Config,
        purpose: Purpose,
        status: u16,
        body: &str,
        now_secs: u64,
    ) -> Vec<Effect> {
        match purpose {
            Purpose::Discovery => match discovery_answer(config, status, body) {
                Err(e) => self.fail(e.explain()),
                Ok(d) => {
                    self.discovery = Some(d);
                    self.after_discovery(config)
                }
            },
            // Kept when it is good and nothing newer is; a failure is said only if the admin
            // clicks Sign in (whose own discovery request then fails too).
            Purpose::Prefetch => {
                if self.discovery.is_none() {
                    self.discovery = discovery_answer(config, status, body).ok();
                }
                vec![]
            }
            Purpose::Token => self.token_answered(config, status, body, now_secs),
            Purpose::PageServicePrincipal | Purpose::DeletePageServicePrincipal => {
                self.page_access_answered(config, purpose, status, body)
            }
            Purpose::MailboxSuggestions => self.suggestions_answered(config, Some((status, body))),
            Purpose::Me | Purpose::Organization | Purpose::Roles => {
                if !self.outstanding.contains(&purpose) {
                    return vec![];
                }
                self.identity_answered(purpose, status, body);
                self.identity_done(config, purpose, now_secs.saturating_mul(1000))
            }
        }
    }

    pub(super) fn after_discovery(&mut self, config: &Config) -> Vec<Effect> {
        let Some(discovery) = &self.discovery else {
            return vec![];
        };
        if let Some(random) = self.random.take() {
            let redirect_uri = self.redirect_uri.clone().unwrap_or_default();
            // Signing in again (token expired): suggest the same account.
            let hint = self.session.as_ref().and_then(|s| {
                s.me.as_ref()
                    .and_then(|m| m.user_principal_name.clone())
                    .or_else(|| s.claims.preferred_username.clone())
            });
            return match auth::authorize_url(
                config,
                discovery,
                &redirect_uri,
                self.mode,
                self.extra,
                hint.as_deref(),
                &random,
            ) {
                Err(e) => self.fail(e.explain()),
                Ok((url, mut pending)) => {
                    pending.mailbox = self.mailbox_to_resume();
                    // The group to check once the sign-in granted its permission.
                    pending.scope_answer = self
                        .setup
                        .answer
                        .as_ref()
                        .filter(|_| {
                            self.extra != auth::Extra::default() && self.setup.apply.is_none()
                        })
                        .map(ScopeAnswer::to_json);
                    pending.tenant = self
                        .session
                        .as_ref()
                        .and_then(|s| s.tenant_id())
                        .map(|t| t.to_string());
                    self.redirecting = true;
                    vec![
                        Effect::SavePending(pending.to_storage()),
                        Effect::Navigate(url),
                    ]
                }
            };
        }
        let Some((code, iss)) = self.code.take() else {
            return vec![];
        };
        if let Err(e) = callback::check_issuer(iss.as_deref(), discovery) {
            return self.fail(e.explain());
        }
        let Some(pending) = &self.pending else {
            return self.fail(AuthError::NoPendingSignIn.explain());
        };
        let scope = discovery
            .requested_scopes_with(self.mode, self.extra)
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>()
            .join(" ");
        let redirect_uri = self.redirect_uri.clone().unwrap_or_default();
        vec![Effect::Http {
            purpose: Purpose::Token,
            method: "POST",
            url: discovery.token_endpoint.clone(),
            bearer: None,
            form: Some(token::redeem_form(
                &config.client_id.to_string(),
                &code.0,
                &redirect_uri,
                &pending.verifier,
                &scope,
            )),
        }]
    }

    pub(super) fn token_answered(
        &mut self,
        config: &Config,
        status: u16,
        body: &str,
        now_secs: u64,
    ) -> Vec<Effect> {
        let pending = self.pending.take();
        let tokens = match token::parse_token_response(status, body) {
            Ok(t) => t,
            Err(e) => return self.fail(e.explain()),
        };
        let (Some(pending), Some(discovery)) = (pending, &self.discovery) else {
            return self.fail(AuthError::NoPendingSignIn.explain());
        };
        let Some(id_token) = tokens.id_token.as_deref() else {
            return self
                .fail(AuthError::IdToken("the answer carried no ID token".into()).explain());
        };
        let claims = match token::check_id_token(
            id_token,
            &discovery.issuer,
            &config.client_id.to_string(),
            &pending.nonce,
            now_secs,
        ) {
            Ok(c) => c,
            Err(e) => return self.fail(e.explain()),
        };
        let graph = discovery.is_entra();
        let mut unknowns = vec![];
        if !graph {
            unknowns.push(format!(
                "Microsoft Graph access: {} is not Microsoft Entra ID, so its token is never sent to Microsoft Graph and the setup steps cannot run",
                discovery.issuer
            ));
        }
        if claims.tid.is_none() {
            unknowns.push("the tenant id (the sign-in carried no `tid` claim)".to_owned());
        }
        let roles = roles::check(self.mode, claims.wids.as_deref());
        if roles == RoleCheck::Unknown {
            unknowns.push(if graph {
                "your admin roles (the sign-in carried no `wids` claim, and Microsoft Graph names roles only to a directory-reading permission this page does not ask for); a missing role will be reported at the first change. The vendor can make sign-ins carry it: the page's app registration → Token configuration → Add groups claim → Directory roles"
                    .to_owned()
            } else {
                "your admin roles (the sign-in carried no `wids` claim)".to_owned()
            });
        }
        if claims.name.is_none() && !graph {
            unknowns.push("your name (the sign-in carried no `name` claim)".to_owned());
        }
        let granted = if tokens.scope.trim().is_empty() {
            discovery
                .requested_scopes_with(self.mode, self.extra)
                .iter()
                .map(|(s, _)| (*s).to_owned())
                .collect()
        } else {
            granted_scopes(&tokens.scope, &config.graph_base_url)
        };
        self.session = Some(Session {
            access_token: Rc::new(tokens.access_token),
            refresh_token: tokens.refresh_token,
            granted,
            member_of_roles: None,
            claims,
            me: None,
            organization: None,
            roles: roles.clone(),
            unknowns,
            graph,
        });
        if !graph {
            // Nothing to ask Microsoft Graph: signed in with what the ID token says.
            self.outstanding.clear();
            return self.identity_done(config, Purpose::Me, now_secs.saturating_mul(1000));
        }
        self.outstanding = vec![Purpose::Me, Purpose::Organization];
        let mut requests = vec![
            self.graph(config, Purpose::Me, identity::me()),
            self.graph(config, Purpose::Organization, identity::organization()),
        ];
        if roles == RoleCheck::Unknown {
            self.outstanding.push(Purpose::Roles);
            requests.push(self.graph(config, Purpose::Roles, identity::my_roles()));
        }
        requests.into_iter().flatten().collect()
    }

    pub(super) fn identity_answered(&mut self, purpose: Purpose, status: u16, body: &str) {
        let Some(session) = &mut self.session else {
            return;
        };
        let failed = |what: &str, e: GraphError| format!("{what} ({e})");
        match purpose {
            Purpose::Me => match identity::parse_me(status, body) {
                Ok(me) => session.me = Some(me),
                Err(e) => session.unknowns.push(failed("your profile", e)),
            },
            // Only a confirmation counts: `memberOf` lists direct memberships, and without a
            // directory-read permission role objects come back without `roleTemplateId`, so an
            // absence proves nothing. A missing role is then reported at the first change.
            Purpose::Roles => match identity::parse_my_roles(status, body) {
                Ok(ids) => {
                    session.member_of_roles = Some(ids);
                    if let found @ RoleCheck::Sufficient(_) = session.roles_for(self.mode) {
                        session.roles = found;
                        session.unknowns.retain(|u| !u.contains("`wids`"));
                    }
                }
                Err(e) => session
                    .unknowns
                    .push(failed("your admin roles from Microsoft Graph", e)),
            },
            _ => match identity::parse_organization(status, body) {
                Ok(org) => session.organization = Some(org),
                Err(e) => session.unknowns.push(failed("your organization's name", e)),
            },
        }
    }

    pub(super) fn identity_done(
        &mut self,
        config: &Config,
        purpose: Purpose,
        now_ms: u64,
    ) -> Vec<Effect> {
        self.outstanding.retain(|p| *p != purpose);
        if !self.outstanding.is_empty() || self.session.is_none() {
            return vec![];
        }
        self.busy = false;
        self.step = Step::Mailbox;
        if self.graph_session().is_none() {
            return vec![];
        }
        if let Some((journal, seed)) = self.interrupted.take() {
            return self.claim_then_resume(config, journal, seed, now_ms);
        }
        let tenant = self.session.as_ref().and_then(|s| s.tenant_id());
        match self.resume_mailbox.take() {
            // Looked up again only in the tenant it was typed for.
            Some((address, seed, typed_in))
                if typed_in.is_none()
                    || typed_in.as_deref().and_then(|t| TenantId::parse(t).ok()) == tenant =>
            {
                self.mailbox_submitted(
                    config,
                    MailboxRequest {
                        address,
                        seed,
                        now_ms,
                    },
                )
            }
            _ => vec![],
        }
    }
}
