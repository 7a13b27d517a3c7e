# Sourced by the scripts that build Lambda artifacts. Installs cargo-lambda
# (pip; it brings zig for cross-linking) when missing, and offers:
#   ensure_arm64_target   adds the aarch64 standard library with rustup;
#                         returns non-zero when it cannot (no download)
#   check_bootstrap FILE ARCH   FILE must be an ELF executable for ARCH
#                         (arm64 or x86_64); prints what it found
# Expects a `log` function.

if ! command -v cargo-lambda >/dev/null 2>&1; then
  log "installing cargo-lambda (pip; brings zig)"
  python3 -m pip install --quiet cargo-lambda
fi

ensure_arm64_target() {
  rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu && return 0
  log "adding the aarch64-unknown-linux-gnu target"
  rustup target add aarch64-unknown-linux-gnu
}

check_bootstrap() {
  local file="$1" want="$2" magic machine expected
  [ "$(basename "$file")" = bootstrap ] || { echo "$file: not named bootstrap" >&2; return 1; }
  [ -x "$file" ] || { echo "$file: missing or not executable" >&2; return 1; }
  magic=$(od -An -tx1 -N4 "$file" | tr -d ' \n')
  [ "$magic" = 7f454c46 ] || { echo "$file: not an ELF file" >&2; return 1; }
  # e_type (offset 16) 2 = executable or 3 = shared object (PIE); e_machine
  # (offset 18, little endian) 0xb7 = AArch64, 0x3e = x86-64.
  machine=$(od -An -tx1 -j18 -N2 "$file" | tr -d ' \n')
  case "$want" in
    arm64) expected=b700 ;;
    x86_64) expected=3e00 ;;
    *) echo "unknown architecture $want" >&2; return 1 ;;
  esac
  if [ "$machine" != "$expected" ]; then
    echo "$file: ELF machine $machine, expected $want ($expected)" >&2
    return 1
  fi
  printf '%s: ELF %s executable, %s bytes\n' "$file" "$want" "$(stat -c %s "$file")"
}
