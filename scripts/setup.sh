#!/usr/bin/env bash
# Installs what mailbot and its tests need on a fresh Debian machine:
# system packages (libmagic, Dovecot for the IMAP tests) and a virtualenv in .venv.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# libmagic: formats; Dovecot: IMAP tests; Tesseract (+ Vietnamese) and poppler: OCR of scans;
# Liberation fonts: the OCR tests print their own scans, and `register print` embeds Liberation Serif;
# chromium: screenshots of the web view.
want_debs=(libmagic1 dovecot-imapd tesseract-ocr tesseract-ocr-vie poppler-utils fonts-liberation2 chromium)
missing=()
for deb in "${want_debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The packaged service is not used: the tests start their own Dovecot.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
  else
    echo "setup: missing Debian packages ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.mailbot-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing mailbot and its test dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi
