#!/usr/bin/env bash
# Make sure this Linux desktop has the system libraries Qt needs to open a window.
#
#   bash scripts/desktop_libs.sh PYTHON
#
# PYTHON is the virtual environment's interpreter (PySide6 installed). Without these
# libraries Qt stops with "could not load the Qt platform plugin xcb ... reinstalling the
# application may fix this problem", which sends people the wrong way. This script finds
# what is missing, installs it with the system's package manager when it can (as
# .ci/run does for the offscreen tests), and otherwise names the exact packages.
# Exit 0 when the window can open, 1 when something is still missing.
set -euo pipefail

PYTHON="${1:?usage: desktop_libs.sh PYTHON}"

[ "$(uname -s)" = "Linux" ] || exit 0
[ "${QT_QPA_PLATFORM:-}" = "offscreen" ] && exit 0

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No desktop was found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the app" >&2
  echo "cannot open its window here. Run this from a terminal in your desktop session." >&2
  exit 1
fi

PLUGIN="${CANVAS_LOGINS_QT_PLUGIN:-$("$PYTHON" -c 'import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), "Qt", "plugins", "platforms", "libqxcb.so"))')}"

missing_libs() {
  ldd "$PLUGIN" 2>/dev/null | awk '/=> not found/ {print $1}' | sort -u
}

# The Debian and Ubuntu package that holds each library Qt's window plugin loads.
apt_package() {
  case "$1" in
    libxcb-cursor.so.*) echo libxcb-cursor0 ;;
    libxcb-icccm.so.*) echo libxcb-icccm4 ;;
    libxcb-image.so.*) echo libxcb-image0 ;;
    libxcb-keysyms.so.*) echo libxcb-keysyms1 ;;
    libxcb-randr.so.*) echo libxcb-randr0 ;;
    libxcb-render-util.so.*) echo libxcb-render-util0 ;;
    libxcb-render.so.*) echo libxcb-render0 ;;
    libxcb-shape.so.*) echo libxcb-shape0 ;;
    libxcb-shm.so.*) echo libxcb-shm0 ;;
    libxcb-sync.so.*) echo libxcb-sync1 ;;
    libxcb-xfixes.so.*) echo libxcb-xfixes0 ;;
    libxcb-xinerama.so.*) echo libxcb-xinerama0 ;;
    libxcb-xinput.so.*) echo libxcb-xinput0 ;;
    libxcb-xkb.so.*) echo libxcb-xkb1 ;;
    libxcb-util.so.*) echo libxcb-util1 ;;
    libxcb.so.*) echo libxcb1 ;;
    libX11-xcb.so.*) echo libx11-xcb1 ;;
    libX11.so.*) echo libx11-6 ;;
    libxkbcommon-x11.so.*) echo libxkbcommon-x11-0 ;;
    libxkbcommon.so.*) echo libxkbcommon0 ;;
    libEGL.so.*) echo libegl1 ;;
    libGL.so.*) echo libgl1 ;;
    libOpenGL.so.*) echo libopengl0 ;;
    libfontconfig.so.*) echo libfontconfig1 ;;
    libfreetype.so.*) echo libfreetype6 ;;
    libdbus-1.so.*) echo libdbus-1-3 ;;
    libglib-2.0.so.*) echo libglib2.0-0 ;;
    libgthread-2.0.so.*) echo libglib2.0-0 ;;
    *) return 1 ;;
  esac
}

MISSING="$(missing_libs)"
[ -n "$MISSING" ] || exit 0

echo "Qt needs system libraries this computer does not have yet:" >&2
echo "$MISSING" | sed 's/^/  /' >&2

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    SUDO="sudo"
  else
    SUDO="none"
  fi
fi

INSTALL=()
if command -v apt-get >/dev/null 2>&1; then
  PACKAGES=()
  UNKNOWN=()
  for lib in $MISSING; do
    if package="$(apt_package "$lib")"; then PACKAGES+=("$package"); else UNKNOWN+=("$lib"); fi
  done
  if [ "${#PACKAGES[@]}" -gt 0 ]; then
    mapfile -t PACKAGES < <(printf '%s\n' "${PACKAGES[@]}" | sort -u)
    INSTALL=(apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}")
  fi
  if [ "${#UNKNOWN[@]}" -gt 0 ]; then
    echo "No known package for: ${UNKNOWN[*]} (search with: apt-file search ${UNKNOWN[0]})" >&2
  fi
elif command -v dnf >/dev/null 2>&1; then
  # dnf installs by the library's own name: it finds the package that provides it.
  PROVIDES=()
  for lib in $MISSING; do PROVIDES+=("${lib}()(64bit)"); done
  INSTALL=(dnf install -y "${PROVIDES[@]}")
elif command -v zypper >/dev/null 2>&1; then
  PROVIDES=()
  for lib in $MISSING; do PROVIDES+=("${lib}()(64bit)"); done
  INSTALL=(zypper --non-interactive install "${PROVIDES[@]}")
fi

if [ "${#INSTALL[@]}" -eq 0 ]; then
  echo "Install the packages that provide those libraries with your system's package" >&2
  echo "manager, then run this again. On Debian or Ubuntu they are:" >&2
  for lib in $MISSING; do
    echo "  $(apt_package "$lib" || echo "$lib")" >&2
  done
  exit 1
fi

if [ "$SUDO" = "none" ]; then
  echo "Install them as an administrator, then run this again:" >&2
  echo "  sudo ${INSTALL[*]}" >&2
  exit 1
fi

echo "Installing them now: ${SUDO:+$SUDO }${INSTALL[*]}" >&2
[ -z "$SUDO" ] || echo "(sudo may ask for your password)" >&2
if [ "${INSTALL[0]}" = "apt-get" ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >&2 || true
fi
if ! $SUDO "${INSTALL[@]}" >&2; then
  echo "The install did not finish. Install these yourself, then run this again:" >&2
  echo "  sudo ${INSTALL[*]}" >&2
  exit 1
fi

STILL="$(missing_libs)"
if [ -n "$STILL" ]; then
  echo "These libraries are still missing after the install: $(echo "$STILL" | tr '\n' ' ')" >&2
  exit 1
fi
echo "Qt's libraries are in place." >&2
