//! The vendor's test scripts: get a token with the bundle's credentials, send a test message as
//! the mailbox, and optionally check that another mailbox is refused.
//!
//! Neither script contains the secret value: it is read from the (decrypted) bundle file or the
//! environment variable [`SECRET_ENV_VAR`]. Every embedded value is a validated id, address or
//! URL, and is quoted anyway: PowerShell through [`crate::powershell::quote`], `sh` with
//! [`sh_quote`].

use super::{Bundle, BUNDLE_FORMAT, JSON_FILE_NAME};
use crate::powershell::quote as ps_quote;

/// The environment variable the test scripts (and [`super::render_env`]) use for the secret value.
pub const SECRET_ENV_VAR: &str = "MAILGRANT_CLIENT_SECRET";

/// `value` as one POSIX shell word in single quotes; each `'` becomes `'\''`.
pub(crate) fn sh_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

struct Values {
    tenant_id: String,
    client_id: String,
    mailbox_object_id: String,
    mailbox: String,
    token_endpoint: String,
    token_scope: String,
    graph_base_url: String,
}

fn values(bundle: &Bundle) -> Values {
    let b = bundle.fields();
    Values {
        tenant_id: b.tenant_id.to_string(),
        client_id: b.client_id.to_string(),
        mailbox_object_id: b.mailbox_object_id.to_string(),
        mailbox: b.mailbox_address.to_string(),
        token_endpoint: b.endpoints.token_endpoint().to_owned(),
        token_scope: b.endpoints.token_scope(),
        graph_base_url: b.endpoints.graph_base_url().to_owned(),
    }
}

fn header(comment: &str, bundle: &Bundle) -> String {
    let b = bundle.fields();
    format!(
        "{comment} mailgrant vendor test, made {} by mailgrant {} for the app with client ID {}.\n\
         {comment} Gets a token with the app's client secret, sends a test message as {} and, when\n\
         {comment} asked, checks that another mailbox is refused (HTTP 403 ErrorAccessDenied).\n\
         {comment} The client secret is NOT in this script: it is read from the decrypted bundle\n\
         {comment} ({JSON_FILE_NAME}, field clientSecretValue) or the environment variable\n\
         {comment} {SECRET_ENV_VAR}.\n",
        b.created_at,
        crate::VERSION,
        b.client_id,
        b.mailbox_address
    )
}

/// `test-mailgrant.ps1`, for Windows PowerShell 5.1 and PowerShell 7.
pub fn render_test_powershell(bundle: &Bundle) -> String {
    let v = values(bundle);
    let mut s = header("#", bundle);
    s.push_str(&format!(
        "#\n\
         # Usage:\n\
         #   ./test-mailgrant.ps1 -BundlePath ./{JSON_FILE_NAME} [-To <recipient>] [-DeniedMailbox <UPN or object id>]\n\
         #   $env:{SECRET_ENV_VAR} = '<secret value>'; ./test-mailgrant.ps1\n\
         # Windows PowerShell blocks downloaded scripts; run it with\n\
         #   powershell -ExecutionPolicy Bypass -File .\\test-mailgrant.ps1 -BundlePath .\\{JSON_FILE_NAME}\n\
         # Exit code 0: all checks passed.\n"
    ));
    s.push_str(
        r#"[CmdletBinding()]
param(
    [string] $BundlePath,
    [string] $To,
    [string] $DeniedMailbox
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
"#,
    );
    for (name, value) in [
        ("TenantId", &v.tenant_id),
        ("ClientId", &v.client_id),
        ("MailboxObjectId", &v.mailbox_object_id),
        ("Mailbox", &v.mailbox),
        ("TokenEndpoint", &v.token_endpoint),
        ("TokenScope", &v.token_scope),
        ("GraphBaseUrl", &v.graph_base_url),
    ] {
        s.push_str(&format!("${name} = {}\n", ps_quote(value)));
    }
    s.push_str(&format!(
        "$BundleFormat = {}\n$SecretEnvVar = {}\n",
        ps_quote(BUNDLE_FORMAT),
        ps_quote(SECRET_ENV_VAR)
    ));
    s.push_str(
        r#"
$secret = ''
if ($BundlePath) {
    $bundle = Get-Content -LiteralPath $BundlePath -Raw -Encoding UTF8 | ConvertFrom-Json
    function Get-BundleValue([string] $Name) {
        $p = $bundle.PSObject.Properties[$Name]
        if ($p) { [string] $p.Value } else { '' }
    }
    if ((Get-BundleValue 'format') -ne $BundleFormat) {
        throw "$BundlePath is not a $BundleFormat bundle. Decrypt the .age file first (age --decrypt -o mailgrant-bundle.json mailgrant-bundle.json.age)."
    }
    if ((Get-BundleValue 'tenantId') -ne $TenantId -or (Get-BundleValue 'clientId') -ne $ClientId) {
        throw "$BundlePath is for another app (client ID $(Get-BundleValue 'clientId')); this script is for $ClientId."
    }
    $secret = Get-BundleValue 'clientSecretValue'
} elseif ([Environment]::GetEnvironmentVariable($SecretEnvVar)) {
    $secret = [Environment]::GetEnvironmentVariable($SecretEnvVar)
}
if (-not $secret) {
    throw "Give -BundlePath <the decrypted mailgrant-bundle.json> or set the environment variable $SecretEnvVar to the client secret value."
}
if (-not $To) { $To = $Mailbox }

function Get-GraphError($ErrorRecord) {
    $status = 0
    if ($ErrorRecord.Exception.PSObject.Properties['Response'] -and $null -ne $ErrorRecord.Exception.Response) {
        $status = [int] $ErrorRecord.Exception.Response.StatusCode
    }
    $code = ''
    $message = $ErrorRecord.Exception.Message
    if ($ErrorRecord.ErrorDetails -and $ErrorRecord.ErrorDetails.Message) {
        $message = $ErrorRecord.ErrorDetails.Message
        try {
            $parsed = $ErrorRecord.ErrorDetails.Message | ConvertFrom-Json
            if ($parsed.PSObject.Properties['error']) {
                $err = $parsed.error
                if ($err -is [string]) {
                    $code = $err
                    if ($parsed.PSObject.Properties['error_description']) { $message = $parsed.error_description }
                } else {
                    $code = $err.code
                    $message = $err.message
                }
            }
        } catch { }
    }
    [pscustomobject] @{ Status = $status; Code = $code; Message = $message }
}

Write-Host "1. Token from $TokenEndpoint (client ID $ClientId, scope $TokenScope)"
try {
    $tokenAnswer = Invoke-RestMethod -Method Post -Uri $TokenEndpoint -ContentType 'application/x-www-form-urlencoded' -Body @{
        client_id     = $ClientId
        client_secret = $secret
        scope         = $TokenScope
        grant_type    = 'client_credentials'
    }
} catch {
    $e = Get-GraphError $_
    Write-Host "   FAILED: HTTP $($e.Status) $($e.Code): $($e.Message)"
    Write-Host '   AADSTS7000215 means the secret value is wrong (was the secret ID used instead of the value?); AADSTS7000222 means it expired.'
    exit 1
}
$secret = $null
$headers = @{ Authorization = "Bearer $($tokenAnswer.access_token)" }
Write-Host '   OK'

function Send-TestMail([string] $From, [string] $Label) {
    $mail = @{
        message         = @{
            subject      = "mailgrant test: sent as $Label"
            body         = @{ contentType = 'Text'; content = "This message was sent by mailgrant's vendor test script as $Label, with the app $ClientId." }
            toRecipients = @(@{ emailAddress = @{ address = $To } })
        }
        saveToSentItems = $false
    } | ConvertTo-Json -Depth 6
    $uri = '{0}/v1.0/users/{1}/sendMail' -f $GraphBaseUrl, [uri]::EscapeDataString($From)
    try {
        $answer = Invoke-WebRequest -UseBasicParsing -Method Post -Uri $uri -Headers $headers -ContentType 'application/json; charset=utf-8' -Body ([Text.Encoding]::UTF8.GetBytes($mail))
        [pscustomobject] @{ Status = [int] $answer.StatusCode; Code = ''; Message = '' }
    } catch {
        Get-GraphError $_
    }
}

$failed = $false
Write-Host "2. Send a test message as $Mailbox to $To"
$r = Send-TestMail $MailboxObjectId $Mailbox
if ($r.Status -eq 202) {
    Write-Host '   OK (HTTP 202 Accepted)'
} else {
    Write-Host "   FAILED: HTTP $($r.Status) $($r.Code): $($r.Message)"
    Write-Host '   ErrorAccessDenied right after set-up: Exchange can take up to 2 hours to apply the scope; try again later.'
    $failed = $true
}

if ($DeniedMailbox) {
    Write-Host "3. Sending as $DeniedMailbox must be refused"
    $r = Send-TestMail $DeniedMailbox $DeniedMailbox
    if ($r.Status -eq 403 -and $r.Code -eq 'ErrorAccessDenied') {
        Write-Host '   OK (HTTP 403 ErrorAccessDenied)'
    } elseif ($r.Status -eq 202) {
        Write-Host "   FAILED: the app could send as $DeniedMailbox. It is not limited to $Mailbox; tell the admin."
        $failed = $true
    } else {
        Write-Host "   INCONCLUSIVE: HTTP $($r.Status) $($r.Code): $($r.Message) (expected 403 ErrorAccessDenied)"
        $failed = $true
    }
}

if ($failed) { exit 1 }
Write-Host 'All checks passed.'
exit 0
"#,
    );
    s
}

/// `test-mailgrant.sh`, for POSIX `sh` with `curl` (7.55 or later); uses `jq` when present.
pub fn render_test_sh(bundle: &Bundle) -> String {
    let v = values(bundle);
    let mut s = String::from("#!/bin/sh\n");
    s.push_str(&header("#", bundle));
    s.push_str(&format!(
        "#\n\
         # Usage:\n\
         #   sh test-mailgrant.sh -b ./{JSON_FILE_NAME} [-t <recipient>] [-d <UPN or object id of another mailbox>]\n\
         #   {SECRET_ENV_VAR}='<secret value>' sh test-mailgrant.sh\n\
         # Exit code 0: all checks passed.\n\
         set -eu\n\n"
    ));
    for (name, value) in [
        ("TENANT_ID", &v.tenant_id),
        ("CLIENT_ID", &v.client_id),
        ("MAILBOX_OBJECT_ID", &v.mailbox_object_id),
        ("MAILBOX", &v.mailbox),
        ("TOKEN_ENDPOINT", &v.token_endpoint),
        ("TOKEN_SCOPE", &v.token_scope),
        ("GRAPH_BASE_URL", &v.graph_base_url),
    ] {
        s.push_str(&format!("{name}={}\n", sh_quote(value)));
    }
    s.push_str(&format!("BUNDLE_FORMAT={}\n", sh_quote(BUNDLE_FORMAT)));
    s.push_str(
        r#"
usage() {
    echo "usage: sh $0 [-b mailgrant-bundle.json] [-t recipient] [-d denied-mailbox]" >&2
    exit 2
}
bundle=''
to=''
denied=''
while getopts b:t:d:h opt; do
    case $opt in
        b) bundle=$OPTARG ;;
        t) to=$OPTARG ;;
        d) denied=$OPTARG ;;
        *) usage ;;
    esac
done

command -v curl >/dev/null 2>&1 || { echo 'This script needs curl.' >&2; exit 2; }

# The value of a top-level string field of the bundle (mailgrant writes one field a line).
bundle_value() {
    if command -v jq >/dev/null 2>&1; then
        jq -er --arg k "$1" '.[$k] | strings' "$bundle"
    else
        sed -n 's/^  "'"$1"'": "\([^"\\]*\)",\{0,1\}$/\1/p' "$bundle"
    fi
}

if [ -n "$bundle" ]; then
    [ -r "$bundle" ] || { echo "Cannot read $bundle." >&2; exit 2; }
    if [ "$(bundle_value format || true)" != "$BUNDLE_FORMAT" ]; then
        echo "$bundle is not a $BUNDLE_FORMAT bundle. Decrypt the .age file first (age --decrypt -o mailgrant-bundle.json mailgrant-bundle.json.age)." >&2
        exit 2
    fi
    if [ "$(bundle_value tenantId || true)" != "$TENANT_ID" ] || [ "$(bundle_value clientId || true)" != "$CLIENT_ID" ]; then
        echo "$bundle is for another app; this script is for client ID $CLIENT_ID." >&2
        exit 2
    fi
    secret=$(bundle_value clientSecretValue || true)
elif [ -n "${MAILGRANT_CLIENT_SECRET:-}" ]; then
    secret=$MAILGRANT_CLIENT_SECRET
else
    echo 'Give -b <the decrypted mailgrant-bundle.json> or set MAILGRANT_CLIENT_SECRET to the client secret value.' >&2
    exit 2
fi
[ -n "$secret" ] || { echo 'The client secret value is empty or could not be read.' >&2; exit 2; }

# Addresses go into JSON and URLs: plain characters only.
check_plain() {
    case $2 in
        '' | *[!A-Za-z0-9._+@-]*) echo "$1 \"$2\": use a plain address, user principal name or object id." >&2; exit 2 ;;
    esac
}
if [ -n "$to" ]; then check_plain -t "$to"; else to=$MAILBOX; fi
if [ -n "$denied" ]; then check_plain -d "$denied"; fi

umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Error code and message of an OAuth or Graph error answer.
error_of() {
    if command -v jq >/dev/null 2>&1; then
        jq -r 'if (.error | type) == "object" then "\(.error.code): \(.error.message)" else "\(.error // ""): \(.error_description // "")" end' "$1" 2>/dev/null || cat "$1"
    else
        cat "$1"
    fi
}

echo "1. Token from $TOKEN_ENDPOINT (client ID $CLIENT_ID, scope $TOKEN_SCOPE)"
printf '%s' "$secret" > "$tmp/secret"
secret=''
status=$(curl -sS -o "$tmp/token.json" -w '%{http_code}' \
    --data-urlencode 'grant_type=client_credentials' \
    --data-urlencode "client_id=$CLIENT_ID" \
    --data-urlencode "scope=$TOKEN_SCOPE" \
    --data-urlencode "client_secret@$tmp/secret" \
    "$TOKEN_ENDPOINT") || status=000
rm -f "$tmp/secret"
if [ "$status" != 200 ]; then
    echo "   FAILED: HTTP $status $(error_of "$tmp/token.json")"
    echo '   AADSTS7000215 means the secret value is wrong (was the secret ID used instead of the value?); AADSTS7000222 means it expired.'
    exit 1
fi
if command -v jq >/dev/null 2>&1; then
    token=$(jq -r '.access_token // empty' "$tmp/token.json")
else
    token=$(sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$tmp/token.json")
fi
[ -n "$token" ] || { echo '   FAILED: the answer has no access_token.'; exit 1; }
printf 'Authorization: Bearer %s\n' "$token" > "$tmp/auth"
token=''
echo '   OK'

# send_mail <user id or UPN> <label>: prints the HTTP status; the answer is in $tmp/answer.json.
send_mail() {
    printf '{"message":{"subject":"mailgrant test: sent as %s","body":{"contentType":"Text","content":"This message was sent by mailgrant'"'"'s vendor test script as %s, with the app %s."},"toRecipients":[{"emailAddress":{"address":"%s"}}]},"saveToSentItems":false}' \
        "$2" "$2" "$CLIENT_ID" "$to" > "$tmp/mail.json"
    curl -sS -o "$tmp/answer.json" -w '%{http_code}' -X POST \
        -H @"$tmp/auth" -H 'Content-Type: application/json' \
        --data-binary @"$tmp/mail.json" \
        "$GRAPH_BASE_URL/v1.0/users/$1/sendMail" || echo 000
}

failed=0
echo "2. Send a test message as $MAILBOX to $to"
status=$(send_mail "$MAILBOX_OBJECT_ID" "$MAILBOX")
if [ "$status" = 202 ]; then
    echo '   OK (HTTP 202 Accepted)'
else
    echo "   FAILED: HTTP $status $(error_of "$tmp/answer.json")"
    echo '   ErrorAccessDenied right after set-up: Exchange can take up to 2 hours to apply the scope; try again later.'
    failed=1
fi

if [ -n "$denied" ]; then
    echo "3. Sending as $denied must be refused"
    status=$(send_mail "$denied" "$denied")
    if [ "$status" = 403 ] && grep -q '"ErrorAccessDenied"' "$tmp/answer.json"; then
        echo '   OK (HTTP 403 ErrorAccessDenied)'
    elif [ "$status" = 202 ]; then
        echo "   FAILED: the app could send as $denied. It is not limited to $MAILBOX; tell the admin."
        failed=1
    else
        echo "   INCONCLUSIVE: HTTP $status $(error_of "$tmp/answer.json") (expected 403 ErrorAccessDenied)"
        failed=1
    fi
fi

[ "$failed" = 0 ] || exit 1
echo 'All checks passed.'
"#,
    );
    s
}
