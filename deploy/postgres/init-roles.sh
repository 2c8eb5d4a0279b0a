#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data directory
# (/docker-entrypoint-initdb.d), as the superuser. It sets up what production has before the
# first `doorway migrate`:
#   - doorway_owner: owns the `doorway` database and its schema; `doorway migrate` logs in as it.
#     Not a superuser; CREATEROLE because the first migration creates doorway_app where it is
#     missing (PostgreSQL checks that right before it sees the role already exists).
#   - doorway_app: the service's login role, which owns nothing and is bound by row-level
#     security; `doorway serve` logs in as it. The migrations grant it what it needs (they also
#     create it, without LOGIN, where nobody did).
# Passwords come from the container's environment (see docker-compose.yml).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$DOORWAY_OWNER_PASSWORD" \
    -v app_password="$DOORWAY_APP_PASSWORD" <<'SQL'
create role doorway_owner login createrole password :'owner_password';
create role doorway_app login password :'app_password';
-- The migrations grant doorway_app to the role that runs them; let the owner do so.
grant doorway_app to doorway_owner with admin option;
-- The migrations' security-definer functions each set this parameter for their own duration
-- (`create function ... set doorway.scope = ...`), which only a superuser may, or a role given
-- the right.
grant set on parameter doorway.scope to doorway_owner;
create database doorway owner doorway_owner;
\connect doorway
alter schema public owner to doorway_owner;
SQL
