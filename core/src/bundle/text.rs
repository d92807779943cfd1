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
    let rows: [(&str, String); 7] = [
        ("Tenant (directory) ID", b.tenant_id.to_string()),
        ("Client (application) ID", b.client_id.to_string()),
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
                "{} (keyId). NOT the secret and NOT a password: it only names the secret \
                 in Microsoft Entra (Certificates & secrets).",
                b.client_secret_id
            ),
        ),
        (
            "Client secret expires",
            format!(
                "{} ({})",
                b.client_secret_expires_at.to_human(),
                b.client_secret_expires_at
            ),
        ),
        ("Token endpoint", e.token_endpoint().to_owned()),
        ("Token scope", e.token_scope()),
    ];
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
            ("App registration object ID", b.app_object_id.to_string()),
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
                "the bundle as JSON (with the secret value). Store it in your secret store, \
                 then delete it."
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
                     Both read the secret from the bundle file or the environment variable \
                     {SECRET_ENV_VAR}."
                ),
            ),
            (
                ICS_FILE_NAME,
                match super::reminder_lead_days(bundle) {
                    0 => "a calendar reminder when the secret expires.".to_owned(),
                    lead => format!(
                        "calendar reminders: {lead} days before the secret expires, and at \
                         expiry."
                    ),
                },
            ),
        ],
    );

    let _ = writeln!(
        s,
        "\nBEFORE THE SECRET EXPIRES ({})\n",
        b.client_secret_expires_at.date()
    );
    let _ = writeln!(
        s,
        "  1. The admin adds a new client secret to the app registration \"{}\" (Entra admin \
         center > App registrations > Certificates & secrets > New client secret).\n  \
         2. The vendor switches to the new secret value and checks that mail is sent.\n  \
         3. The admin deletes the old secret, ID {}.",
        b.app_display_name, b.client_secret_id
    );
    s
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

fn env_vars(bundle: &Bundle) -> [(&'static str, String); 11] {
    let b = bundle.fields();
    let e = &b.endpoints;
    [
        ("MAILGRANT_TENANT_ID", b.tenant_id.to_string()),
        ("MAILGRANT_CLIENT_ID", b.client_id.to_string()),
        (
            SECRET_ENV_VAR,
            b.client_secret_value.expose_secret().to_owned(),
        ),
        ("MAILGRANT_CLIENT_SECRET_ID", b.client_secret_id.to_string()),
        (
            "MAILGRANT_CLIENT_SECRET_EXPIRES_AT",
            b.client_secret_expires_at.to_string(),
        ),
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
    ]
}
