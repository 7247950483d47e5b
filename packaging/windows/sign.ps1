<#
.SYNOPSIS
  Sign Windows executables with signtool when signing secrets are present.

.DESCRIPTION
  Reads the code-signing certificate from the environment:
    WINDOWS_CERT_PFX_BASE64   the .pfx file, base64-encoded
    WINDOWS_CERT_PASSWORD     its password
    WINDOWS_TIMESTAMP_URL     optional RFC 3161 timestamp server
  When the certificate is not configured, prints a notice and exits 0 so unsigned
  builds (forks, pull requests) still produce an installer.

.EXAMPLE
  pwsh packaging/windows/sign.ps1 "dist/canvas-logins/Canvas Logins.exe" dist/canvas-logins/canvas-logins-cli.exe
#>
param(
    [Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)]
    [string[]] $Files
)
$ErrorActionPreference = "Stop"

if (-not $env:WINDOWS_CERT_PFX_BASE64 -or -not $env:WINDOWS_CERT_PASSWORD) {
    Write-Host "::notice::Windows code signing skipped: WINDOWS_CERT_PFX_BASE64 and WINDOWS_CERT_PASSWORD are not set."
    exit 0
}

$timestampUrl = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }

$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" -ErrorAction SilentlyContinue |
    Sort-Object FullName -Descending | Select-Object -First 1
if (-not $signtool) {
    Write-Error "signtool.exe was not found (install the Windows SDK)."
    exit 1
}

$pfx = Join-Path ([System.IO.Path]::GetTempPath()) ("codesign-" + [guid]::NewGuid() + ".pfx")
try {
    [System.IO.File]::WriteAllBytes($pfx, [System.Convert]::FromBase64String($env:WINDOWS_CERT_PFX_BASE64))
    foreach ($file in $Files) {
        if (-not (Test-Path -LiteralPath $file)) {
            Write-Error "Nothing to sign at $file"
            exit 1
        }
        & $signtool.FullName sign /f $pfx /p $env:WINDOWS_CERT_PASSWORD /fd SHA256 `
            /tr $timestampUrl /td SHA256 /d "Canvas Logins" $file
        if ($LASTEXITCODE -ne 0) {
            Write-Error "signtool failed for $file"
            exit 1
        }
        & $signtool.FullName verify /pa $file
        if ($LASTEXITCODE -ne 0) {
            Write-Error "The signature of $file did not verify"
            exit 1
        }
    }
}
finally {
    Remove-Item -LiteralPath $pfx -Force -ErrorAction SilentlyContinue
}
