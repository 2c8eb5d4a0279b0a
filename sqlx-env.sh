# Source this to compile against the dev database and refresh .sqlx/ (see README, "Changing SQL").
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/root/.cache/doorway-target}
export SQLX_OFFLINE=false
export DATABASE_URL=${DOORWAY_DEV_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/doorway_dev}
export SQLX_OFFLINE_DIR="$(git rev-parse --show-toplevel)/.sqlx"
