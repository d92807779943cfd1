//! The rotation reminder: an RFC 5545 calendar with an event
//! [`REMINDER_DAYS_BEFORE_EXPIRY`] days before the client secret (or the vendor's certificate)
//! expires and one at expiry. A federated credential or the vendor's own app does not expire
//! here, so it has no reminder.

use super::{Bundle, BundleCredential, UtcDateTime};

/// How long before the secret's expiry the first reminder falls.
pub const REMINDER_DAYS_BEFORE_EXPIRY: i64 = 30;

/// How many days before expiry the first reminder falls: [`REMINDER_DAYS_BEFORE_EXPIRY`], or
/// half the secret's lifetime (whole days) when it is that short, so the reminder is never
/// before the bundle was made. 0 (no early reminder) for a lifetime under two days.
pub fn reminder_lead_days(bundle: &Bundle) -> i64 {
    let b = bundle.fields();
    let expires = b.credential_expires_at().unwrap_or(b.created_at);
    let lifetime_days = (expires.unix_seconds() - b.created_at.unix_seconds()) / 86_400;
    if lifetime_days > REMINDER_DAYS_BEFORE_EXPIRY {
        REMINDER_DAYS_BEFORE_EXPIRY
    } else {
        lifetime_days / 2
    }
}

/// `rotate-client-secret.ics` (or `renew-certificate.ics`): an event [`reminder_lead_days`]
/// (normally 30) days before the credential expires and one at expiry; `None` for a credential
/// that does not expire here. `dtstamp` is when the file is made (the caller's clock); it is
/// usually the bundle's `created_at`. No secret value is in it.
pub fn render_ics(bundle: &Bundle, dtstamp: UtcDateTime) -> Option<String> {
    let b = bundle.fields();
    let expiry = b.credential_expires_at()?;
    let lead = reminder_lead_days(bundle);
    // The years 0000–9999 minus 30 days still fit unless the expiry is in January of year 0.
    let reminder = expiry.plus_days(-lead).unwrap_or(expiry);
    let (thing, uid, steps) = match &b.credential {
        BundleCredential::Certificate { thumbprint, .. } => (
            "the vendor's certificate",
            thumbprint.clone(),
            format!(
                "What to do:\n\
                 1. Vendor: make a new certificate and send its public part (never its private \
                 key) to the admin.\n\
                 2. Admin: run mailgrant again with it, or add it in the Microsoft Entra admin \
                 center under App registrations > \"{app}\" > Certificates & secrets; the vendor \
                 switches to the new key and checks that mail is sent.\n\
                 3. Admin: delete the old certificate, thumbprint {thumbprint}.",
                app = b.app_display_name,
            ),
        ),
        BundleCredential::ClientSecret { id, .. } => (
            "the client secret",
            id.to_string(),
            format!(
                "What to do:\n\
                 1. Admin: in the Microsoft Entra admin center open App registrations > \"{app}\" > \
                 Certificates & secrets and add a new client secret (or run mailgrant again for a new \
                 hand-off bundle).\n\
                 2. Give the new secret value to the vendor the same secure way as before; the vendor \
                 switches to it and checks that mail is sent.\n\
                 3. Admin: delete the old client secret, ID {id} (the secret ID, not its value).",
                app = b.app_display_name,
            ),
        ),
        BundleCredential::Federated { .. } | BundleCredential::VendorApp => return None,
    };
    let what = format!(
        "{thing} of the app \"{app}\" (client ID {client}, tenant {tenant}), which \
         lets the vendor send mail as {mailbox}",
        app = b.app_display_name,
        client = b.client_id,
        tenant = b.tenant_id,
        mailbox = b.mailbox_address,
    );
    let noun = if thing.contains("certificate") {
        "certificate"
    } else {
        "client secret"
    };

    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:-//mailgrant//mailgrant {}//EN", crate::VERSION),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
    ];
    let events = [
        (
            "rotate",
            reminder,
            format!(
                "Renew the {noun} of \"{}\" ({lead} days left)",
                b.app_display_name
            ),
            format!(
                "In {lead} days, at {}, {what} expires. After that the vendor can no longer \
                 send mail.\n\n{steps}",
                expiry.to_human()
            ),
        ),
        (
            "expired",
            expiry,
            format!("The {noun} of \"{}\" expires now", b.app_display_name),
            format!(
                "Now ({}) {what} expires: the vendor can no longer get tokens or send mail \
                 with it. If it has not been rotated yet, do it now.\n\n{steps}",
                expiry.to_human()
            ),
        ),
    ];
    for (kind, start, summary, description) in events {
        if kind == "rotate" && lead == 0 {
            continue;
        }
        lines.extend([
            "BEGIN:VEVENT".into(),
            format!("UID:{uid}-{kind}@mailgrant"),
            format!("DTSTAMP:{}", dtstamp.to_ical()),
            format!("DTSTART:{}", start.to_ical()),
            "DURATION:PT30M".into(),
            format!("SUMMARY:{}", escape_text(&summary)),
            format!("DESCRIPTION:{}", escape_text(&description)),
            "TRANSP:TRANSPARENT".into(),
            "BEGIN:VALARM".into(),
            "ACTION:DISPLAY".into(),
            "TRIGGER:PT0S".into(),
            format!("DESCRIPTION:{}", escape_text(&summary)),
            "END:VALARM".into(),
            "END:VEVENT".into(),
        ]);
    }
    lines.push("END:VCALENDAR".into());

    let mut out = String::new();
    for line in lines {
        fold_into(&mut out, &line);
    }
    Some(out)
}

/// RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped, line breaks as `\n`.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded per RFC 5545 §3.1: at most 75 octets a line, never inside a UTF-8
/// character, continuation lines starting with a space, every line ended by CRLF.
fn fold_into(out: &mut String, line: &str) {
    const MAX: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(60));
        fold_into(&mut out, &line);
        for l in out.split_terminator("\r\n") {
            assert!(l.len() <= 75, "{l:?} has {} octets", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(escape_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
