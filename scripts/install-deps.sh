#!/usr/bin/env bash
# Installs every build, test and runtime dependency of qimg from Debian 12 / Ubuntu packages
# (DESIGN §2). Run as root, or with sudo available. Nothing else is downloaded at build time.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  build-essential cmake ninja-build pkg-config curl
  libsqlite3-dev
  libvips-dev libheif-dev libexiv2-dev
  libtesseract-dev tesseract-ocr-eng
  libdnnl-dev libhnswlib-dev
  libcpp-httplib-dev libcurl4-openssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libssl-dev libsentencepiece-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wordnet-base
  chromium  # headless browser for tests/web (e2e_web_browser_test)
)
export DEBIAN_FRONTEND=noninteractive
if [ "${QIMG_SKIP_APT_UPDATE:-0}" != 1 ]; then $SUDO apt-get update; fi
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"
