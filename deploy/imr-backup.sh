#!/bin/sh
# One backup into IMR_BACKUP_DIR, then delete all but the newest IMR_BACKUP_KEEP (only after a backup succeeded).
set -eu
DIR="${IMR_BACKUP_DIR:-/var/backups/imr}"
KEEP="${IMR_BACKUP_KEEP:-30}"
cd "$(dirname "$0")/.."
umask 077  # the backups hold clinical data
.venv/bin/flask --app app backup "$DIR/imr-$(date -u +%Y-%m-%dT%H%M%SZ)"
ls -1d "$DIR"/imr-* | sort | head -n "-$KEEP" | while read -r old; do rm -rf -- "$old"; done
