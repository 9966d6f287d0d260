#!/bin/sh
# Installs the Gatehouse executable from a GitHub release:
#
#   curl -fsSL https://github.com/<owner>/gatehouse/releases/latest/download/install.sh | sh
#
# It picks the binary for this machine (Linux or macOS, x64 or arm64), checks it against the
# release's SHA256SUMS, and refuses to install anything that does not match.
#
# Settings (environment variables):
#   GATEHOUSE_VERSION        a release such as 1.2.0 (or v1.2.0); default: the latest release
#   GATEHOUSE_INSTALL_DIR    where to put `gatehouse`; default /usr/local/bin when writable,
#                            else ~/.local/bin
#   GATEHOUSE_DOWNLOAD_BASE  a URL holding gatehouse-<os>-<arch> and SHA256SUMS (a mirror);
#                            when set, GATEHOUSE_VERSION is not used
#   GATEHOUSE_OS, GATEHOUSE_ARCH  stand-ins for `uname -s` and `uname -m`
set -eu

# The GitHub repository releases come from. The release workflow writes the real one into the
# copy of this script it attaches to each release; `__OWNER__` cannot be a GitHub account, so
# this copy never downloads from someone else's repository.
GATEHOUSE_REPO="__OWNER__/gatehouse"

say() { printf 'gatehouse-install: %s\n' "$*"; }
fail() {
  printf 'gatehouse-install: error: %s\n' "$*" >&2
  exit 1
}

detect_os() {
  os_raw=${GATEHOUSE_OS:-$(uname -s)}
  case $os_raw in
    Linux | linux) echo linux ;;
    Darwin | darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT | windows)
      fail "Windows is not supported by this script: download gatehouse-windows-x64.exe and SHA256SUMS from the release page instead" ;;
    *) fail "no Gatehouse release for the operating system \"$os_raw\" (there are builds for Linux and macOS, and Windows x64); build from source: see docs/deploy.md" ;;
  esac
}

detect_arch() {
  arch_raw=${GATEHOUSE_ARCH:-$(uname -m)}
  case $arch_raw in
    x86_64 | amd64 | x64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no Gatehouse release for the processor \"$arch_raw\" on $1 (there are builds for x86_64 and arm64); build from source: see docs/deploy.md" ;;
  esac
  # A shell under Rosetta 2 reports x86_64 on an Apple silicon Mac: take the native binary.
  if [ "$1" = darwin ] && [ "$arch" = x64 ] && [ -z "${GATEHOUSE_ARCH:-}" ] &&
    [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  echo "$arch"
}

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$2" "$1" || return 1
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || return 1
  else
    fail "neither curl nor wget is installed"
  fi
}

sha256_of() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "neither sha256sum nor shasum is installed, so the download cannot be verified"
  fi
}

pick_install_dir() {
  if [ -n "${GATEHOUSE_INSTALL_DIR:-}" ]; then
    echo "$GATEHOUSE_INSTALL_DIR"
  elif [ -d /usr/local/bin ] && [ -w /usr/local/bin ]; then
    echo /usr/local/bin
  else
    [ -n "${HOME:-}" ] || fail "HOME is not set; set GATEHOUSE_INSTALL_DIR"
    echo "$HOME/.local/bin"
  fi
}

# Everything runs from here, at the end of the file, so a download cut short (curl | sh)
# runs nothing.
main() {
  os=$(detect_os)
  arch=$(detect_arch "$os")
  file="gatehouse-$os-$arch"

  if [ -n "${GATEHOUSE_DOWNLOAD_BASE:-}" ]; then
    base=${GATEHOUSE_DOWNLOAD_BASE%/}
  else
    case $GATEHOUSE_REPO in
      __OWNER__/*) fail "this copy of install.sh does not name a release repository: use the install.sh attached to a release, or set GATEHOUSE_DOWNLOAD_BASE" ;;
    esac
    if [ -n "${GATEHOUSE_VERSION:-}" ]; then
      base="https://github.com/$GATEHOUSE_REPO/releases/download/v${GATEHOUSE_VERSION#v}"
    else
      base="https://github.com/$GATEHOUSE_REPO/releases/latest/download"
    fi
  fi

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT TERM

  say "downloading $file from $base"
  download "$base/$file" "$tmp/$file" || fail "could not download $base/$file"
  download "$base/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $base/SHA256SUMS"

  # Lines are "<sha256>  <file>" (or "<sha256> *<file>"); exactly one must name ours.
  expected=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  case $expected in
    "") rm -f "$tmp/$file"; fail "SHA256SUMS has no line for $file; nothing was installed" ;;
    *[!0-9a-fA-F]*) rm -f "$tmp/$file"; fail "SHA256SUMS has more than one line, or a malformed one, for $file; nothing was installed" ;;
  esac
  actual=$(sha256_of "$tmp/$file")
  if [ "$(echo "$expected" | tr 'A-F' 'a-f')" != "$actual" ]; then
    rm -f "$tmp/$file"
    fail "checksum mismatch for $file (expected $expected, got $actual): the download is corrupt or was tampered with; nothing was installed"
  fi
  say "checksum verified ($actual)"

  dir=$(pick_install_dir)
  mkdir -p "$dir" || fail "cannot create $dir; set GATEHOUSE_INSTALL_DIR to a folder you can write"
  chmod +x "$tmp/$file"
  # Copy next to the target, then rename: a running gatehouse is never overwritten in place.
  cp "$tmp/$file" "$dir/.gatehouse.new.$$" || fail "cannot write to $dir; set GATEHOUSE_INSTALL_DIR to a folder you can write"
  mv -f "$dir/.gatehouse.new.$$" "$dir/gatehouse" || { rm -f "$dir/.gatehouse.new.$$"; fail "cannot write $dir/gatehouse"; }
  version=$("$dir/gatehouse" version 2>/dev/null) || fail "$dir/gatehouse was installed but does not run on this machine"
  say "installed $dir/gatehouse ($version)"

  case ":${PATH:-}:" in
    *":$dir:"*) cmd=gatehouse ;;
    *)
      cmd="$dir/gatehouse"
      say "warning: $dir is not on your PATH; add it (export PATH=\"$dir:\$PATH\") or run $cmd"
      ;;
  esac
  say "next: $cmd demo                        (try it in a browser)"
  say "      $cmd run -c gatehouse.yaml       (serve your config; docs/configuration.md)"
}

main
