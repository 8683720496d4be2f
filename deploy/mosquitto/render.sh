#!/usr/bin/env bash
# Renders the GateKiosk Mosquitto configuration for one site.
#
#   ./render.sh SITE OUTDIR
#
# writes OUTDIR/mosquitto.conf and OUTDIR/gatekiosk.acl from the .in templates beside this script.
# Environment (defaults for a Debian/Raspberry Pi OS broker):
#   PORT            TLS listener port                              (8883)
#   LISTEN_ADDRESS  address to bind, empty for all                 ()
#   CONF_DIR        folder holding gatekiosk.acl and certs/        (/etc/mosquitto/gatekiosk)
#   DATA_DIR        persistence folder, owned by user mosquitto    (/var/lib/mosquitto/)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SITE OUTDIR   (SITE is the site id, [a-z0-9-])" >&2
  exit 2
fi
site=$1
out=$2
if ! [[ $site =~ ^[a-z0-9-]+$ ]]; then
  echo "site id '$site' must be lower-case letters, digits and '-' only (it becomes part of every topic)" >&2
  exit 2
fi

port=${PORT:-8883}
listen=${LISTEN_ADDRESS:-}
conf=${CONF_DIR:-/etc/mosquitto/gatekiosk}
data=${DATA_DIR:-/var/lib/mosquitto/}
case $data in */) ;; *) data="$data/" ;; esac
if ! [[ $port =~ ^[0-9]+$ ]]; then
  echo "PORT '$port' must be a number" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for name in mosquitto.conf gatekiosk.acl; do
  sed -e "s|@SITE@|$site|g" -e "s|@PORT@|$port|g" -e "s|@LISTEN_ADDRESS@|$listen|g" \
      -e "s|@CONFDIR@|$conf|g" -e "s|@DATADIR@|$data|g" -e 's/[[:space:]]*$//' \
      "$here/$name.in" > "$out/$name"
done
# The ACL is only read by the broker (which runs as user mosquitto): keep it from other local users.
chmod 0640 "$out/gatekiosk.acl"
if [ "$(id -u)" -eq 0 ] && getent group mosquitto >/dev/null; then
  chgrp mosquitto "$out/gatekiosk.acl"
fi
echo "rendered $out/mosquitto.conf and $out/gatekiosk.acl for site $site (port $port)"
