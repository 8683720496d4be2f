#!/usr/bin/env bash
# Builds the Debian packages into artifacts/deb/:
#   gatekiosk_VERSION_{amd64,arm64}.deb          the kiosk, a native (ahead-of-time) executable for each architecture;
#                                                arm64 is cross-compiled with Debian's cross toolchain
#   gatekiosk-central_VERSION_{amd64,arm64}.deb  central, self-contained (.NET runtime inside: Debian and Raspberry Pi
#                                                OS ship no .NET 10 runtime package to depend on)
#
# Usage: scripts/package.sh [--arch amd64|arm64|all] [--only gatekiosk|gatekiosk-central] [--kiosk-amd64 DIR]
#   --kiosk-amd64 DIR  use an amd64 native kiosk already published to DIR (the test command publishes one to
#                      artifacts/native) instead of publishing it again
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

archs=(amd64 arm64)
only=""
kiosk_amd64=""
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ "$2" = all ] || archs=("$2"); shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --kiosk-amd64) kiosk_amd64="$2"; shift 2 ;;
    *) echo "Unknown option $1" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[ -n "$version" ] || { echo "No <Version> in Directory.Build.props" >&2; exit 1; }
maintainer="GateKiosk maintainers <maintainers@gatekiosk.example>"
out="$repo/artifacts/deb"
work="$repo/artifacts/deb-build"
mkdir -p "$out"

# Debian packages the build needs: dpkg-deb, the native linker, and for arm64 Debian's cross toolchain and the
# arm64 zlib (multiarch).
need=(dpkg-dev binutils file clang zlib1g-dev)
if printf '%s\n' "${archs[@]}" | grep -qx arm64; then
  need+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross lld zlib1g-dev:arm64)
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if printf '%s\n' "${missing[@]}" | grep -q ':arm64$' && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

rid_of() { case "$1" in amd64) echo linux-x64 ;; arm64) echo linux-arm64 ;; esac; }
strip_of() { case "$1" in amd64) echo strip ;; arm64) echo aarch64-linux-gnu-strip ;; esac; }

# Runs a publish, printing its log only when it fails; a native-build warning other than the two known ones
# (see src/GateKiosk/GateKiosk.csproj) fails the build.
publish() {
  local log; log=$(mktemp)
  if ! dotnet publish "$@" -c Release -nologo >"$log" 2>&1; then cat "$log"; rm -f "$log"; return 1; fi
  local unexpected
  unexpected=$(grep -E 'warning [A-Z]+[0-9]+' "$log" | grep -vE '/(System\.Device\.Gpio|Iot\.Device\.Bindings)\.dll : warning IL(2104|3053):' | sort -u || true)
  rm -f "$log"
  if [ -n "$unexpected" ]; then echo "New build warnings:"; echo "$unexpected"; return 1; fi
}

# Depends: for the ELF files in $1, from the libraries they need (no dpkg-shlibdeps: it needs the target
# architecture's libraries installed, which a cross build does not have). ICU and OpenSSL are loaded at run time
# (globalization, TLS to the broker), so they are named too.
depends_of() {
  local dir="$1" needed glibc
  needed=$(find "$dir" -type f \( -name '*.so' -o -perm -u+x \) -exec sh -c 'readelf -d "$1" 2>/dev/null' _ {} \; \
    | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
  glibc=$(find "$dir" -type f \( -name '*.so' -o -perm -u+x \) -exec sh -c 'readelf -V "$1" 2>/dev/null' _ {} \; \
    | grep -o 'GLIBC_2\.[0-9]*' | sed 's/GLIBC_//' | sort -t. -k2 -n -u | tail -n 1)
  local deps=("libc6 (>= ${glibc:-2.17})")
  grep -qx 'libstdc++.so.6' <<<"$needed" && deps+=("libstdc++6")
  grep -qx 'libgcc_s.so.1' <<<"$needed" && deps+=("libgcc-s1")
  grep -qx 'libz.so.1' <<<"$needed" && deps+=("zlib1g")
  grep -q 'libfontconfig' <<<"$needed" && deps+=("libfontconfig1")
  deps+=("libicu72 | libicu76 | libicu74" "libssl3 | libssl3t64")
  local IFS=,; echo "${deps[*]}" | sed 's/,/, /g'
}

# Writes the parts every package has: changelog (a native package: changelog.gz), copyright, lintian overrides, maintainer scripts, conffiles.
common_parts() {
  local name="$1" root="$2" doc="$2/usr/share/doc/$1"
  mkdir -p "$doc" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
  printf '%s (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
    "$name" "$version" "$version" "$maintainer" "$(date -R -d "@$(git log -1 --format=%ct)")" | gzip -n9 > "$doc/changelog.gz"
  cp deploy/debian/copyright "$doc/copyright"
  cp "deploy/debian/$name/lintian-overrides" "$root/usr/share/lintian/overrides/$name"
  for script in postinst prerm postrm; do
    install -m 0755 "deploy/debian/$name/$script" "$root/DEBIAN/$script"
  done
  (cd "$root" && find etc -type f -printf '/%p\n' | sort) > "$root/DEBIAN/conffiles"
}

# Writes DEBIAN/control and md5sums and builds the .deb.
finish() {
  local name="$1" arch="$2" root="$3" depends="$4" description="$5"
  local size; size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  cat > "$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Section: misc
Priority: optional
Description: $description
EOF
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
  find "$root" -type d -exec chmod 0755 {} +
  dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$out/${name}_${version}_${arch}.deb" >/dev/null
  echo "Built artifacts/deb/${name}_${version}_${arch}.deb"
}

build_kiosk() {
  local arch="$1" rid; rid=$(rid_of "$arch")
  local bin="$work/publish/gatekiosk-$arch"
  if [ "$arch" = amd64 ] && [ -n "$kiosk_amd64" ]; then
    bin="$kiosk_amd64"
  else
    rm -rf "$bin" "src/GateKiosk/obj/Release/net10.0/$rid/native"
    echo "Publishing the native kiosk ($rid)"
    publish src/GateKiosk/GateKiosk.csproj -r "$rid" -p:PublishAot=true -o "$bin"
  fi
  file "$bin/gatekiosk" | grep -q "$( [ "$arch" = arm64 ] && echo aarch64 || echo x86-64 )" \
    || { echo "$bin/gatekiosk is not an $arch executable" >&2; return 1; }

  local root="$work/gatekiosk-$arch"
  rm -rf "$root"
  mkdir -p "$root/usr/lib/gatekiosk" "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/usr/lib/udev/rules.d" \
    "$root/etc/gatekiosk/tls" "$root/var/lib/gatekiosk" "$root/usr/share/doc/gatekiosk/examples"
  install -m 0755 "$bin/gatekiosk" "$root/usr/lib/gatekiosk/gatekiosk"
  for lib in "$bin"/*.so; do
    install -m 0644 "$lib" "$root/usr/lib/gatekiosk/"
    "$(strip_of "$arch")" --strip-unneeded "$root/usr/lib/gatekiosk/$(basename "$lib")"
  done
  ln -s ../lib/gatekiosk/gatekiosk "$root/usr/bin/gatekiosk"
  install -m 0644 deploy/systemd/gatekiosk.service "$root/usr/lib/systemd/system/"
  install -m 0644 deploy/udev/70-gatekiosk.rules "$root/usr/lib/udev/rules.d/"
  install -m 0644 deploy/debian/gatekiosk/defaults.json "$root/etc/gatekiosk/defaults.json"
  install -m 0644 deploy/gatekiosk.json.example "$root/usr/share/doc/gatekiosk/examples/kiosk.json"
  install -m 0644 deploy/README.md "$root/usr/share/doc/gatekiosk/README.md"
  common_parts gatekiosk "$root"
  finish gatekiosk "$arch" "$root" "$(depends_of "$root/usr/lib/gatekiosk"), passwd" \
    "QR access control kiosk for a gate
 Reads QR codes and badges, decides offline, drives the door relay, LEDs,
 buzzer and display, journals every entry and sends the journal to the
 site's central over MQTT. Runs as the service gatekiosk.service once
 /etc/gatekiosk/kiosk.json exists (written by gatekiosk enroll)."
}

build_central() {
  local arch="$1" rid; rid=$(rid_of "$arch")
  local bin="$work/publish/gatekiosk-central-$arch"
  rm -rf "$bin"
  echo "Publishing central ($rid, self-contained)"
  publish src/GateKiosk.Central/GateKiosk.Central.csproj -r "$rid" --self-contained -p:DebugType=none -o "$bin"
  local root="$work/gatekiosk-central-$arch"
  rm -rf "$root"
  mkdir -p "$root/usr/lib/gatekiosk-central" "$root/usr/bin" "$root/usr/lib/systemd/system" \
    "$root/etc/gatekiosk/central" "$root/var/lib/gatekiosk-central"
  cp -r "$bin/." "$root/usr/lib/gatekiosk-central/"
  # Documentation files of the project's own assemblies are for developers.
  find "$root/usr/lib/gatekiosk-central" -maxdepth 1 \( -name 'GateKiosk*.xml' -o -name 'gatekiosk*.xml' \) -delete
  find "$root/usr/lib/gatekiosk-central" -type f -exec chmod 0644 {} +
  chmod 0755 "$root/usr/lib/gatekiosk-central/gatekiosk-central"
  for lib in "$root/usr/lib/gatekiosk-central"/*.so; do
    "$(strip_of "$arch")" --strip-unneeded "$lib" 2>/dev/null || true
  done
  ln -s ../lib/gatekiosk-central/gatekiosk-central "$root/usr/bin/gatekiosk-central"
  install -m 0644 deploy/systemd/gatekiosk-central.service "$root/usr/lib/systemd/system/"
  install -m 0644 deploy/debian/gatekiosk-central/defaults.json "$root/etc/gatekiosk/central/defaults.json"
  common_parts gatekiosk-central "$root"
  finish gatekiosk-central "$arch" "$root" "$(depends_of "$root/usr/lib/gatekiosk-central"), passwd" \
    "collector, API and pages of a site's access control kiosks
 Receives the kiosks' journals over MQTT into its event store (SQLite or
 PostgreSQL), serves the managers' pages and the API, and signs kiosk
 certificates at enrollment. Self-contained: the .NET runtime is inside.
 Runs as the service gatekiosk-central.service once
 /etc/gatekiosk/central/central.json exists."
}

for arch in "${archs[@]}"; do
  [ "$only" = gatekiosk-central ] || build_kiosk "$arch"
  [ "$only" = gatekiosk ] || build_central "$arch"
done
