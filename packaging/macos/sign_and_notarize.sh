#!/usr/bin/env bash
# Sign the macOS app (hardened runtime) or sign, notarize and staple the disk image.
#
#   packaging/macos/sign_and_notarize.sh app "dist/Canvas Logins.app"
#   packaging/macos/sign_and_notarize.sh dmg dist/CanvasLogins-0.1.0-macos.dmg
#
# Secrets, from the environment (each step is skipped with a notice when absent):
#   signing:      MACOS_CERT_P12_BASE64, MACOS_CERT_PASSWORD, MACOS_SIGN_IDENTITY
#                 (e.g. "Developer ID Application: Example School Tools (TEAMID)")
#   notarization: APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (an app-specific password)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"

if [ "$#" -ne 2 ] || { [ "$1" != app ] && [ "$1" != dmg ]; }; then
  echo "usage: $0 app|dmg PATH" >&2
  exit 2
fi
kind="$1"
target="$2"

notice() {
  # A GitHub Actions notice when run there, a plain line elsewhere.
  if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::notice::$*"; else echo "notice: $*"; fi
}

if [ -z "${MACOS_CERT_P12_BASE64:-}" ] || [ -z "${MACOS_CERT_PASSWORD:-}" ] \
  || [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
  notice "macOS signing skipped for $target: MACOS_CERT_P12_BASE64, MACOS_CERT_PASSWORD and MACOS_SIGN_IDENTITY are not all set."
  exit 0
fi

# A throwaway keychain holding only the signing certificate, deleted on exit.
keychain="$(mktemp -d)/signing.keychain-db"
keychain_password="$(uuidgen)"
cleanup() { security delete-keychain "$keychain" >/dev/null 2>&1 || true; }
trap cleanup EXIT
security create-keychain -p "$keychain_password" "$keychain"
security set-keychain-settings -lut 3600 "$keychain"
security unlock-keychain -p "$keychain_password" "$keychain"
p12="$(dirname "$keychain")/cert.p12"
echo "$MACOS_CERT_P12_BASE64" | base64 --decode > "$p12"
security import "$p12" -k "$keychain" -P "$MACOS_CERT_PASSWORD" -T /usr/bin/codesign
rm -f "$p12"
security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" >/dev/null
security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')

sign() {
  codesign --force --timestamp --options runtime --entitlements "$entitlements" \
    --keychain "$keychain" --sign "$MACOS_SIGN_IDENTITY" "$@"
}

if [ "$kind" = app ]; then
  # Inside out: every library and executable first, the bundle itself last.
  while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q "Mach-O"; then
      sign "$file"
    fi
  done < <(find "$target/Contents" -type f -print0)
  sign "$target"
  codesign --verify --deep --strict --verbose=2 "$target"
  echo "signed $target"
  exit 0
fi

codesign --force --timestamp --keychain "$keychain" --sign "$MACOS_SIGN_IDENTITY" "$target"
codesign --verify --verbose=2 "$target"
echo "signed $target"

if [ -z "${APPLE_ID:-}" ] || [ -z "${APPLE_TEAM_ID:-}" ] || [ -z "${APPLE_APP_PASSWORD:-}" ]; then
  notice "Notarization skipped for $target: APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD are not all set."
  exit 0
fi
xcrun notarytool submit "$target" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
  --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
xcrun stapler staple "$target"
xcrun stapler validate "$target"
spctl --assess --type open --context context:primary-signature --verbose=2 "$target"
echo "notarized and stapled $target"
