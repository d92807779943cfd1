//! RBAC for Applications (Microsoft's recommendation): an Exchange service principal pointer, a
//! management scope, and an `Application Mail.Send` role assignment over that scope.
//!
//! Targets: one mailbox → scope `ExternalDirectoryObjectId -eq '<mailbox object id>'`; an
//! existing group, or a new group created here → scope `MemberOfGroup -eq '<group DN>'`, the DN
//! read at run time with `Get-DistributionGroup` (Exchange requires the DN in that filter).

use super::quote::quote;
use super::script::{
    begin, common_values, connect, finish, group_rollback_step, group_step, Script, Var,
    GRAPH_MAIL_SEND_APP_ROLE_ID, MAIL_SEND_ROLE, PROPAGATION,
};
use super::{ScopeTarget, ScriptInput};

fn names(input: &ScriptInput) -> Vec<Var> {
    vec![
        Var::new("Role", MAIL_SEND_ROLE, "Exchange application role"),
        Var::new(
            "ScopeName",
            format!("mailgrant-scope-{}", input.client_id),
            "management scope created by this script",
        ),
        Var::new(
            "AssignmentName",
            format!("mailgrant-send-{}", input.client_id),
            "role assignment created by this script",
        ),
    ]
}

/// The display name of the Exchange service principal pointer the setup script makes. The
/// rollback removes a pointer only by this name: one made otherwise (the vendor's own app,
/// pointed to for other role assignments) is left, since its assignments would go with it.
fn pointer_name(input: &ScriptInput) -> Var {
    Var::new(
        "PointerName",
        format!("mailgrant: {}", input.app_display_name.as_str()),
        "Exchange service principal pointer made by the setup script",
    )
}

/// The `ConvertTo-OPathValue` helper: quotes a value read at run time (the group's DN) for an
/// OPATH filter with the same rule as [`quote`]: `'` and U+2018–U+201B doubled.
const OPATH_HELPER: &[&str] = &[
    "function ConvertTo-OPathValue {",
    "    # An OPATH string literal: doubles ' and the typographic single quotes U+2018-U+201B.",
    "    param([Parameter(Mandatory = $true)][string] $Value)",
    "    return '''' + ($Value -replace '[\\u0027\\u2018-\\u201B]', '$0$0') + ''''",
    "}",
];

const TEST_HELPER: &[&str] = &[
    "function Test-MailSendInScope {",
    "    # True when Exchange RBAC puts $Mailbox in the scope of the app's Application Mail.Send role.",
    "    param([Parameter(Mandatory = $true)][string] $Mailbox)",
    "    $Rows = Test-ServicePrincipalAuthorization -Identity $ServicePrincipalId -Resource $Mailbox",
    "    $Rows | Format-Table -AutoSize RoleName, InScope, AllowedResourceScope, ScopeType | Out-String | Write-Host",
    "    return [bool]($Rows | Where-Object { $_.RoleName -eq $Role -and [string]$_.InScope -eq 'True' })",
    "}",
];

/// The description of the setup script: what it creates, or (when the page made the role
/// assignment through Microsoft Graph) that it only checks.
fn setup_description(applied: bool) -> &'static [&'static str] {
    if applied {
        &[
            "The mailgrant page already assigned the Exchange role 'Application Mail.Send' to the app,",
            "scoped to the allowed mailbox(es), through Microsoft Graph. This script checks it: it makes",
            "sure Exchange has the app's service principal pointer (New-ServicePrincipal), tests the",
            "scope with Test-ServicePrincipalAuthorization and prints PASS or FAIL. It creates no",
            "management scope and no second role assignment.",
            "",
            "The app must NOT also hold the Microsoft Graph Mail.Send application permission in",
            "Microsoft Entra ID: Entra and Exchange grants add up, and that permission alone lets it",
            "send as every mailbox. See the check printed at the end.",
        ]
    } else {
        &[
            "Creates, for the app below: the Exchange service principal pointer (New-ServicePrincipal),",
            "a management scope that holds only the allowed mailbox(es) (New-ManagementScope) and the",
            "role assignment 'Application Mail.Send' over that scope (New-ManagementRoleAssignment),",
            "then tests the result with Test-ServicePrincipalAuthorization and prints PASS or FAIL.",
            "",
            "The app must NOT also hold the Microsoft Graph Mail.Send application permission in",
            "Microsoft Entra ID: Entra and Exchange grants add up, and that permission alone lets it",
            "send as every mailbox. See the check printed at the end.",
        ]
    }
}

pub(super) fn setup(input: &ScriptInput) -> String {
    let mut s = Script::default();
    let synopsis = if input.exchange_applied {
        "Checks that one app can send mail as one mailbox only, with Exchange Online RBAC for Applications."
    } else {
        "Lets one app send mail as one mailbox, with Exchange Online RBAC for Applications."
    };
    begin(
        &mut s,
        synopsis,
        setup_description(input.exchange_applied),
        &[],
    );
    let mut vars = common_values(input);
    vars.push(pointer_name(input));
    let own_scope = !input.exchange_applied;
    if own_scope {
        vars.extend(names(input));
    } else {
        vars.push(Var::new(
            "Role",
            MAIL_SEND_ROLE,
            "Exchange application role",
        ));
    }
    if own_scope && input.target == ScopeTarget::OneMailbox {
        vars.push(Var::new(
            "ScopeFilter",
            format!(
                "ExternalDirectoryObjectId -eq {}",
                quote(&input.mailbox_object_id.to_string())
            ),
            "OPATH filter: only this mailbox",
        ));
    }
    s.values(&vars);
    s.blank();
    if own_scope && input.target != ScopeTarget::OneMailbox {
        s.lines(OPATH_HELPER);
        s.blank();
    }
    s.lines(TEST_HELPER);
    s.blank();
    connect(&mut s, input);

    group_step(&mut s, &input.target, "Step 1");
    if own_scope && input.target != ScopeTarget::OneMailbox {
        s.line("$ScopeFilter = 'MemberOfGroup -eq ' + (ConvertTo-OPathValue -Value $Group.DistinguishedName)");
        s.blank();
    }

    s.line("# Step 2: the app's service principal as Exchange knows it.");
    s.line("$ServicePrincipal = Get-ServicePrincipal | Where-Object { $_.AppId -eq $AppId }");
    s.open("if ($ServicePrincipal) {");
    s.line(
        "Write-Host ('[skip] Exchange already has a service principal for app ' + $AppId + '.')",
    );
    s.reopen("} else {");
    s.line("New-ServicePrincipal -AppId $AppId -ObjectId $ServicePrincipalId -DisplayName $PointerName | Out-Null");
    s.line(
        "Write-Host ('[done] Created the Exchange service principal for ' + $AppDisplayName + '.')",
    );
    s.close("}");
    s.blank();

    if !own_scope {
        s.line("# Steps 3 and 4: nothing; the mailgrant page made the role assignment through Microsoft Graph.");
        s.line("Write-Host ('[skip] The mailgrant page assigned ' + $Role + ' to the app through Microsoft Graph; only the test follows.')");
        s.blank();
    } else {
        management_scope_and_assignment(&mut s);
    }

    test_step(&mut s, input);
    finish(
        &mut s,
        "Exchange RBAC for Applications is configured as expected (check the Entra permission above).",
        "the configuration is not as expected; read the [FAIL] lines above.",
        PROPAGATION,
    );
    s.finish()
}

/// Steps 3 and 4: the management scope, and the role assignment over it.
fn management_scope_and_assignment(s: &mut Script) {
    s.line("# Step 3: the management scope.");
    s.line("$Scope = Get-ManagementScope | Where-Object { $_.Name -eq $ScopeName }");
    s.open("if ($Scope) {");
    s.line("Write-Host ('[skip] The management scope ' + $ScopeName + ' already exists; its filter: ' + [string]$Scope.RecipientFilter)");
    s.reopen("} else {");
    s.line(
        "New-ManagementScope -Name $ScopeName -RecipientRestrictionFilter $ScopeFilter | Out-Null",
    );
    s.line(
        "Write-Host ('[done] Created the management scope ' + $ScopeName + ': ' + $ScopeFilter)",
    );
    s.close("}");
    s.blank();

    s.line("# Step 4: the role assignment, scoped to the management scope.");
    s.line("$Assignment = Get-ManagementRoleAssignment -Role $Role | Where-Object { $_.Name -eq $AssignmentName }");
    s.open("if ($Assignment) {");
    s.line("Write-Host ('[skip] The role assignment ' + $AssignmentName + ' already exists.')");
    s.reopen("} else {");
    s.line("New-ManagementRoleAssignment -Name $AssignmentName -App $ServicePrincipalId -Role $Role -CustomResourceScope $ScopeName | Out-Null");
    s.line(
        "Write-Host ('[done] Assigned ' + $Role + ' to the app, scoped to ' + $ScopeName + '.')",
    );
    s.close("}");
    s.blank();
}

/// Step 5 (the test) and step 6 (the Entra side, which Exchange cannot see).
fn test_step(s: &mut Script, input: &ScriptInput) {
    s.line("# Step 5: test. Test-ServicePrincipalAuthorization reads the configuration directly.");
    s.open("if (Test-MailSendInScope -Mailbox $MailboxAddress) {");
    s.line(
        "Write-Host ('[pass] ' + $MailboxAddress + ' is in scope (InScope True), as expected.')",
    );
    s.reopen("} else {");
    s.line("Write-Host ('[FAIL] ' + $MailboxAddress + ' should be in scope (InScope True) but is not.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");
    if input.denied_mailbox.is_some() {
        s.open("if (Test-MailSendInScope -Mailbox $DeniedMailbox) {");
        s.line("Write-Host ('[FAIL] ' + $DeniedMailbox + ' is in scope (InScope True) but must not be.') -ForegroundColor Red");
        s.line("$Failed = $true");
        s.reopen("} else {");
        s.line("Write-Host ('[pass] ' + $DeniedMailbox + ' is out of scope (InScope False), as expected.')");
        s.close("}");
    } else {
        s.line("Write-Host '[note] No mailbox that must be refused was named, so the restriction itself was not tested.'");
    }
    s.blank();

    s.line("# Step 6: the Entra side, which this module cannot read.");
    s.line("Write-Host ''");
    s.line("Write-Host 'CHECK IN MICROSOFT ENTRA ID (Exchange PowerShell cannot see it):'");
    s.line("Write-Host 'The app must NOT hold the Microsoft Graph Mail.Send application permission. Entra and Exchange'");
    s.line("Write-Host 'grants add up: with it the app can send as EVERY mailbox, whatever the scope above says.'");
    s.line("Write-Host 'The mailgrant page does not grant it in this mode. To check: Entra admin center > Enterprise'");
    s.line("Write-Host 'applications > this app > Permissions: Microsoft Graph Mail.Send (type Application) must not be listed.'");
    s.line(&format!(
        "Write-Host ('Or with Microsoft Graph: GET /v1.0/servicePrincipals/' + $ServicePrincipalId + '/appRoleAssignments must list no appRoleId {GRAPH_MAIL_SEND_APP_ROLE_ID}.')"
    ));
}

pub(super) fn rollback(input: &ScriptInput) -> String {
    let mut s = Script::default();
    begin(
        &mut s,
        "Undoes the mailgrant RBAC for Applications setup for one app.",
        &[
            "Removes, in reverse order and only if present: the role assignment and the management",
            "scope the setup script created, the Exchange service principal pointer it made, and (if the",
            "setup created a group) the mailbox's membership in that group. Then checks nothing is left.",
            "Delete the app registration in Microsoft Entra ID as well (the mailgrant page does that).",
        ],
        &[],
    );
    let mut vars = common_values(input);
    vars.push(pointer_name(input));
    vars.extend(names(input));
    s.values(&vars);
    s.blank();
    connect(&mut s, input);

    s.line("# Step 1: the role assignment.");
    s.line("$Assignment = Get-ManagementRoleAssignment -Role $Role | Where-Object { $_.Name -eq $AssignmentName }");
    s.open("if ($Assignment) {");
    s.line("Remove-ManagementRoleAssignment -Identity $AssignmentName -Confirm:$false");
    s.line("Write-Host ('[done] Removed the role assignment ' + $AssignmentName + '.')");
    s.reopen("} else {");
    s.line("Write-Host ('[skip] The role assignment ' + $AssignmentName + ' does not exist.')");
    s.close("}");
    s.blank();

    s.line("# Step 2: the management scope.");
    s.line("$Scope = Get-ManagementScope | Where-Object { $_.Name -eq $ScopeName }");
    s.open("if ($Scope) {");
    s.line("Remove-ManagementScope -Identity $ScopeName -Confirm:$false");
    s.line("Write-Host ('[done] Removed the management scope ' + $ScopeName + '.')");
    s.reopen("} else {");
    s.line("Write-Host ('[skip] The management scope ' + $ScopeName + ' does not exist.')");
    s.close("}");
    s.blank();

    s.line("# Step 3: the Exchange service principal pointer, if the setup script made it (any other role");
    s.line("# assignment of this app would go with it, so one made otherwise is left).");
    s.line("$ServicePrincipal = Get-ServicePrincipal | Where-Object { $_.AppId -eq $AppId }");
    s.open("if (-not $ServicePrincipal) {");
    s.line("Write-Host ('[skip] Exchange has no service principal for app ' + $AppId + '.')");
    s.reopen("} elseif ([string]$ServicePrincipal.DisplayName -eq $PointerName) {");
    s.line("Remove-ServicePrincipal -Identity $ServicePrincipal.Identity -Confirm:$false");
    s.line("Write-Host ('[done] Removed the Exchange service principal of app ' + $AppId + '.')");
    s.reopen("} else {");
    s.line("Write-Host ('[keep] Exchange''s service principal of app ' + $AppId + ' (' + [string]$ServicePrincipal.DisplayName + ') does not carry the name this setup script gives its own (one made otherwise, or by a version before it named them); it is left, with any other role assignment it has. If nothing else uses it: Remove-ServicePrincipal -Identity with its Identity.')");
    s.close("}");
    s.blank();

    group_rollback_step(&mut s, &input.target, "Step 4");

    s.line("# Check: nothing this app's setup created is left.");
    s.open("if (Get-ManagementRoleAssignment -Role $Role | Where-Object { $_.Name -eq $AssignmentName }) {");
    s.line("Write-Host ('[FAIL] The role assignment ' + $AssignmentName + ' is still there.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");
    s.open("if (Get-ManagementScope | Where-Object { $_.Name -eq $ScopeName }) {");
    s.line("Write-Host ('[FAIL] The management scope ' + $ScopeName + ' is still there.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");
    s.open("if (Get-ServicePrincipal | Where-Object { $_.AppId -eq $AppId -and [string]$_.DisplayName -eq $PointerName }) {");
    s.line("Write-Host ('[FAIL] The Exchange service principal of app ' + $AppId + ' is still there.') -ForegroundColor Red");
    s.line("$Failed = $true");
    s.close("}");

    finish(
        &mut s,
        "the Exchange RBAC for Applications setup of this app is removed.",
        "something is left; read the [FAIL] lines above and run this script again.",
        &[],
    );
    s.finish()
}
