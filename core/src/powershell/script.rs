//! The script writer and the sections both modes share. Template text here is fixed; input
//! values only ever enter through [`Script::values`], which passes each through [`quote`].

use super::quote::quote;
use super::{ScopeTarget, ScriptInput};

/// The Exchange application role that matches Microsoft Graph's `Mail.Send`.
pub(super) const MAIL_SEND_ROLE: &str = "Application Mail.Send";
/// Microsoft Graph's `Mail.Send` application permission (app role) id.
pub(super) const GRAPH_MAIL_SEND_APP_ROLE_ID: &str = "b633e1c5-b582-4048-a93e-9f11b44c7e96";

/// One `$Name = '<value>'` line of the values block.
pub(super) struct Var {
    pub name: &'static str,
    /// The raw value; quoted when written.
    pub value: String,
    pub comment: &'static str,
}

impl Var {
    pub fn new(name: &'static str, value: impl Into<String>, comment: &'static str) -> Self {
        Var {
            name,
            value: value.into(),
            comment,
        }
    }
}

/// Builds a script line by line with four-space indentation and `\n` endings.
#[derive(Default)]
pub(super) struct Script {
    out: String,
    indent: usize,
}

impl Script {
    pub fn line(&mut self, text: &str) {
        if !text.is_empty() {
            for _ in 0..self.indent {
                self.out.push_str("    ");
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    pub fn lines(&mut self, texts: &[&str]) {
        for t in texts {
            self.line(t);
        }
    }

    pub fn blank(&mut self) {
        self.out.push('\n');
    }

    /// Writes `text` (ending in `{`) and indents what follows.
    pub fn open(&mut self, text: &str) {
        self.line(text);
        self.indent += 1;
    }

    /// Unindents, writes `text` (e.g. `} else {`) and indents again.
    pub fn reopen(&mut self, text: &str) {
        self.indent = self.indent.saturating_sub(1);
        self.line(text);
        self.indent += 1;
    }

    /// Unindents and writes `text` (starting with `}`).
    pub fn close(&mut self, text: &str) {
        self.indent = self.indent.saturating_sub(1);
        self.line(text);
    }

    /// Writes the values block: every value of the script, each in one single-quoted literal.
    pub fn values(&mut self, vars: &[Var]) {
        let width = vars.iter().map(|v| v.name.len()).max().unwrap_or(0);
        for v in vars {
            let assignment = format!("${:<width$} = {}", v.name, quote(&v.value));
            if v.comment.is_empty() {
                self.line(&assignment);
            } else {
                self.line(&format!("{assignment}  # {}", v.comment));
            }
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// `#Requires`, the comment-based help, an optional `param()` block and `Stop` on errors.
pub(super) fn begin(s: &mut Script, synopsis: &str, description: &[&str], param: &[&str]) {
    s.line("#Requires -Modules ExchangeOnlineManagement");
    s.line("<#");
    s.line(".SYNOPSIS");
    s.line(&format!("    {synopsis}"));
    s.line(".DESCRIPTION");
    for d in description {
        s.line(&if d.is_empty() {
            String::new()
        } else {
            format!("    {d}")
        });
    }
    s.blank();
    s.line(&format!(
        "    Written by mailgrant {}. Run it in a new PowerShell 7 (pwsh) or Windows PowerShell 5.1",
        crate::VERSION
    ));
    s.line("    window as an Exchange administrator (role group Organization Management). It needs only");
    s.line("    the ExchangeOnlineManagement module: Install-Module ExchangeOnlineManagement -Scope CurrentUser");
    s.line("    Save it and run the file (pasted into a console, its final exit would close the window).");
    s.line(
        "    If Windows refuses to run a downloaded script, read it, then run Unblock-File on it.",
    );
    s.line("    It is safe to run again: whatever already exists is left as it is and reported.");
    s.line("#>");
    if !param.is_empty() {
        s.lines(param);
    }
    s.line("$ErrorActionPreference = 'Stop'");
    s.blank();
}

/// The values every script declares, plus the target's.
pub(super) fn common_values(input: &ScriptInput) -> Vec<Var> {
    let mut vars = vec![
        Var::new(
            "TenantId",
            input.tenant_id.to_string(),
            "Microsoft Entra tenant id",
        ),
        Var::new(
            "AdminUpn",
            input.admin_upn.as_str(),
            "who signs in to Exchange Online",
        ),
        Var::new(
            "AppId",
            input.client_id.to_string(),
            "application (client) id",
        ),
        Var::new(
            "ServicePrincipalId",
            input.service_principal_id.to_string(),
            "object id of the app's service principal (Enterprise application)",
        ),
        Var::new("AppDisplayName", input.app_display_name.as_str(), ""),
        Var::new(
            "MailboxAddress",
            input.mailbox.as_str(),
            "the mailbox the app may send as",
        ),
        Var::new(
            "MailboxObjectId",
            input.mailbox_object_id.to_string(),
            "its Microsoft Entra object id",
        ),
    ];
    if let Some(denied) = &input.denied_mailbox {
        vars.push(Var::new(
            "DeniedMailbox",
            denied.as_str(),
            "a mailbox the app must NOT reach",
        ));
    }
    match &input.target {
        ScopeTarget::OneMailbox => {}
        ScopeTarget::ExistingGroup { address } => {
            vars.push(Var::new(
                "GroupAddress",
                address.as_str(),
                "the existing mail-enabled security group",
            ));
            vars.push(group_filter(address.as_str()));
        }
        ScopeTarget::NewGroup { name, address } => {
            vars.push(Var::new("GroupName", name.as_str(), "the group to create"));
            vars.push(Var::new("GroupAddress", address.as_str(), "its address"));
            vars.push(group_filter(address.as_str()));
        }
    }
    vars
}

/// `$GroupFilter`: an OPATH filter finding the group by address (quoted at both levels).
fn group_filter(address: &str) -> Var {
    Var::new(
        "GroupFilter",
        format!("PrimarySmtpAddress -eq {}", quote(address)),
        "OPATH filter",
    )
}

/// The connect line (with the national cloud's environment), the failure flag and `try {`.
pub(super) fn connect(s: &mut Script, input: &ScriptInput) {
    s.line("Write-Host ('Tenant ' + $TenantId + ', app ' + $AppDisplayName + ' (' + $AppId + ')')");
    let environment = input
        .cloud
        .exchange_environment_name()
        .map(|e| format!(" -ExchangeEnvironmentName {e}"))
        .unwrap_or_default();
    s.open("try {");
    s.line(&format!(
        "Connect-ExchangeOnline -UserPrincipalName $AdminUpn{environment} -ShowBanner:$false"
    ));
    s.reopen("} catch {");
    s.line("Write-Host ('FAIL: could not connect to Exchange Online: ' + ($_ | Out-String)) -ForegroundColor Red");
    s.line("exit 1");
    s.close("}");
    s.line("$Failed = $false");
    s.open("try {");
}

/// Closes the `try` (reporting any error, always disconnecting) and prints the verdict.
pub(super) fn finish(s: &mut Script, pass: &str, fail: &str, after: &[&str]) {
    s.reopen("} catch {");
    s.line("$Failed = $true");
    s.line("Write-Host ('[FAIL] Stopped by an error: ' + ($_ | Out-String)) -ForegroundColor Red");
    s.reopen("} finally {");
    s.line("Disconnect-ExchangeOnline -Confirm:$false");
    s.close("}");
    s.blank();
    s.lines(after);
    s.open("if ($Failed) {");
    s.line(&format!("Write-Host 'FAIL: {fail}' -ForegroundColor Red"));
    s.line("exit 1");
    s.close("}");
    s.line(&format!("Write-Host 'PASS: {pass}' -ForegroundColor Green"));
}

/// The propagation warning printed after the verdict of a setup script.
pub(super) const PROPAGATION: &[&str] = &[
    "Write-Host 'Note: the Test cmdlets read the configuration at once, but Exchange Online can take'",
    "Write-Host '30 minutes to 2 hours to enforce a change. Until then the app may still be refused (or allowed).'",
];

/// Step: find the group (by `$GroupFilter`), or create it for [`ScopeTarget::NewGroup`]; check
/// that it is a mail-enabled security group and whether the mailbox is a direct member.
/// Leaves the group in `$Group`. Writes nothing for [`ScopeTarget::OneMailbox`].
pub(super) fn group_step(s: &mut Script, target: &ScopeTarget, step: &str) {
    match target {
        ScopeTarget::OneMailbox => return,
        ScopeTarget::ExistingGroup { .. } => {
            s.line(&format!(
                "# {step}: the existing mail-enabled security group."
            ));
            s.line("$Group = Get-DistributionGroup -Filter $GroupFilter");
            s.open("if (-not $Group) {");
            s.line("throw ('No group with the address ' + $GroupAddress + ' was found in Exchange Online.')");
            s.close("}");
        }
        ScopeTarget::NewGroup { .. } => {
            s.line(&format!(
                "# {step}: a new mail-enabled security group with the mailbox as its member."
            ));
            s.line("$Group = Get-DistributionGroup -Filter $GroupFilter");
            s.open("if ($Group) {");
            s.line("# Made by an earlier run of this script, its only member is the mailbox. A group with other");
            s.line(
                "# members is someone else's: scoping the app to it would let it send as them too.",
            );
            s.line("$Others = @(Get-DistributionGroupMember -Identity $GroupAddress -ResultSize Unlimited | Where-Object { $_.ExternalDirectoryObjectId -ne $MailboxObjectId })");
            s.open("if ($Others.Count -gt 0) {");
            s.line("throw ('The group ' + $GroupAddress + ' already exists and has ' + $Others.Count + ' other member(s) than ' + $MailboxAddress + '. A new group was asked for, so the app is not scoped to it: it could send as those members too. Nothing was changed. On the mailgrant page, choose another address for the new group, or choose the existing group if all its members are meant.')");
            s.close("}");
            s.line("Write-Host ('[skip] The group ' + $GroupAddress + ' already exists, and nobody but ' + $MailboxAddress + ' is a member of it.')");
            s.reopen("} else {");
            s.line("$Group = New-DistributionGroup -Name $GroupName -Type Security -PrimarySmtpAddress $GroupAddress -Members $MailboxAddress");
            s.line("Write-Host ('[done] Created the mail-enabled security group ' + $GroupName + ' (' + $GroupAddress + ') with ' + $MailboxAddress + ' as its member.')");
            s.close("}");
        }
    }
    s.open("if ([string]$Group.RecipientTypeDetails -ne 'MailUniversalSecurityGroup') {");
    s.line("throw ('The group ' + $GroupAddress + ' is a ' + [string]$Group.RecipientTypeDetails + ', not a mail-enabled security group (MailUniversalSecurityGroup).')");
    s.close("}");
    s.line("$IsMember = Get-DistributionGroupMember -Identity $GroupAddress -ResultSize Unlimited | Where-Object { $_.ExternalDirectoryObjectId -eq $MailboxObjectId }");
    s.open("if ($IsMember) {");
    s.line("Write-Host ('[ok]   ' + $MailboxAddress + ' is a direct member of ' + $GroupAddress + '.')");
    s.reopen("} else {");
    s.line("Write-Warning ($MailboxAddress + ' is not a direct member of ' + $GroupAddress + '. This script does not change the membership of a group it finds (that could widen what other apps reach); add the mailbox yourself if that is intended. The test below shows the effect.')");
    s.close("}");
    s.blank();
}

/// Rollback step for [`ScopeTarget::NewGroup`]: take the mailbox out of the group the setup
/// created (the reverse of `-Members`); the group itself stays. Nothing for other targets: an
/// existing group was never changed.
pub(super) fn group_rollback_step(s: &mut Script, target: &ScopeTarget, step: &str) {
    match target {
        ScopeTarget::OneMailbox => {}
        ScopeTarget::ExistingGroup { .. } => {
            s.line(&format!(
                "# {step}: nothing; the setup script never changes an existing group."
            ));
            s.line("Write-Host ('[keep] The group ' + $GroupAddress + ' was not changed by the setup script and is left as it is.')");
            s.blank();
        }
        ScopeTarget::NewGroup { .. } => {
            s.line(&format!(
                "# {step}: the mailbox's membership in the group the setup script created."
            ));
            s.line("$Group = Get-DistributionGroup -Filter $GroupFilter");
            s.open("if ($Group) {");
            s.line("$IsMember = Get-DistributionGroupMember -Identity $GroupAddress -ResultSize Unlimited | Where-Object { $_.ExternalDirectoryObjectId -eq $MailboxObjectId }");
            s.open("if ($IsMember) {");
            s.line("Remove-DistributionGroupMember -Identity $GroupAddress -Member $MailboxAddress -BypassSecurityGroupManagerCheck -Confirm:$false");
            s.line("Write-Host ('[done] Removed ' + $MailboxAddress + ' from the group ' + $GroupAddress + '.')");
            s.reopen("} else {");
            s.line("Write-Host ('[skip] ' + $MailboxAddress + ' is not a member of ' + $GroupAddress + '.')");
            s.close("}");
            s.line("Write-Host ('[keep] The group ' + $GroupAddress + ' itself is left in place. If nothing else uses it, delete it with Remove-DistributionGroup.')");
            s.reopen("} else {");
            s.line("Write-Host ('[skip] The group ' + $GroupAddress + ' does not exist.')");
            s.close("}");
            s.blank();
        }
    }
}
