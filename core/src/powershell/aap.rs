//! Application Access Policy (the vendor article's path, legacy): the app keeps its Entra
//! `Mail.Send` application permission and `New-ApplicationAccessPolicy -AccessRight
//! RestrictAccess` narrows it to a mail-enabled security group (or to one user mailbox).
//! Microsoft says not to create new policies; the script warns.

use super::confirm::{policy_scope, PRINT_CODE};
use super::script::{
    begin, common_values, connect, finish, group_rollback_step, group_step, Script, Var,
    PROPAGATION,
};
use super::{ScopeTarget, ScriptInput};

const TEST_HELPER: &[&str] = &[
    "function Test-AccessGranted {",
    "    # True when Test-ApplicationAccessPolicy reports AccessCheckResult Granted for $Mailbox.",
    "    param([Parameter(Mandatory = $true)][string] $Mailbox)",
    "    $Result = Test-ApplicationAccessPolicy -Identity $Mailbox -AppId $AppId",
    "    $Result | Format-List AppId, Mailbox, AccessCheckResult | Out-String | Write-Host",
    "    return ([string]$Result.AccessCheckResult -eq 'Granted')",
    "}",
];

const NOT_RECOMMENDED: &str = "Write-Warning 'Microsoft says not to create new Application Access Policies: they are replaced by RBAC for Applications and will eventually need migration. Prefer the RBAC for Applications script of the mailgrant page.'";

fn policy_values(input: &ScriptInput) -> Vec<Var> {
    let description = match &input.description {
        Some(d) => d.as_str().to_owned(),
        // It names the scope: a re-run tells its own policy from one with another scope by it.
        None => format!(
            "mailgrant: restricts {} to {}",
            input.app_display_name,
            policy_scope(&input.mailbox, &input.target)
        ),
    };
    vec![
        Var::new("PolicyDescription", description, ""),
        Var::new(
            "PolicyScope",
            policy_scope(&input.mailbox, &input.target),
            "-PolicyScopeGroupId: the group (or user mailbox) the app is restricted to",
        ),
    ]
}

pub(super) fn setup(input: &ScriptInput) -> String {
    let mut s = Script::default();
    begin(
        &mut s,
        "Restricts one app to one mailbox with an Exchange Online Application Access Policy (legacy).",
        &[
            "Microsoft now says: do not create new Application Access Policies; they are replaced by",
            "RBAC for Applications. Use this only if RBAC for Applications is not an option.",
            "",
            "The app needs the Microsoft Graph Mail.Send application permission in Microsoft Entra ID,",
            "which the policy narrows. Run this script FIRST: the mailgrant page grants Mail.Send only",
            "after this script printed PASS and you typed the confirmation code it prints, so the app",
            "never holds Mail.Send without the policy. Creates (if missing) the mail-enabled security",
            "group, then the policy (New-ApplicationAccessPolicy -AccessRight RestrictAccess), then",
            "tests it with Test-ApplicationAccessPolicy and prints PASS or FAIL, and the code.",
        ],
        &[],
    );
    let mut vars = common_values(input);
    vars.extend(policy_values(input));
    s.values(&vars);
    s.blank();
    s.lines(TEST_HELPER);
    s.blank();
    s.line(NOT_RECOMMENDED);
    connect(&mut s, input);

    if input.target == ScopeTarget::OneMailbox {
        s.line("# The mailbox itself is the policy scope. Exchange accepts a user mailbox or mail user there,");
        s.line("# not a shared mailbox (the mailgrant page scopes a shared mailbox through a group instead).");
        s.blank();
    }
    group_step(&mut s, &input.target, "Step 1");

    s.line("# Step 2: the application access policy. One the app already has is this script's for this");
    s.line("# scope only if its description says so. Any other could let the app reach other mailboxes:");
    s.line("# it is named for removal once this one is in place (then the app stays restricted).");
    s.line("$Policy = @(Get-ApplicationAccessPolicy | Where-Object { $_.AppId -eq $AppId })");
    s.line("$Own = @($Policy | Where-Object { [string]$_.AccessRight -eq 'RestrictAccess' -and [string]$_.Description -eq $PolicyDescription })");
    s.line("$Other = @($Policy | Where-Object { -not ([string]$_.AccessRight -eq 'RestrictAccess' -and [string]$_.Description -eq $PolicyDescription) })");
    s.open("if ($Own.Count -gt 0) {");
    s.line("Write-Host ('[skip] App ' + $AppId + ' already has this script''s application access policy for ' + $PolicyScope + '.')");
    s.reopen("} else {");
    s.line("New-ApplicationAccessPolicy -AppId $AppId -PolicyScopeGroupId $PolicyScope -AccessRight RestrictAccess -Description $PolicyDescription | Out-Null");
    s.line("Write-Host ('[done] Restricted app ' + $AppId + ' to ' + $PolicyScope + '.')");
    s.close("}");
    s.open("foreach ($P in $Other) {");
    s.line("Write-Host ('[FAIL] App ' + $AppId + ' also has an application access policy this script did not make for this scope: ' + [string]$P.ScopeName + ' (' + [string]$P.AccessRight + '), identity ' + [string]$P.Identity + '. It can let the app reach other mailboxes. With this script''s policy in place, removing it keeps the app restricted: run Remove-ApplicationAccessPolicy -Identity with that identity, then run this script again.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");
    s.blank();

    s.line("# Step 3: test. Test-ApplicationAccessPolicy reads the configuration directly.");
    s.open("if (Test-AccessGranted -Mailbox $MailboxAddress) {");
    s.line("Write-Host ('[pass] ' + $MailboxAddress + ': Granted, as expected.')");
    s.reopen("} else {");
    s.line("Write-Host ('[FAIL] ' + $MailboxAddress + ' should be Granted but is not.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");
    if input.denied_mailbox.is_some() {
        s.open("if (Test-AccessGranted -Mailbox $DeniedMailbox) {");
        s.line("Write-Host ('[FAIL] ' + $DeniedMailbox + ' is Granted but must be Denied.') -ForegroundColor Red");
        s.line("$Failed = $true");
        s.reopen("} else {");
        s.line("Write-Host ('[pass] ' + $DeniedMailbox + ': Denied, as expected.')");
        s.close("}");
    } else {
        s.line("Write-Host '[note] No mailbox that must be refused was named, so the restriction itself was not tested.'");
    }

    finish(
        &mut s,
        "the Application Access Policy is configured as expected.",
        "the configuration is not as expected; read the [FAIL] lines above.",
        PROPAGATION,
    );
    s.lines(PRINT_CODE);
    s.finish()
}

pub(super) fn rollback(input: &ScriptInput) -> String {
    let mut s = Script::default();
    begin(
        &mut s,
        "Undoes the mailgrant Application Access Policy setup for one app.",
        &[
            "Removes the app's application access policies and, if the setup created a group, the",
            "mailbox's membership in it. Then checks that no policy for the app is left.",
            "",
            "Order matters: while the app still holds the Microsoft Graph Mail.Send application",
            "permission, removing its policy lets it send as EVERY mailbox. So first delete the app",
            "registration or revoke that permission in Microsoft Entra ID (the mailgrant page's rollback",
            "does that), then run this script with -MailSendRevoked.",
        ],
        &[
            "param(",
            "    # Confirms that the app's Microsoft Graph Mail.Send permission is revoked or the app deleted.",
            "    [switch] $MailSendRevoked",
            ")",
        ],
    );
    let mut vars = common_values(input);
    vars.extend(policy_values(input));
    s.values(&vars);
    s.blank();
    s.open("if (-not $MailSendRevoked) {");
    s.line("Write-Host 'Not removing anything: while the app holds the Microsoft Graph Mail.Send application permission,' -ForegroundColor Yellow");
    s.line("Write-Host 'removing its policy lets it send as every mailbox. Delete the app registration or revoke that' -ForegroundColor Yellow");
    s.line("Write-Host 'permission in Microsoft Entra ID first, then run this script again with -MailSendRevoked.' -ForegroundColor Yellow");
    s.line("exit 2");
    s.close("}");
    connect(&mut s, input);

    s.line("# Step 1: the application access policies of this app.");
    s.line("$Policies = @(Get-ApplicationAccessPolicy | Where-Object { $_.AppId -eq $AppId })");
    s.open("if ($Policies.Count -gt 0) {");
    s.open("foreach ($Policy in $Policies) {");
    s.line("Remove-ApplicationAccessPolicy -Identity $Policy.Identity -Confirm:$false");
    s.line("Write-Host ('[done] Removed the application access policy ' + [string]$Policy.Identity + '.')");
    s.close("}");
    s.reopen("} else {");
    s.line("Write-Host ('[skip] App ' + $AppId + ' has no application access policy.')");
    s.close("}");
    s.blank();

    group_rollback_step(&mut s, &input.target, "Step 2");

    s.line("# Check: no policy for this app is left.");
    s.open("if (Get-ApplicationAccessPolicy | Where-Object { $_.AppId -eq $AppId }) {");
    s.line("Write-Host ('[FAIL] App ' + $AppId + ' still has an application access policy.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");

    finish(
        &mut s,
        "the Application Access Policy setup of this app is removed.",
        "something is left; read the [FAIL] lines above and run this script again.",
        &[],
    );
    s.finish()
}
