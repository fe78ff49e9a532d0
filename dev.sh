#!/usr/bin/env bash
# Set-up in one command on a fresh Debian/Ubuntu machine (or any Linux with the libraries).
#   bash dev.sh demo   install, then open visitdesk on the bundled demo workbook
#   bash dev.sh test   install, then run the whole test suite headless
# Both create .venv beside this file and install visitdesk into it (editable).
set -euo pipefail
cd "$(dirname "$0")"

system_packages=(
  python3-venv
  # Qt's xcb/offscreen platforms and their fonts
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0
  # pdftotext, pdftoppm and pdfsig for the document tests
  poppler-utils
  # binutils: objdump for PyInstaller's bundle test
  binutils
  # the shared libpython PyInstaller bundles (Debian's python3 alone has no libpython3.X.so)
  libpython3-dev
  # a real PostgreSQL for the branch-server tests (initdb/pg_ctl in a temporary folder)
  postgresql
)

install_system() {
  command -v apt-get >/dev/null || return 0
  local missing=()
  for p in "${system_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_python() {
  local extras="$1"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
}

case "${1:-}" in
  demo)
    install_system
    install_python test
    exec .venv/bin/visitdesk --demo
    ;;
  test)
    install_system
    install_python test,bundle
    export QT_QPA_PLATFORM=offscreen
    exec .venv/bin/python -m pytest -q "${@:2}"
    ;;
  *)
    echo "usage: bash dev.sh demo | test [pytest options]" >&2
    exit 2
    ;;
esac
