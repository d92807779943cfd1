//! The confirmation code of the legacy (Application Access Policy) script. The script prints it
//! after PASS; the admin types it into the page, which grants Microsoft Graph's `Mail.Send` only
//! then. So the grant never comes before the policy that narrows it: the code proves that this
//! script, for this app and this scope, ran to the end.
//!
//! The code is the first four bytes of SHA-256 over `mailgrant:<app id>:<policy scope, lower
//! case>` in hex, as `XXXX-XXXX`. The script computes it at run time (it is not a literal in the
//! script), the page computes the same here.

use sha2::{Digest, Sha256};

use super::{ScopeTarget, ScriptInput};
use crate::ids::{ClientId, SmtpAddress};

/// `-PolicyScopeGroupId` of the policy: the group, or for one mailbox the mailbox itself.
pub fn policy_scope<'a>(mailbox: &'a SmtpAddress, target: &'a ScopeTarget) -> &'a str {
    match target {
        ScopeTarget::OneMailbox => mailbox.as_str(),
        ScopeTarget::ExistingGroup { address } | ScopeTarget::NewGroup { address, .. } => {
            address.as_str()
        }
    }
}

/// The code the script prints after PASS.
pub fn confirmation_code(app_id: ClientId, policy_scope: &str) -> String {
    let digest = Sha256::digest(format!(
        "mailgrant:{app_id}:{}",
        // ASCII only (an `SmtpAddress` is), so this is PowerShell's ToLowerInvariant, without
        // Unicode's case tables in the page.
        policy_scope.to_ascii_lowercase()
    ));
    let hex: String = digest[..4].iter().map(|b| format!("{b:02X}")).collect();
    format!("{}-{}", &hex[..4], &hex[4..])
}

/// Whether a typed code is `expected` (spaces, dashes and case do not matter).
pub fn code_matches(typed: &str, expected: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    !typed.trim().is_empty() && norm(typed) == norm(expected)
}

/// The script lines after PASS that compute and print the code (from `$AppId` and
/// `$PolicyScope`, the values block's).
pub(super) const PRINT_CODE: &[&str] = &[
    "$CodeBytes = [System.Text.Encoding]::UTF8.GetBytes('mailgrant:' + $AppId + ':' + $PolicyScope.ToLowerInvariant())",
    "$CodeHash = [System.Security.Cryptography.SHA256]::Create().ComputeHash($CodeBytes)",
    "$CodeHigh = ($CodeHash[0..1] | ForEach-Object { $_.ToString('X2') }) -join ''",
    "$CodeLow = ($CodeHash[2..3] | ForEach-Object { $_.ToString('X2') }) -join ''",
    "$ConfirmationCode = $CodeHigh + '-' + $CodeLow",
    "Write-Host ('Confirmation code for the mailgrant page: ' + $ConfirmationCode) -ForegroundColor Green",
    "Write-Host 'Type it on the page: only then does it grant the app Microsoft Graph''s Mail.Send.'",
];

/// The code for a script's input.
pub fn code_for(input: &ScriptInput) -> String {
    confirmation_code(input.client_id, policy_scope(&input.mailbox, &input.target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_sha256_of_app_and_scope() {
        // python3: hashlib.sha256(b'mailgrant:11111111-2222-3333-4444-555555555555:invoices@contoso.example')
        let app = ClientId::parse("11111111-2222-3333-4444-555555555555").unwrap();
        assert_eq!(
            confirmation_code(app, "Invoices@Contoso.example"),
            "ED91-B34A"
        );
        for (typed, ok) in [
            ("ED91-B34A", true),
            ("ed91b34a", true),
            (" ed91 b34a ", true),
            ("ED91-B34B", false),
            ("", false),
        ] {
            assert_eq!(code_matches(typed, "ED91-B34A"), ok, "{typed:?}");
        }
    }
}
