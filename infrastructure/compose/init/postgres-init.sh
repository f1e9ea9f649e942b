#!/bin/sh
# One-shot (service postgres-init): the MLflow role and database on postgres-service, created if
# absent and the role's password set from the secret every time, so a rotated secret takes effect.
# Passwords travel in files and psql variables, never in argv.
set -eu
umask 077
printf '*:*:*:postgres:%s\n' "$(tr -d '\n' < /run/secrets/postgres_password)" > /tmp/pgpass
export PGPASSFILE=/tmp/pgpass PGUSER=postgres PGDATABASE=postgres
psql -v ON_ERROR_STOP=1 -q -v role="$MLFLOW_DB_USER" <<'SQL'
\set pw `cat /run/secrets/mlflow_db_password`
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" PASSWORD :'pw';
SQL
psql -v ON_ERROR_STOP=1 -q -v db="$MLFLOW_DB_NAME" -v role="$MLFLOW_DB_USER" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
echo "postgres-init: role $MLFLOW_DB_USER and database $MLFLOW_DB_NAME ready"
