//! Exchange Online PowerShell generation. All quoting happens in one place: [`quote()`].
//!
//! Microsoft Graph (beta) can make the Exchange RBAC-for-Applications role assignment, which the
//! page then does itself; the RBAC script checks it, or, when the beta endpoint refused, makes
//! it. Application Access Policies have no Graph API at all, so in that mode the script comes
//! first and prints a code the admin types back before the page grants Mail.Send. [`setup_script`] writes it
//! from the applied plan's real ids; [`rollback_script`] writes the matching undo script;
//! [`download_bytes`] encodes either for a `.ps1` download.
//!
//! Both scripts:
//! - run in a fresh `pwsh` or Windows PowerShell 5.1 session with only the
//!   `ExchangeOnlineManagement` module (`#Requires -Modules ExchangeOnlineManagement`);
//! - declare every value once, at the top, as `$Name = '<literal>'`; all later code refers to
//!   those variables, so no value is ever part of code or of a comment;
//! - guard every `New-*`/`Remove-*` with the matching `Get-*` (idempotent: run twice, change once);
//! - compare the `Test-*` results with the expectation and end with one `PASS:` or `FAIL:` line.
//!
//! Only validated types reach the generator ([`crate::ids`] and [`DisplayText`]). The tests read
//! the scripts back with the dev-only crate `pscheck` (tokenizer, command parser, cmdlet checker
//! against Microsoft's cmdlet reference) to prove the quoting and every cmdlet call.

mod aap;
mod confirm;
mod input_text;
mod quote;
mod rbac;
mod script;
mod text;

pub use confirm::{code_for, code_matches, confirmation_code, policy_scope};
pub use quote::{is_double_quote, is_single_quote, quote};
pub use text::{DisplayText, TextError, MAX_DISPLAY_TEXT_CHARS};

use crate::config::ScopeMode;
use crate::ids::{ClientId, ObjectId, SmtpAddress, TenantId};

/// Exchange Online's `Name` limit for groups, management scopes and role assignments.
pub const MAX_EXCHANGE_NAME_CHARS: usize = 64;

/// The Microsoft 365 cloud (national cloud) the tenant lives in. It decides
/// `Connect-ExchangeOnline -ExchangeEnvironmentName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// Worldwide (commercial) Microsoft 365.
    Global,
    /// US Government Community Cloud ("GCC", moderate). It uses the worldwide Exchange Online
    /// endpoint, so no environment name is passed.
    UsGovGcc,
    /// GCC High: `O365USGovGCCHigh`.
    UsGovGccHigh,
    /// US Department of Defense: `O365USGovDoD`.
    UsGovDod,
    /// Microsoft 365 operated by 21Vianet: `O365China`.
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 5] = [
        Cloud::Global,
        Cloud::UsGovGcc,
        Cloud::UsGovGccHigh,
        Cloud::UsGovDod,
        Cloud::China,
    ];

    /// The `-ExchangeEnvironmentName` value, or `None` for the default endpoint
    /// (`O365Default`), which Global and GCC (moderate) use. `O365GermanyCloud` is not offered:
    /// Microsoft Cloud Deutschland was closed in 2021.
    pub fn exchange_environment_name(self) -> Option<&'static str> {
        match self {
            Cloud::Global | Cloud::UsGovGcc => None,
            Cloud::UsGovGccHigh => Some("O365USGovGCCHigh"),
            Cloud::UsGovDod => Some("O365USGovDoD"),
            Cloud::China => Some("O365China"),
        }
    }

    /// A short name for people.
    pub fn title(self) -> &'static str {
        match self {
            Cloud::Global => "worldwide",
            Cloud::UsGovGcc => "US Government GCC",
            Cloud::UsGovGccHigh => "US Government GCC High",
            Cloud::UsGovDod => "US Government DoD",
            Cloud::China => "China (21Vianet)",
        }
    }
}

/// Which mailboxes the app may send as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeTarget {
    /// Exactly the one mailbox of [`ScriptInput::mailbox`]. RBAC: a management scope with
    /// `ExternalDirectoryObjectId -eq '<mailbox object id>'`. Application Access Policy: the
    /// mailbox itself as `-PolicyScopeGroupId` (Exchange accepts a user mailbox or mail user
    /// there, not a shared mailbox: the plan scopes a shared mailbox through a new group).
    OneMailbox,
    /// The members of an existing mail-enabled security group, chosen by its address. The
    /// script checks that it is one and whether the mailbox is a direct member; it never
    /// changes the group (adding the mailbox could widen other apps' access).
    ExistingGroup { address: SmtpAddress },
    /// A new mail-enabled security group with the mailbox as its only member
    /// (`New-DistributionGroup -Type Security -Members`). RBAC then scopes by
    /// `MemberOfGroup -eq '<the group's DN>'`, read at run time.
    NewGroup {
        name: DisplayText,
        address: SmtpAddress,
    },
}

/// Everything the scripts need, from the applied plan. All validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInput {
    pub tenant_id: TenantId,
    pub cloud: Cloud,
    /// The Exchange administrator who runs the script (`Connect-ExchangeOnline -UserPrincipalName`).
    pub admin_upn: SmtpAddress,
    /// The application (client) id of the app registration.
    pub client_id: ClientId,
    /// The object id of the app's service principal (Enterprise application), not of the app
    /// registration.
    pub service_principal_id: ObjectId,
    pub app_display_name: DisplayText,
    /// The Entra object id of the mailbox's user object.
    pub mailbox_object_id: ObjectId,
    /// The mailbox's primary SMTP address.
    pub mailbox: SmtpAddress,
    /// A mailbox the app must NOT reach; tested when given.
    pub denied_mailbox: Option<SmtpAddress>,
    pub mode: ScopeMode,
    pub target: ScopeTarget,
    /// The Application Access Policy's `-Description`; a default naming the app when `None`.
    /// Unused in RBAC mode.
    pub description: Option<DisplayText>,
    /// RBAC mode: the page made the Exchange role assignment through Microsoft Graph, so the
    /// setup script only checks it (and makes no management scope or assignment of its own).
    pub exchange_applied: bool,
}

/// Why no script can be written for an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    #[error("the mailbox that must be denied ({0}) is the mailbox being granted; name a different mailbox")]
    DeniedMailboxIsGranted(String),
    #[error("the group address {0} is the mailbox's own address; a group needs its own address")]
    GroupAddressIsMailbox(String),
    #[error("the group name has {len} characters; Exchange allows at most {max}")]
    GroupNameTooLong { len: usize, max: usize },
}

/// Checks a scope against the mailbox it is for. The wizard calls it when the admin chooses the
/// scope, before anything is written; the scripts check again.
pub fn check_scope(
    mailbox: &SmtpAddress,
    target: &ScopeTarget,
    denied: Option<&SmtpAddress>,
) -> Result<(), ScriptError> {
    let same = |a: &SmtpAddress, b: &SmtpAddress| a.as_str().eq_ignore_ascii_case(b.as_str());
    if let Some(denied) = denied {
        if same(denied, mailbox) {
            return Err(ScriptError::DeniedMailboxIsGranted(denied.to_string()));
        }
    }
    match target {
        ScopeTarget::OneMailbox => {}
        ScopeTarget::ExistingGroup { address } => {
            if same(address, mailbox) {
                return Err(ScriptError::GroupAddressIsMailbox(address.to_string()));
            }
        }
        ScopeTarget::NewGroup { name, address } => {
            if same(address, mailbox) {
                return Err(ScriptError::GroupAddressIsMailbox(address.to_string()));
            }
            let len = name.char_count();
            if len > MAX_EXCHANGE_NAME_CHARS {
                return Err(ScriptError::GroupNameTooLong {
                    len,
                    max: MAX_EXCHANGE_NAME_CHARS,
                });
            }
        }
    }
    Ok(())
}

impl ScriptInput {
    fn validate(&self) -> Result<(), ScriptError> {
        check_scope(&self.mailbox, &self.target, self.denied_mailbox.as_ref())
    }
}

/// The setup script (`\n` line endings; see [`download_bytes`]).
pub fn setup_script(input: &ScriptInput) -> Result<String, ScriptError> {
    input.validate()?;
    Ok(match input.mode {
        ScopeMode::RbacForApplications => rbac::setup(input),
        ScopeMode::ApplicationAccessPolicy => aap::setup(input),
    })
}

/// The rollback script: the setup script's `New-*` undone with `Remove-*` in reverse order,
/// each guarded by a `Get-*`.
pub fn rollback_script(input: &ScriptInput) -> Result<String, ScriptError> {
    input.validate()?;
    Ok(match input.mode {
        ScopeMode::RbacForApplications => rbac::rollback(input),
        ScopeMode::ApplicationAccessPolicy => aap::rollback(input),
    })
}

/// A file name for the download, e.g. `mailgrant-rbac-setup-<client id>.ps1`.
pub fn file_name(input: &ScriptInput, rollback: bool) -> String {
    let mode = match input.mode {
        ScopeMode::RbacForApplications => "rbac",
        ScopeMode::ApplicationAccessPolicy => "aap",
    };
    let kind = if rollback { "rollback" } else { "setup" };
    format!("mailgrant-{mode}-{kind}-{}.ps1", input.client_id)
}

/// The bytes of a `.ps1` download: UTF-8 with a byte-order mark and CRLF line endings, so that
/// Windows PowerShell 5.1 reads non-ASCII names correctly (without a BOM it assumes the ANSI
/// code page).
pub fn download_bytes(script: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(script.len() + script.len() / 20 + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let mut chars = script.chars().peekable();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.extend_from_slice(b"\r\n");
            }
            '\n' => out.extend_from_slice(b"\r\n"),
            _ => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    out
}
