//! The token endpoint: code and refresh-token redemption for a SPA (PKCE, Origin), and the
//! tokens it issues.

use super::*;

// ---------------------------------------------------------------------------------------------
// /token

pub(super) async fn token_preflight(State(app): State<App>, headers: HeaderMap) -> Response {
    let origin = header_str(&headers, "origin");
    let allowed = origin.is_some_and(|o| app.is_spa_origin(o));
    preflight(origin, allowed)
}

pub(super) async fn token(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = header_str(&headers, "origin").map(str::to_string);
    let allowed = origin.as_deref().is_some_and(|o| app.is_spa_origin(o));
    let mut resp = match redeem(&app, &tenant, origin.as_deref(), allowed, &body) {
        Ok(v) => {
            let mut r = Json(v).into_response();
            r.headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, no-cache"),
            );
            r
        }
        Err(e) => e.into_response(),
    };
    add_cors(resp.headers_mut(), origin.as_deref(), allowed);
    resp
}

fn missing(param: &str) -> EntraError {
    EntraError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

fn not_cross_origin() -> EntraError {
    EntraError::new(
        "invalid_request",
        9002327,
        "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
    )
}

fn malformed_grant() -> EntraError {
    EntraError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

fn pkce_s256(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

fn redeem(
    app: &App,
    tenant: &str,
    origin: Option<&str>,
    origin_allowed: bool,
    body: &Bytes,
) -> Result<Value, EntraError> {
    if !Directory::accepts_tenant_segment(tenant) {
        return Err(tenant_not_found(tenant));
    }
    if let (Some(o), false) = (origin, origin_allowed) {
        return Err(EntraError::new(
            "invalid_request",
            9002326,
            format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{o}'."),
        ));
    }
    let f = form_fields(body);
    let get = |k: &str| f.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").ok_or_else(|| missing("grant_type"))?;
    let client_id = get("client_id").ok_or_else(|| missing("client_id"))?;
    let mut st = app.lock();
    let Some(application) = st.directory.application_by_app_id(client_id).cloned() else {
        return Err(EntraError::new("unauthorized_client", 700016, format!(
            "Application with identifier '{client_id}' was not found in the directory '{TENANT_DISPLAY_NAME}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        )));
    };
    let now = st.now();
    let requested: Option<Vec<String>> = get("scope").map(split_scopes);

    let (user_id, consented, nonce, refresh_expiry, include_id_token) = match grant_type {
        "authorization_code" => {
            let code = get("code").ok_or_else(|| missing("code"))?;
            let redirect_uri = get("redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
            let verifier = get("code_verifier");
            if origin.is_none() {
                return Err(not_cross_origin());
            }
            let Some(entry) = st.codes.get_mut(code) else {
                return Err(malformed_grant());
            };
            if entry.redeemed {
                return Err(EntraError::new("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
            }
            if entry.expires <= now {
                return Err(EntraError::new("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
            }
            if !entry.client_id.eq_ignore_ascii_case(client_id) {
                return Err(EntraError::new(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
                ));
            }
            if entry.redirect_uri != redirect_uri {
                let registered = application
                    .spa_redirect_uris
                    .iter()
                    .any(|u| u == redirect_uri);
                return Err(if registered {
                    EntraError::new("invalid_grant", 500112, format!(
                        "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                        entry.redirect_uri
                    ))
                } else {
                    EntraError::new("invalid_grant", 50011, format!(
                        "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
                    ))
                });
            }
            let Some(verifier) = verifier else {
                entry.redeemed = true;
                return Err(missing("code_verifier"));
            };
            if pkce_s256(verifier) != entry.code_challenge {
                // A failed PKCE attempt burns the code.
                entry.redeemed = true;
                return Err(EntraError::new("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
            }
            entry.redeemed = true;
            let entry = entry.clone();
            (
                entry.user_id,
                entry.scopes,
                entry.nonce,
                now + SPA_REFRESH_LIFETIME,
                true,
            )
        }
        "refresh_token" => {
            let rt = get("refresh_token").ok_or_else(|| missing("refresh_token"))?;
            if origin.is_none() {
                return Err(not_cross_origin());
            }
            let Some(entry) = st.refresh_tokens.get(rt).cloned() else {
                return Err(malformed_grant());
            };
            if !entry.client_id.eq_ignore_ascii_case(client_id) {
                return Err(EntraError::new(
                    "invalid_grant",
                    70000,
                    "The provided value for the 'refresh_token' parameter is not valid. The refresh token was issued to a different client.",
                ));
            }
            if entry.expires <= now {
                st.refresh_tokens.remove(rt);
                return Err(EntraError::new("invalid_grant", 700084, "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page."));
            }
            st.refresh_tokens.remove(rt);
            (
                entry.user_id,
                entry.scopes,
                entry.nonce,
                entry.expires,
                requested
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|s| s.eq_ignore_ascii_case("openid"))),
            )
        }
        other => {
            return Err(EntraError::new(
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            ))
        }
    };

    let Some(user) = st.directory.user(&user_id).cloned() else {
        return Err(malformed_grant());
    };
    if !user.account_enabled {
        return Err(EntraError::new(
            "invalid_grant",
            50057,
            "The user account is disabled.",
        ));
    }

    // Which Graph scopes go into this access token.
    let consented_graph: Vec<String> = consented
        .iter()
        .filter_map(|s| match parse_scope(s) {
            Scope::Graph(g) if g != ".default" => Some(g),
            _ => None,
        })
        .collect();
    let consented_oidc: Vec<String> = consented
        .iter()
        .filter_map(|s| match parse_scope(s) {
            Scope::Oidc(o) => Some(o),
            _ => None,
        })
        .collect();
    let mut token_graph: Vec<String> = Vec::new();
    match &requested {
        None => token_graph = consented_graph.clone(),
        Some(req) => {
            for s in req {
                match parse_scope(s) {
                    Scope::Oidc(_) => {}
                    Scope::Graph(g) if g == ".default" => {
                        token_graph.extend(consented_graph.iter().cloned())
                    }
                    Scope::Graph(g) => {
                        if !consented_graph.iter().any(|c| c.eq_ignore_ascii_case(&g)) {
                            return Err(EntraError::new("invalid_grant", 65001, format!(
                                "The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.",
                                application.display_name
                            )));
                        }
                        token_graph.push(g);
                    }
                    Scope::Other(o) => {
                        return Err(EntraError::new(
                            "invalid_scope",
                            70011,
                            format!("The provided value for the input parameter 'scope' is not valid. The scope {o} is not valid."),
                        ))
                    }
                }
            }
        }
    }
    token_graph.dedup();

    let lifetime = st.token_lifetime();
    let access_token = format!(
        "eyJ0eXAiOiJKV1QiLCJlbXVsYXRvciI6dHJ1ZX0.{}",
        random_token(48)
    );
    st.access_tokens.insert(
        access_token.clone(),
        AccessToken {
            user_id: user.id.clone(),
            client_id: client_id.to_string(),
            scopes: token_graph.clone(),
            expires: now + lifetime,
        },
    );
    let mut scope_out: Vec<String> = consented_oidc
        .iter()
        .filter(|o| o.as_str() != "offline_access")
        .cloned()
        .collect();
    scope_out.extend(token_graph.iter().map(|g| format!("{GRAPH_RESOURCE}{g}")));
    let mut out = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if consented_oidc.iter().any(|o| o == "offline_access") {
        let rt = format!("1.AXEA{}", random_token(128));
        st.refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                user_id: user.id.clone(),
                client_id: client_id.to_string(),
                scopes: consented.clone(),
                expires: refresh_expiry,
                nonce: nonce.clone(),
            },
        );
        out["refresh_token"] = json!(rt);
        out["refresh_token_expires_in"] = json!(refresh_expiry.saturating_sub(now));
    }
    // `wids` is sent only when the app registration asks for it (groupMembershipClaims
    // `DirectoryRole` or `All`), as Entra does.
    let wids = st
        .directory
        .application_by_app_id(client_id)
        .and_then(|a| a.extra.get("groupMembershipClaims"))
        .and_then(Value::as_str)
        // Manifests may combine values ("SecurityGroup, DirectoryRole"); the `wids` claim
        // reference names only `DirectoryRole` and `All` as the values that send it.
        .is_some_and(|c| {
            c.split(',')
                .map(str::trim)
                .any(|v| v.eq_ignore_ascii_case("DirectoryRole") || v.eq_ignore_ascii_case("All"))
        });
    drop(st);
    if include_id_token && consented_oidc.iter().any(|o| o == "openid") {
        let mut claims = id_token_claims(
            app,
            client_id,
            &user,
            nonce.as_deref(),
            &consented_oidc,
            // Visible timestamps use the real clock; the emulator clock only drives expiry.
            now_unix(),
        );
        if wids {
            claims["wids"] = json!(user.wids());
        }
        out["id_token"] = json!(app.keys.sign(&claims));
    }
    Ok(out)
}

fn id_token_claims(
    app: &App,
    client_id: &str,
    user: &User,
    nonce: Option<&str>,
    oidc: &[String],
    now: u64,
) -> Value {
    let sub = b64url(&Sha256::digest(
        format!("{}|{client_id}", user.id).as_bytes(),
    ))[..43]
        .to_string();
    let mut c = json!({
        "aud": client_id,
        "iss": format!("{}/{DEMO_TENANT_ID}/v2.0", app.login_origin),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.id,
        "preferred_username": user.user_principal_name,
        "rh": "0.AXEA-emulator.",
        "sub": sub,
        "tid": DEMO_TENANT_ID,
        "uti": random_token(16),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        c["nonce"] = json!(n);
    }
    if oidc.iter().any(|o| o == "email") {
        if let Some(m) = &user.mail {
            c["email"] = json!(m);
        }
    }
    c
}
