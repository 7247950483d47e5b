#!/usr/bin/env bash
# Add Canvas Logins to this user's application menu (no administrator rights needed).
# Shipped at the top of the Linux tar.gz; run it from wherever the folder was unpacked:
#   ./install-desktop-entry.sh            add or update the menu entry
#   ./install-desktop-entry.sh --remove   remove it again (the folder itself stays)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
entry="$apps/canvas-logins.desktop"

if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry"
  echo "Removed $entry"
  exit 0
fi
if [ ! -x "$here/canvas-logins" ]; then
  echo "canvas-logins was not found next to this script" >&2
  exit 1
fi
mkdir -p "$apps"
cat > "$entry" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Canvas Logins
Comment=Give students second Canvas logins from a workbook
Exec="$here/canvas-logins" %f
Icon=$here/_internal/resources/icon.png
Terminal=false
Categories=Office;Education;
MimeType=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;application/vnd.ms-excel.sheet.macroEnabled.12;text/csv;
DESKTOP
chmod 644 "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "Added Canvas Logins to the application menu ($entry)"
