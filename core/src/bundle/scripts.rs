//! The vendor's test scripts: get a token with the bundle's credentials, send a test message as
//! the mailbox, and optionally check that another mailbox is refused.
//!
//! Neither script contains the secret value: it is read from the (decrypted) bundle file or the
//! environment variable [`SECRET_ENV_VAR`]. Every embedded value is a validated id, address or
//! URL, and is quoted anyway: PowerShell through [`crate::powershell::quote`], `sh` with
//! [`sh_quote`].

use super::{Bundle, BundleCredential, BUNDLE_FORMAT, JSON_FILE_NAME};
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
    let how = match &b.credential {
        BundleCredential::ClientSecret { .. } => format!(
            "{comment} Gets a token with the app's client secret, sends a test message as {mailbox} and, when\n\
             {comment} asked, checks that another mailbox is refused (HTTP 403 ErrorAccessDenied).\n\
             {comment} The client secret is NOT in this script: it is read from the decrypted bundle\n\
             {comment} ({JSON_FILE_NAME}, field clientSecretValue) or the environment variable\n\
             {comment} {SECRET_ENV_VAR}.\n",
            mailbox = b.mailbox_address
        ),
        BundleCredential::Certificate { thumbprint, .. } => format!(
            "{comment} Gets a token with a client assertion (RFC 7523, PS256) signed with the private key of\n\
             {comment} your certificate (thumbprint {thumbprint}), sends a test message as {mailbox} and,\n\
             {comment} when asked, checks that another mailbox is refused (HTTP 403 ErrorAccessDenied).\n\
             {comment} The private key never leaves your machine; no secret exists in the tenant.\n",
            mailbox = b.mailbox_address
        ),
        BundleCredential::Federated { issuer, subject, .. } => format!(
            "{comment} Gets a token with a token of YOUR issuer ({issuer}, subject {subject}) as the client\n\
             {comment} assertion, sends a test message as {mailbox} and, when asked, checks that\n\
             {comment} another mailbox is refused (HTTP 403 ErrorAccessDenied). No secret exists.\n",
            mailbox = b.mailbox_address
        ),
        BundleCredential::VendorApp => format!(
            "{comment} Gets a token for YOUR multi-tenant app in the customer's tenant with your app's own\n\
             {comment} client secret (the environment variable {SECRET_ENV_VAR}; it never was in any bundle),\n\
             {comment} sends a test message as {mailbox} and, when asked, checks that another mailbox is\n\
             {comment} refused (HTTP 403 ErrorAccessDenied).\n",
            mailbox = b.mailbox_address
        ),
    };
    format!(
        "{comment} mailgrant vendor test, made {} by mailgrant {} for the app with client ID {}.\n{how}",
        b.created_at,
        crate::VERSION,
        b.client_id,
    )
}

/// `test-mailgrant.ps1`, for Windows PowerShell 5.1 and PowerShell 7.
pub fn render_test_powershell(bundle: &Bundle) -> String {
    let v = values(bundle);
    let credential = &bundle.fields().credential;
    let mut s = header("#", bundle);
    s.push_str(&ps_usage(credential));
    s.push_str(ps_params(credential));
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
    if let BundleCredential::Certificate {
        thumbprint_sha256, ..
    } = credential
    {
        s.push_str(&format!("$X5tS256 = {}\n", ps_quote(thumbprint_sha256)));
    }
    s.push('\n');
    s.push_str(match credential {
        BundleCredential::ClientSecret { .. } => PS_SECRET,
        BundleCredential::VendorApp => PS_VENDOR_SECRET,
        BundleCredential::Certificate { .. } => PS_CERTIFICATE,
        BundleCredential::Federated { .. } => PS_FEDERATED,
    });
    s.push_str(PS_COMMON);
    s
}

fn ps_usage(credential: &BundleCredential) -> String {
    let how = match credential {
        BundleCredential::ClientSecret { .. } => format!(
            "#   ./test-mailgrant.ps1 -BundlePath ./{JSON_FILE_NAME} [-To <recipient>] [-DeniedMailbox <UPN or object id>]\n\
             #   $env:{SECRET_ENV_VAR} = '<secret value>'; ./test-mailgrant.ps1\n"
        ),
        BundleCredential::VendorApp => format!(
            "#   $env:{SECRET_ENV_VAR} = '<your app's secret value>'; ./test-mailgrant.ps1 [-To <recipient>] [-DeniedMailbox <UPN or object id>]\n"
        ),
        BundleCredential::Certificate { .. } => "#   ./test-mailgrant.ps1 -CertificatePath ./vendor.pfx [-CertificatePassword <password>] [-To <recipient>] [-DeniedMailbox <UPN or object id>]\n\
             #   (the .pfx holds the certificate and its private key; PowerShell 7, or Windows PowerShell 5.1 with .NET 4.7)\n"
            .to_owned(),
        BundleCredential::Federated { .. } => "#   ./test-mailgrant.ps1 -FederatedToken <a token your issuer made for this subject> [-To <recipient>] [-DeniedMailbox <UPN or object id>]\n\
             #   $env:MAILGRANT_FEDERATED_TOKEN = '<token>'; ./test-mailgrant.ps1\n"
            .to_owned(),
    };
    format!(
        "#\n# Usage:\n{how}\
         # Windows PowerShell blocks downloaded scripts; run it with\n\
         #   powershell -ExecutionPolicy Bypass -File .\\test-mailgrant.ps1 ...\n\
         # Exit code 0: all checks passed.\n"
    )
}

fn ps_params(credential: &BundleCredential) -> &'static str {
    match credential {
        BundleCredential::ClientSecret { .. } | BundleCredential::VendorApp => PS_PARAMS_SECRET,
        BundleCredential::Certificate { .. } => PS_PARAMS_CERTIFICATE,
        BundleCredential::Federated { .. } => PS_PARAMS_FEDERATED,
    }
}

const PS_PARAMS_SECRET: &str = r#"[CmdletBinding()]
param(
    [string] $BundlePath,
    [string] $To,
    [string] $DeniedMailbox
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
"#;

const PS_PARAMS_CERTIFICATE: &str = r#"[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $CertificatePath,
    [string] $CertificatePassword,
    [string] $To,
    [string] $DeniedMailbox
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
"#;

const PS_PARAMS_FEDERATED: &str = r#"[CmdletBinding()]
param(
    [string] $FederatedToken,
    [string] $To,
    [string] $DeniedMailbox
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
"#;

/// The secret kind: the value from the bundle or the environment.
const PS_SECRET: &str = r#"$secret = ''
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
$tokenBody = @{ client_secret = $secret }
$secret = $null
$signInHint = 'AADSTS7000215 means the secret value is wrong (was the secret ID used instead of the value?); AADSTS7000222 means it expired.'
"#;

/// The vendor's own app: its own secret, from the environment only.
const PS_VENDOR_SECRET: &str = r#"$secret = [Environment]::GetEnvironmentVariable($SecretEnvVar)
if (-not $secret) {
    throw "Set the environment variable $SecretEnvVar to your app's own client secret value (from your tenant)."
}
$tokenBody = @{ client_secret = $secret }
$secret = $null
$signInHint = 'AADSTS700016 means your app is not in this tenant; AADSTS7000215 that the secret value is wrong.'
"#;

/// The certificate kind: a PS256 client assertion signed with the .pfx's private key.
const PS_CERTIFICATE: &str = r#"function ConvertTo-Base64Url([byte[]] $Bytes) {
    [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}
$flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::EphemeralKeySet
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2($CertificatePath, $CertificatePassword, $flags)
$rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
if (-not $rsa) { throw "$CertificatePath holds no RSA private key." }
$now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
$header = @{ alg = 'PS256'; typ = 'JWT'; 'x5t#S256' = $X5tS256 } | ConvertTo-Json -Compress
$claims = @{ aud = $TokenEndpoint; iss = $ClientId; sub = $ClientId; jti = [guid]::NewGuid().ToString(); nbf = $now; exp = $now + 600 } | ConvertTo-Json -Compress
$unsigned = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($claims)))
$signature = $rsa.SignData([Text.Encoding]::ASCII.GetBytes($unsigned), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pss)
$tokenBody = @{
    client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    client_assertion      = $unsigned + '.' + (ConvertTo-Base64Url $signature)
}
$signInHint = 'AADSTS700027 means the assertion is not signed by the certificate the app holds (another key, or its x5t#S256 differs).'
"#;

/// The federated kind: the vendor's issuer's token is the client assertion.
const PS_FEDERATED: &str = r#"if (-not $FederatedToken) { $FederatedToken = [Environment]::GetEnvironmentVariable('MAILGRANT_FEDERATED_TOKEN') }
if (-not $FederatedToken) { throw 'Give -FederatedToken <a token your issuer made for the subject> or set MAILGRANT_FEDERATED_TOKEN.' }
$tokenBody = @{
    client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    client_assertion      = $FederatedToken
}
$signInHint = 'AADSTS70021 right after set-up: the federated credential is still spreading through Microsoft Entra; try again in a few minutes. Later, it means the token''s iss, sub or aud differ from the credential.'
"#;

/// What every kind shares: the recipient, errors, the token request, the test messages.
const PS_COMMON: &str = r#"if (-not $To) { $To = $Mailbox }

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
    $tokenBody['client_id'] = $ClientId
    $tokenBody['scope'] = $TokenScope
    $tokenBody['grant_type'] = 'client_credentials'
    $tokenAnswer = Invoke-RestMethod -Method Post -Uri $TokenEndpoint -ContentType 'application/x-www-form-urlencoded' -Body $tokenBody
} catch {
    $e = Get-GraphError $_
    Write-Host "   FAILED: HTTP $($e.Status) $($e.Code): $($e.Message)"
    Write-Host "   $signInHint"
    exit 1
}
$tokenBody = $null
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
"#;

/// `test-mailgrant.sh`, for POSIX `sh` with `curl` (7.55 or later); uses `jq` when present.
pub fn render_test_sh(bundle: &Bundle) -> String {
    let v = values(bundle);
    let credential = &bundle.fields().credential;
    let mut s = String::from("#!/bin/sh\n");
    s.push_str(&header("#", bundle));
    s.push_str(&sh_usage(credential));
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
    if let BundleCredential::Certificate {
        thumbprint_sha256, ..
    } = credential
    {
        s.push_str(&format!("X5T_S256={}\n", sh_quote(thumbprint_sha256)));
    }
    s.push_str(match credential {
        BundleCredential::ClientSecret { .. } => SH_SECRET,
        BundleCredential::VendorApp => SH_VENDOR_SECRET,
        BundleCredential::Certificate { .. } => SH_CERTIFICATE,
        BundleCredential::Federated { .. } => SH_FEDERATED,
    });
    s.push_str(SH_COMMON);
    s
}

fn sh_usage(credential: &BundleCredential) -> String {
    let how = match credential {
        BundleCredential::ClientSecret { .. } => format!(
            "#   sh test-mailgrant.sh -b ./{JSON_FILE_NAME} [-t <recipient>] [-d <UPN or object id of another mailbox>]\n\
             #   {SECRET_ENV_VAR}='<secret value>' sh test-mailgrant.sh\n"
        ),
        BundleCredential::VendorApp => format!(
            "#   {SECRET_ENV_VAR}='<your app's secret value>' sh test-mailgrant.sh [-t <recipient>] [-d <another mailbox>]\n"
        ),
        BundleCredential::Certificate { .. } => "#   sh test-mailgrant.sh -k ./vendor-key.pem [-t <recipient>] [-d <UPN or object id of another mailbox>]\n\
             #   (-k: the certificate's RSA private key, PEM; needs openssl)\n"
            .to_owned(),
        BundleCredential::Federated { .. } => "#   sh test-mailgrant.sh -f <a token your issuer made for this subject> [-t <recipient>] [-d <another mailbox>]\n\
             #   MAILGRANT_FEDERATED_TOKEN='<token>' sh test-mailgrant.sh\n"
            .to_owned(),
    };
    format!("#\n# Usage:\n{how}# Exit code 0: all checks passed.\nset -eu\n\n")
}

/// The options (`-b` bundle, `-t`, `-d`), and the secret from the bundle or the environment.
const SH_SECRET: &str = r#"
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

credential_field=client_secret
assertion_type=''
sign_in_hint='AADSTS7000215 means the secret value is wrong (was the secret ID used instead of the value?); AADSTS7000222 means it expired.'
"#;

/// The vendor's own app: its own secret from the environment.
const SH_VENDOR_SECRET: &str = r#"usage() {
    echo "usage: MAILGRANT_CLIENT_SECRET=<your app's secret> sh $0 [-t recipient] [-d denied-mailbox]" >&2
    exit 2
}
to=''
denied=''
while getopts t:d:h opt; do
    case $opt in
        t) to=$OPTARG ;;
        d) denied=$OPTARG ;;
        *) usage ;;
    esac
done

command -v curl >/dev/null 2>&1 || { echo 'This script needs curl.' >&2; exit 2; }
secret=${MAILGRANT_CLIENT_SECRET:-}
[ -n "$secret" ] || { echo "Set MAILGRANT_CLIENT_SECRET to your app's own client secret value (from your tenant)." >&2; exit 2; }
credential_field=client_secret
assertion_type=''
sign_in_hint='AADSTS700016 means your app is not in this tenant; AADSTS7000215 that the secret value is wrong.'
"#;

/// The certificate kind: a PS256 client assertion signed with the private key (openssl).
const SH_CERTIFICATE: &str = r#"usage() {
    echo "usage: sh $0 -k private-key.pem [-t recipient] [-d denied-mailbox]" >&2
    exit 2
}
key=''
to=''
denied=''
while getopts k:t:d:h opt; do
    case $opt in
        k) key=$OPTARG ;;
        t) to=$OPTARG ;;
        d) denied=$OPTARG ;;
        *) usage ;;
    esac
done

command -v curl >/dev/null 2>&1 || { echo 'This script needs curl.' >&2; exit 2; }
command -v openssl >/dev/null 2>&1 || { echo 'This script needs openssl.' >&2; exit 2; }
[ -n "$key" ] && [ -r "$key" ] || usage
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
jti=$(openssl rand -hex 16)
header=$(printf '{"alg":"PS256","typ":"JWT","x5t#S256":"%s"}' "$X5T_S256" | b64url)
claims=$(printf '{"aud":"%s","iss":"%s","sub":"%s","jti":"%s","nbf":%s,"exp":%s}' \
    "$TOKEN_ENDPOINT" "$CLIENT_ID" "$CLIENT_ID" "$jti" "$now" "$((now + 600))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" \
    | openssl dgst -sha256 -sign "$key" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    | b64url) || { echo "Could not sign with $key (an RSA private key in PEM is needed)." >&2; exit 2; }
secret="$header.$claims.$signature"
credential_field=client_assertion
assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
sign_in_hint='AADSTS700027 means the assertion is not signed by the certificate the app holds (another key, or its x5t#S256 differs).'
"#;

/// The federated kind: the vendor's issuer's token is the client assertion.
const SH_FEDERATED: &str = r#"usage() {
    echo "usage: sh $0 -f <token of your issuer> [-t recipient] [-d denied-mailbox]" >&2
    exit 2
}
secret=${MAILGRANT_FEDERATED_TOKEN:-}
to=''
denied=''
while getopts f:t:d:h opt; do
    case $opt in
        f) secret=$OPTARG ;;
        t) to=$OPTARG ;;
        d) denied=$OPTARG ;;
        *) usage ;;
    esac
done

command -v curl >/dev/null 2>&1 || { echo 'This script needs curl.' >&2; exit 2; }
[ -n "$secret" ] || usage
credential_field=client_assertion
assertion_type='urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
sign_in_hint="AADSTS70021 right after set-up: the federated credential is still spreading through Microsoft Entra; try again in a few minutes. Later, it means the token's iss, sub or aud differ from the credential."
"#;

/// What every kind shares: addresses checked, the token request, the test messages.
const SH_COMMON: &str = r#"# Addresses go into JSON and URLs: plain characters only.
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

printf '%s' "$secret" > "$tmp/credential"
secret=''
echo "1. Token from $TOKEN_ENDPOINT (client ID $CLIENT_ID, scope $TOKEN_SCOPE)"
status=$(curl -sS -o "$tmp/token.json" -w '%{http_code}' \
    --data-urlencode 'grant_type=client_credentials' \
    --data-urlencode "client_id=$CLIENT_ID" \
    --data-urlencode "scope=$TOKEN_SCOPE" \
    ${assertion_type:+--data-urlencode "client_assertion_type=$assertion_type"} \
    --data-urlencode "$credential_field@$tmp/credential" \
    "$TOKEN_ENDPOINT") || status=000
rm -f "$tmp/credential"
if [ "$status" != 200 ]; then
    echo "   FAILED: HTTP $status $(error_of "$tmp/token.json")"
    echo "   $sign_in_hint"
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
"#;
