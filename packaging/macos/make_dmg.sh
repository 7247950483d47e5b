#!/usr/bin/env bash
# Make the macOS disk image: the app next to a link to /Applications, so people drag it
# across to install.
#
#   packaging/macos/make_dmg.sh "dist/Canvas Logins.app" dist/CanvasLogins-0.1.0-macos.dmg
#
# Runs on macOS only (hdiutil). Sign the .app before, and the .dmg after
# (sign_and_notarize.sh).
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 APP_BUNDLE OUTPUT_DMG" >&2
  exit 2
fi
app="$1"
dmg="$2"
volume_name="Canvas Logins"

if [ ! -d "$app/Contents/MacOS" ]; then
  echo "make_dmg: $app is not an app bundle" >&2
  exit 2
fi
if ! command -v hdiutil >/dev/null 2>&1; then
  echo "make_dmg: hdiutil not found; disk images can only be made on macOS" >&2
  exit 2
fi

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
# ditto keeps symlinks, extended attributes and signatures intact.
ditto "$app" "$staging/$(basename "$app")"
ln -s /Applications "$staging/Applications"

mkdir -p "$(dirname "$dmg")"
rm -f "$dmg"
hdiutil create -volname "$volume_name" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$dmg"
hdiutil verify "$dmg"
echo "made $dmg ($(du -h "$dmg" | cut -f1))"
