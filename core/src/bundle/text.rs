//! `README.txt`, `mailgrant.env` and `mailgrant.sh` renderings.

use std::fmt::Write as _;

use super::{
    Bundle, AGE_FILE_NAME, BUNDLE_FORMAT, ICS_FILE_NAME, JSON_FILE_NAME, POWERSHELL_TEST_FILE_NAME,
    SECRET_ENV_VAR, SH_TEST_FILE_NAME,
};
use crate::config::ScopeMode;
use crate::powershell::ScopeTarget;

/// A plain-text explanation of the bundle for people. It does **not** contain the client secret
/// value: it names the file and field that hold it, so it may travel next to the encrypted file.
pub fn render_readme(bundle: &Bundle) -> String {
    let b = bundle.fields();
    let e = &b.endpoints;
    let mut s = String::new();
    let title = format!("mailgrant hand-off bundle ({BUNDLE_FORMAT})");
    let _ = writeln!(s, "{title}\n{}\n", "=".repeat(title.chars().count()));
    let _ = writeln!(
        s,
        "Made {} by mailgrant {} for the app \"{}\".\n",
        b.created_at.to_human(),
        crate::VERSION,
        b.app_display_name
    );
    let _ = writeln!(
        s,
        "This app may send mail as ONE mailbox: {}\n(mailbox object id {}).\n",
        b.mailbox_address, b.mailbox_object_id
    );

    let _ = writeln!(s, "SIGN-IN (OAuth 2.0 client credentials)\n");
    let mut rows: Vec<(&str, String)> = vec![
        ("Tenant (directory) ID", b.tenant_id.to_string()),
        ("Client (application) ID", b.client_id.to_string()),
    ];
    rows.extend(credential_rows(b));
    rows.push(("Token endpoint", e.token_endpoint().to_owned()));
    rows.push(("Token scope", e.token_scope()));
    write_rows(&mut s, &rows);

    let _ = writeln!(s, "\nSENDING MAIL (Microsoft Graph)\n");
    let _ = writeln!(
        s,
        "  POST {}/v1.0/users/{}/sendMail\n  with the header \"Authorization: Bearer <access token>\".\n  \
         The mailbox object id is used rather than the address because Graph finds users by \
         object id or user principal name, which can differ from the SMTP address.\n  \
         Sending as any other mailbox is refused (HTTP 403, ErrorAccessDenied).",
        e.graph_base_url(),
        b.mailbox_object_id
    );

    let _ = writeln!(s, "\nHOW THE APP IS LIMITED TO THE MAILBOX\n");
    let mode = match b.mailbox_scope.mode {
        ScopeMode::RbacForApplications => {
            "Exchange Online RBAC for Applications: the app has no tenant-wide Mail.Send \
             permission in Entra; Exchange grants it \"Application Mail.Send\" over a \
             management scope."
        }
        ScopeMode::ApplicationAccessPolicy => {
            "An Entra Mail.Send application permission (admin consented), narrowed by an \
             Exchange Application Access Policy."
        }
    };
    let _ = writeln!(
        s,
        "  Mode: {} ({}).\n  {mode}",
        b.mailbox_scope.mode.title(),
        b.mailbox_scope.mode.as_config_str()
    );
    let target = match &b.mailbox_scope.target {
        ScopeTarget::OneMailbox => format!("  Scope: only the mailbox {}.", b.mailbox_address),
        ScopeTarget::ExistingGroup { address } => {
            format!("  Scope: the members of the existing mail-enabled security group {address}.")
        }
        ScopeTarget::NewGroup { name, address } => format!(
            "  Scope: the members of the mail-enabled security group \"{name}\" ({address}), \
             made for this app with the mailbox as its only member."
        ),
    };
    let _ = writeln!(
        s,
        "{target}\n  Changes in Exchange can take up to 2 hours to apply everywhere: an \
         ErrorAccessDenied right after set-up may go away on its own."
    );

    let _ = writeln!(s, "\nOBJECTS IN THE TENANT\n");
    write_rows(
        &mut s,
        &[
            (
                "App registration object ID",
                b.app_object_id.map_or_else(
                    || "none in this tenant: the vendor's own app, registered in the vendor's tenant".to_owned(),
                    |id| id.to_string(),
                ),
            ),
            (
                "Service principal object ID",
                b.service_principal_object_id.to_string(),
            ),
            ("App display name", b.app_display_name.to_string()),
            ("Graph base URL", e.graph_base_url().to_owned()),
        ],
    );

    let _ = writeln!(s, "\nFILES\n");
    write_rows(
        &mut s,
        &[
            (
                AGE_FILE_NAME,
                format!(
                    "the bundle, encrypted with age. Decrypt with the age or rage tool:\n      \
                     age --decrypt -i <your age identity file> -o {JSON_FILE_NAME} {AGE_FILE_NAME}\n      \
                     or, when it was encrypted with a passphrase:\n      \
                     age --decrypt -o {JSON_FILE_NAME} {AGE_FILE_NAME}"
                ),
            ),
            (
                JSON_FILE_NAME,
                if bundle.secret().is_some() {
                    "the bundle as JSON (with the secret value). Store it in your secret store, \
                     then delete it."
                } else {
                    "the bundle as JSON (nothing secret in it: ids and where to sign in)."
                }
                .to_owned(),
            ),
            (
                POWERSHELL_TEST_FILE_NAME,
                format!(
                    "test: gets a token and sends a test message.\n      \
                     pwsh ./{POWERSHELL_TEST_FILE_NAME} -BundlePath ./{JSON_FILE_NAME} \
                     [-To <recipient>] [-DeniedMailbox <another mailbox>]\n      \
                     In Windows PowerShell 5.1 a downloaded script is blocked; run it with\n      \
                     powershell -ExecutionPolicy Bypass -File .\\{POWERSHELL_TEST_FILE_NAME} \
                     -BundlePath .\\{JSON_FILE_NAME}"
                ),
            ),
            (
                SH_TEST_FILE_NAME,
                format!(
                    "the same test with curl.\n      \
                     sh ./{SH_TEST_FILE_NAME} -b ./{JSON_FILE_NAME} [-t <recipient>] \
                     [-d <another mailbox>]\n      \
                     What each needs to sign in is written at its top."
                ),
            ),
            (
                ICS_FILE_NAME,
                match (b.credential_expires_at(), super::reminder_lead_days(bundle)) {
                    (None, _) => "(none: this credential does not expire here)".to_owned(),
                    (Some(_), 0) => "a calendar reminder when the credential expires.".to_owned(),
                    (Some(_), lead) => format!(
                        "calendar reminders: {lead} days before the credential expires, and at \
                         expiry."
                    ),
                },
            ),
        ],
    );
    s.push_str(&renewal(b));
    s
}

/// What the vendor signs in with, for the README's table.
fn credential_rows(b: &super::BundleInput) -> Vec<(&'static str, String)> {
    use super::BundleCredential as C;
    match &b.credential {
        C::ClientSecret { id, expires_at, .. } => vec![
            (
                "Client secret VALUE",
                format!(
                    "the password (client_secret). NOT printed here: it is the field \
                     \"clientSecretValue\" of {JSON_FILE_NAME} (inside {AGE_FILE_NAME} when \
                     encrypted). Keep it private."
                ),
            ),
            (
                "Client secret ID",
                format!(
                    "{id} (keyId). NOT the secret and NOT a password: it only names the secret \
                     in Microsoft Entra (Certificates & secrets)."
                ),
            ),
            (
                "Client secret expires",
                format!("{} ({expires_at})", expires_at.to_human()),
            ),
        ],
        C::Certificate {
            thumbprint,
            thumbprint_sha256,
            expires_at,
        } => vec![
            (
                "Credential",
                "YOUR certificate: sign a client assertion (RFC 7523, PS256) with its private \
                 key; no secret exists in this tenant."
                    .to_owned(),
            ),
            ("Certificate thumbprint (SHA-1)", thumbprint.clone()),
            ("x5t#S256 of the assertion", thumbprint_sha256.clone()),
            (
                "Certificate expires",
                format!("{} ({expires_at})", expires_at.to_human()),
            ),
        ],
        C::Federated {
            name,
            issuer,
            subject,
            audience,
        } => vec![
            (
                "Credential",
                format!(
                    "a federated credential named \"{name}\": a token YOUR issuer makes is the \
                     client assertion; no secret exists."
                ),
            ),
            ("Issuer (iss)", issuer.clone()),
            ("Subject (sub)", subject.clone()),
            ("Audience (aud)", audience.clone()),
        ],
        C::VendorApp => vec![(
            "Credential",
            "YOUR app's own credential, from your tenant: nothing was made here, and nothing \
             secret was handed over. Sign in to THIS tenant's token endpoint (below)."
                .to_owned(),
        )],
    }
}

/// The README's last section: what happens before the credential stops working.
fn renewal(b: &super::BundleInput) -> String {
    use super::BundleCredential as C;
    match &b.credential {
        C::ClientSecret { id, expires_at, .. } => format!(
            "\nBEFORE THE SECRET EXPIRES ({})\n\n  1. The admin adds a new client secret to the app \
             registration \"{}\" (Entra admin center > App registrations > Certificates & \
             secrets > New client secret).\n  2. The vendor switches to the new secret value and \
             checks that mail is sent.\n  3. The admin deletes the old secret, ID {id}.\n",
            expires_at.date(),
            b.app_display_name,
        ),
        C::Certificate {
            thumbprint,
            expires_at,
            ..
        } => format!(
            "\nBEFORE THE CERTIFICATE EXPIRES ({})\n\n  1. The vendor makes a new certificate and \
             sends its public part to the admin.\n  2. The admin adds it to the app registration \
             \"{}\" (or runs mailgrant again with it); the vendor switches to the new key.\n  \
             3. The admin deletes the old certificate, thumbprint {thumbprint}.\n",
            expires_at.date(),
            b.app_display_name,
        ),
        C::Federated { .. } => "\nNOTHING EXPIRES HERE\n\n  The federated credential has no end date. \
             Tokens AADSTS70021 in the first minutes after set-up mean it is still spreading through \
             Microsoft Entra: try again a few minutes later.\n"
            .to_owned(),
        C::VendorApp => "\nNOTHING EXPIRES HERE\n\n  Your app's credential lives in your tenant. The \
             admin removes your access by deleting the enterprise application (or its Exchange role \
             assignment).\n"
            .to_owned(),
    }
}

fn write_rows(s: &mut String, rows: &[(&str, String)]) {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in rows {
        let _ = writeln!(s, "  {k:<width$}  {v}");
    }
}

/// `KEY=value` lines, unquoted, for `docker run --env-file` (which keeps quotes as part of the
/// value), systemd's `EnvironmentFile=` and dotenv libraries. **Contains the client secret value
/// in plain text.** `sh` reads [`render_sh`] instead.
///
/// A value can hold no line break or space: ids, addresses and URLs are validated types, the
/// secret is checked by [`Bundle::new`], and the display name — the only free text — is left out.
pub fn render_env(bundle: &Bundle) -> String {
    let mut s = header(bundle, "docker run --env-file mailgrant.env …");
    for (k, v) in env_vars(bundle) {
        let _ = writeln!(s, "{k}={v}");
    }
    s
}

/// `export KEY='value'` lines for POSIX `sh` (`. ./mailgrant.sh`). **Contains the client secret
/// value in plain text.** Single quotes keep `$`, `#`, `~` and backslashes literal; a single
/// quote inside a value (possible in an address) is written `'\''`.
pub fn render_sh(bundle: &Bundle) -> String {
    let mut s = header(bundle, ". ./mailgrant.sh");
    for (k, v) in env_vars(bundle) {
        let _ = writeln!(s, "export {k}='{}'", v.replace('\'', "'\\''"));
    }
    s
}

fn header(bundle: &Bundle, usage: &str) -> String {
    format!(
        "# mailgrant hand-off bundle ({BUNDLE_FORMAT}), made {} by mailgrant {}.\n\
         # Use: {usage}\n\
         # Contains the client secret VALUE: keep this file private.\n",
        bundle.fields().created_at,
        crate::VERSION
    )
}

fn env_vars(bundle: &Bundle) -> Vec<(&'static str, String)> {
    use super::BundleCredential as C;
    let b = bundle.fields();
    let e = &b.endpoints;
    let mut vars = vec![
        ("MAILGRANT_TENANT_ID", b.tenant_id.to_string()),
        ("MAILGRANT_CLIENT_ID", b.client_id.to_string()),
        ("MAILGRANT_CREDENTIAL_KIND", b.credential.kind().to_owned()),
    ];
    match &b.credential {
        C::ClientSecret {
            value,
            id,
            expires_at,
        } => vars.extend([
            (SECRET_ENV_VAR, value.expose_secret().to_owned()),
            ("MAILGRANT_CLIENT_SECRET_ID", id.to_string()),
            ("MAILGRANT_CLIENT_SECRET_EXPIRES_AT", expires_at.to_string()),
        ]),
        C::Certificate {
            thumbprint,
            thumbprint_sha256,
            expires_at,
        } => vars.extend([
            ("MAILGRANT_CERTIFICATE_THUMBPRINT", thumbprint.clone()),
            ("MAILGRANT_CERTIFICATE_X5T_S256", thumbprint_sha256.clone()),
            ("MAILGRANT_CERTIFICATE_EXPIRES_AT", expires_at.to_string()),
        ]),
        C::Federated {
            issuer,
            subject,
            audience,
            ..
        } => vars.extend([
            ("MAILGRANT_FEDERATED_ISSUER", issuer.clone()),
            ("MAILGRANT_FEDERATED_SUBJECT", subject.clone()),
            ("MAILGRANT_FEDERATED_AUDIENCE", audience.clone()),
        ]),
        C::VendorApp => {}
    }
    vars.extend([
        (
            "MAILGRANT_MAILBOX_OBJECT_ID",
            b.mailbox_object_id.to_string(),
        ),
        (
            "MAILGRANT_MAILBOX_ADDRESS",
            b.mailbox_address.as_str().to_owned(),
        ),
        ("MAILGRANT_TOKEN_ENDPOINT", e.token_endpoint().to_owned()),
        ("MAILGRANT_TOKEN_SCOPE", e.token_scope()),
        ("MAILGRANT_GRAPH_BASE_URL", e.graph_base_url().to_owned()),
        (
            "MAILGRANT_SCOPE_MODE",
            b.mailbox_scope.mode.as_config_str().to_owned(),
        ),
    ]);
    vars
}
