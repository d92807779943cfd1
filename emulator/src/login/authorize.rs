//! /authorize, the account picker and the consent page: what Entra ID shows the admin, and the
//! code (or error) it sends back to the app.

use super::*;

// ---------------------------------------------------------------------------------------------
// /authorize

pub(super) async fn authorize(
    State(app): State<App>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !Directory::accepts_tenant_segment(&tenant) {
        return entra_page_error(90002, &tenant_not_found(&tenant).description);
    }
    let Some(client_id) = q.get("client_id").filter(|c| !c.is_empty()) else {
        return entra_page_error(
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let mut st = app.lock();
    let Some(application) = st.directory.application_by_app_id(client_id).cloned() else {
        return entra_page_error(700016, &format!(
            "Application with identifier '{client_id}' was not found in the directory '{TENANT_DISPLAY_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ));
    };
    let Some(redirect_uri) = q.get("redirect_uri").filter(|r| !r.is_empty()) else {
        return entra_page_error(
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        );
    };
    let registered = application
        .spa_redirect_uris
        .iter()
        .chain(application.web_redirect_uris.iter())
        .any(|u| u == redirect_uri);
    if !registered {
        return entra_page_error(50011, &format!(
            "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
        ));
    }
    // From here on errors go back to the (registered) redirect URI.
    let state = q.get("state").map(String::as_str);
    let mode = match q.get("response_mode").map(String::as_str) {
        None | Some("") | Some("query") => "query",
        Some("fragment") => "fragment",
        Some("form_post") => "form_post",
        Some(other) => {
            return redirect_error(
                redirect_uri,
                "query",
                state,
                "invalid_request",
                900144,
                &format!("The provided value for the input parameter 'response_mode' is not valid: '{other}'."),
            )
        }
    };
    let err = |error: &str, code: u32, text: &str| {
        redirect_error(redirect_uri, mode, state, error, code, text)
    };
    match q.get("response_type").map(String::as_str) {
        Some("code") => {}
        None | Some("") => {
            return err(
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'response_type'.",
            )
        }
        Some(other) => {
            return err(
                "unsupported_response_type",
                70005,
                &format!("response_type '{other}' is not supported. The emulator supports only 'code' (authorization code flow with PKCE)."),
            )
        }
    }
    let scope_param = q.get("scope").map(String::as_str).unwrap_or("");
    // `.default` stands for the app's statically configured Graph permissions.
    let mut scopes: Vec<String> = Vec::new();
    for s in split_scopes(scope_param) {
        if parse_scope(&s) == Scope::Graph(".default".into()) {
            scopes.extend(application.default_graph_scopes.iter().cloned());
        } else {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return err(
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let parsed: Vec<Scope> = scopes.iter().map(|s| parse_scope(s)).collect();
    if let Some(Scope::Other(o)) = parsed.iter().find(|s| matches!(s, Scope::Other(_))) {
        let resource = o.rsplit_once('/').map(|(r, _)| r).unwrap_or(o);
        return err("invalid_resource", 500011, &format!(
            "The resource principal named {resource} was not found in the tenant named {TENANT_DISPLAY_NAME}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
        ));
    }
    if !parsed.contains(&Scope::Oidc("openid".into())) {
        return err(
            "invalid_scope",
            70011,
            &format!("The provided request must include a 'openid' scope input parameter. The provided value for the input parameter 'scope' is not valid: '{scope_param}'."),
        );
    }
    let challenge = q.get("code_challenge").map(String::as_str).unwrap_or("");
    let method = q.get("code_challenge_method").map(String::as_str);
    if challenge.is_empty() {
        return err(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        );
    }
    if method != Some("S256") {
        return err("invalid_request", 9002325, &format!(
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption; code_challenge_method must be 'S256', got '{}'.",
            method.unwrap_or("")
        ));
    }
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return err(
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter.",
        );
    }
    if q.get("prompt").map(String::as_str) == Some("none") {
        return err("login_required", 50058, "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.");
    }

    let now = st.now();
    st.pending.retain(|_, p| p.created + PENDING_LIFETIME > now);
    let flow = random_token(24);
    st.pending.insert(
        flow.clone(),
        PendingSignIn {
            tenant_segment: tenant.clone(),
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            response_mode: mode.to_string(),
            state: state.map(str::to_string),
            nonce: q.get("nonce").cloned(),
            scopes,
            code_challenge: challenge.to_string(),
            user_id: None,
            created: now,
        },
    );
    let hint = q.get("login_hint").map(|h| h.to_ascii_lowercase());
    let accounts: String = st
        .directory
        .users
        .iter()
        .filter(|u| u.can_sign_in())
        .map(|u| {
            let hinted = hint.as_deref() == Some(&u.user_principal_name.to_ascii_lowercase());
            format!(
                "<button type=\"submit\" name=\"account\" value=\"{}\" id=\"account-{}\"{}>{}<span class=\"upn\">{}</span></button>",
                esc(&u.id),
                esc(&u.mail_nickname),
                if hinted { " autofocus" } else { "" },
                esc(&u.display_name),
                esc(&u.user_principal_name)
            )
        })
        .collect();
    drop(st);
    let body = format!(
        "<h1>Sign in to {tenant_name}</h1><h2>Pick an account</h2>\
<p>to continue to {app_name}</p>\
<form method=\"POST\" action=\"/{tenant_seg}/login\" id=\"account-picker\">\
<input type=\"hidden\" name=\"flow\" value=\"{flow}\">{accounts}</form>",
        tenant_name = esc(TENANT_DISPLAY_NAME),
        app_name = esc(&application.display_name),
        tenant_seg = esc(&tenant),
        flow = esc(&flow),
    );
    Html(page(&format!("Sign in to {TENANT_DISPLAY_NAME}"), &body)).into_response()
}

fn flow_expired() -> Response {
    entra_page_error(
        9002313,
        "Invalid request. Request is malformed or invalid. (The sign-in session expired or is unknown; start again from the application.)",
    )
}

/// Step 2: an account was picked → consent page (or an AADSTS error page).
pub(super) async fn pick_account(
    State(app): State<App>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let f = form_fields(&body);
    let (Some(flow), Some(account)) = (f.get("flow"), f.get("account")) else {
        return flow_expired();
    };
    let mut st = app.lock();
    let Some(user) = st.directory.user(account).cloned() else {
        return entra_page_error(
            50034,
            &format!("The user account {account} does not exist in the '{INITIAL_DOMAIN}' directory. To sign into this application, the account must be added to the directory."),
        );
    };
    if !user.is_member() {
        return entra_page_error(50020, &format!(
            "User account '{}' from identity provider 'live.com' does not exist in tenant '{TENANT_DISPLAY_NAME}' and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first.",
            user.user_principal_name
        ));
    }
    if !user.account_enabled {
        return entra_page_error(
            50057,
            "The user account is disabled. The account has been disabled by an administrator.",
        );
    }
    let Some(pending) = st.pending.get_mut(flow) else {
        return flow_expired();
    };
    if !pending.tenant_segment.eq_ignore_ascii_case(&tenant) {
        return flow_expired();
    }
    pending.user_id = Some(user.id.clone());
    let pending = pending.clone();
    let app_name = st
        .directory
        .application_by_app_id(&pending.client_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    let forced = st.faults.consent;
    if forced == Some(ConsentFault::Declined) {
        st.pending.remove(flow);
        drop(st);
        return declined(&pending);
    }
    drop(st);
    let approval_required = forced == Some(ConsentFault::AdminApprovalRequired);
    consent_page(&tenant, flow, &pending, &user, &app_name, approval_required)
}

/// The answer to the app when consent is declined (Cancel, or the `declined` fault).
fn declined(pending: &PendingSignIn) -> Response {
    redirect_error(
        &pending.redirect_uri,
        &pending.response_mode,
        pending.state.as_deref(),
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    )
}

const ADMIN_APPROVAL_TEXT: &str = "The app needs permission to access resources in your organization that only an admin can grant. Request an admin to grant permission to this app before you can use it.";

fn consent_page(
    tenant: &str,
    flow: &str,
    pending: &PendingSignIn,
    user: &User,
    app_name: &str,
    approval_required: bool,
) -> Response {
    let parsed: Vec<Scope> = pending.scopes.iter().map(|s| parse_scope(s)).collect();
    let needs_admin = parsed
        .iter()
        .any(|s| matches!(s, Scope::Graph(g) if is_admin_only(g)));
    let who = format!(
        "<p id=\"signed-in-as\">{}<span class=\"upn\">{}</span></p>",
        esc(&user.display_name),
        esc(&user.user_principal_name)
    );
    let form_start = format!(
        "<form method=\"POST\" action=\"/{}/Consent/Set\" id=\"consent\"><input type=\"hidden\" name=\"flow\" value=\"{}\">",
        esc(tenant),
        esc(flow)
    );
    if approval_required || (needs_admin && !user.can_admin_consent()) {
        let body = format!(
            "{who}<h1>Need admin approval</h1><p id=\"error-message\">AADSTS90094: {} needs permission to access resources in your organization that only an admin can grant. Request an admin to grant permission to this app before you can use it.</p>\
{form_start}<button type=\"submit\" name=\"decision\" value=\"cancel\" id=\"cancel\" class=\"secondary\">Return to the application without granting consent</button></form>",
            esc(app_name)
        );
        return Html(page("Need admin approval", &body)).into_response();
    }
    let items: String = parsed
        .iter()
        .map(|s| format!("<li>{}</li>", esc(&scope_description(s))))
        .collect();
    let body = format!(
        "{who}<h1>Permissions requested</h1><p><b>{}</b><br>unverified</p>\
<p>This app would like to:</p><ul id=\"permissions\">{items}</ul>\
<p>Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>\
{form_start}<button type=\"submit\" name=\"decision\" value=\"accept\" id=\"accept\" class=\"primary\">Accept</button>\
<button type=\"submit\" name=\"decision\" value=\"cancel\" id=\"cancel\" class=\"secondary\">Cancel</button></form>",
        esc(app_name)
    );
    Html(page("Permissions requested", &body)).into_response()
}

/// Step 3: Accept → code; Cancel → access_denied (AADSTS65004).
pub(super) async fn consent(
    State(app): State<App>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let f = form_fields(&body);
    let Some(flow) = f.get("flow") else {
        return flow_expired();
    };
    let mut st = app.lock();
    let Some(pending) = st.pending.remove(flow) else {
        return flow_expired();
    };
    if !pending.tenant_segment.eq_ignore_ascii_case(&tenant) {
        return flow_expired();
    }
    let state = pending.state.as_deref();
    let decision = f.get("decision").map(String::as_str).unwrap_or("");
    if decision != "accept" || st.faults.consent == Some(ConsentFault::Declined) {
        return declined(&pending);
    }
    if st.faults.consent == Some(ConsentFault::AdminApprovalRequired) {
        return entra_page_error(90094, ADMIN_APPROVAL_TEXT);
    }
    let Some(user) = pending
        .user_id
        .as_deref()
        .and_then(|id| st.directory.user(id))
        .cloned()
    else {
        return flow_expired();
    };
    let needs_admin = pending
        .scopes
        .iter()
        .any(|s| matches!(parse_scope(s), Scope::Graph(g) if is_admin_only(&g)));
    if needs_admin && !user.can_admin_consent() {
        return entra_page_error(90094, ADMIN_APPROVAL_TEXT);
    }
    // Consent is recorded as a delegated permission grant (and the client's service principal
    // made if the tenant had none): what "Remove this setup page's access" deletes.
    let graph_scopes: Vec<String> = pending
        .scopes
        .iter()
        .filter(|s| matches!(parse_scope(s), Scope::Graph(_)))
        .cloned()
        .collect();
    st.directory
        .consent(&pending.client_id, &user.id, &graph_scopes);
    let code = format!("1.AXEA{}", random_token(96));
    let code_expires = st.now() + CODE_LIFETIME;
    st.codes.insert(
        code.clone(),
        AuthCode {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            code_challenge: pending.code_challenge.clone(),
            user_id: user.id.clone(),
            nonce: pending.nonce.clone(),
            scopes: pending.scopes.clone(),
            expires: code_expires,
            redeemed: false,
        },
    );
    drop(st);
    let mut params = vec![("code", code)];
    if let Some(s) = state {
        params.push(("state", s.to_string()));
    }
    params.push(("session_state", new_guid()));
    respond_to_app(&pending.redirect_uri, &pending.response_mode, &params)
}
