#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 on loopback for the store tests; prints the URL. Stop it with `pg.sh stop DIR`.
set -euo pipefail
if [ "${1:-}" = "stop" ]; then
  runuser -u postgres -- pg_ctl -D "$2/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
dir="$1"
port="${2:-54329}"
mkdir -p "$dir"
chown postgres "$dir"
runuser -u postgres -- initdb -D "$dir/data" -A trust -U postgres >/dev/null
runuser -u postgres -- pg_ctl -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" \
  -l "$dir/log" -w start >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -qc 'create database account_intel_test' >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$port/account_intel_test"
