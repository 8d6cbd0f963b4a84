#!/usr/bin/env bash
# Creates prisma/migrations/<timestamp>_<name> from the difference between prisma/schema.prisma and the
# committed migrations, on a throw-away embedded database (the Prisma CLI runs on the WASM schema engine).
# Usage: npm run db:new-migration -- <name>
set -euo pipefail
name="${1:?usage: npm run db:new-migration -- <name>}"
[[ "$name" =~ ^[a-z0-9_]+$ ]] || { echo "migration name must be lower_snake_case, got \"$name\"" >&2; exit 2; }
cd "$(dirname "$0")/../.."
export CASCADE_DATA_DIR; CASCADE_DATA_DIR="$(mktemp -d)/db"
unset DATABASE_URL
before=$(ls prisma/migrations)
# The first run applies the committed migrations to the fresh database (and then stops: a known Prisma
# adapter limitation); the second one diffs and writes the new migration.
npx prisma migrate dev --name "$name" --create-only >/dev/null 2>&1 || true
npx prisma migrate dev --name "$name" --create-only >/dev/null 2>&1 || true
rm -rf "$(dirname "$CASCADE_DATA_DIR")"
created=$(comm -13 <(echo "$before") <(ls prisma/migrations))
if [ -z "$created" ]; then echo "no migration created: the schema matches the migrations (or prisma failed; run npx prisma validate)" >&2; exit 1; fi
echo "created prisma/migrations/$created:"
cat "prisma/migrations/$created/migration.sql"
npx prisma generate >/dev/null
