#!/bin/sh
# The one setup step of the compose stack (docs/deploy.md). Safe to run again: it fills in what is missing
# and leaves every value already set alone.
#
#   deploy/bootstrap.sh            secrets, then `docker compose up -d`, then the tokens
#   deploy/bootstrap.sh secrets    before the first start: deploy/.env with generated passwords,
#                                  deploy/secrets/ with every file the stack mounts, and Alertmanager's
#                                  configuration rendered from deploy/alertmanager/alertmanager.yml
#   deploy/bootstrap.sh tokens     once metrics-service answers: the API tokens Prometheus (read scope) and
#                                  Alertmanager (ingest scope) use, written to deploy/secrets/
#
# Why this order: Prometheus and Alertmanager mount files of deploy/secrets/, and Docker creates a
# *directory* where a bind-mounted file is missing, so the files must exist before the first `up`; but the
# tokens can only be created through metrics-service's API once it runs. Both read their token file on
# every request, so nothing needs a restart once the tokens are written.
#
# Environment: METRICS_URL (default http://localhost:3000, the published port), READY_TIMEOUT (seconds,
# default 180), COMPOSE (default "docker compose"). Variables set in the environment win over deploy/.env
# when rendering Alertmanager's configuration. Needs sh, sed, od and curl.
set -eu
umask 077

DEPLOY_DIR=$(cd "$(dirname "$0")" && pwd)
ENV_FILE="$DEPLOY_DIR/.env"
SECRETS="$DEPLOY_DIR/secrets"
METRICS_URL=${METRICS_URL:-http://localhost:3000}
READY_TIMEOUT=${READY_TIMEOUT:-180}
COMPOSE=${COMPOSE:-docker compose}
trap 'rm -f "$SECRETS/alertmanager.yml.tmp" "$ENV_FILE.tmp"' EXIT

fail() {
  printf 'bootstrap: %s\n' "$*" >&2
  exit 1
}
note() { printf 'bootstrap: %s\n' "$*"; }

# 32 random bytes as hex: no character that needs quoting in .env, YAML, URLs or JSON.
random_secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# The last value of NAME in deploy/.env, without surrounding quotes (compose's .env syntax, no expansion).
env_file_value() {
  [ -f "$ENV_FILE" ] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# NAME from the environment if set there, else from deploy/.env.
setting() {
  eval "from_env=\${$1:-}"
  if [ -n "$from_env" ]; then printf '%s' "$from_env"; else env_file_value "$1"; fi
}

# Sets NAME=VALUE in deploy/.env: replaces the first empty `NAME=` line, or appends one. (awk reads the
# value from its environment: -v would interpret backslashes.)
set_env_value() {
  NAME=$1 VALUE=$2 awk '
    !done && $0 == ENVIRON["NAME"] "=" { print ENVIRON["NAME"] "=" ENVIRON["VALUE"]; done = 1; next }
    { print }
    END { if (!done) print ENVIRON["NAME"] "=" ENVIRON["VALUE"] }
  ' "$ENV_FILE" >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

write_env() {
  if [ ! -f "$ENV_FILE" ]; then
    cp "$DEPLOY_DIR/.env.example" "$ENV_FILE"
    note "created deploy/.env from deploy/.env.example"
  fi
  chmod 600 "$ENV_FILE"
  for name in ADMIN_PASSWORD JWT_SECRET GF_SECURITY_ADMIN_PASSWORD POSTGRES_PASSWORD REDIS_PASSWORD; do
    if [ -z "$(env_file_value "$name")" ]; then
      set_env_value "$name" "$(random_secret)"
      note "generated $name in deploy/.env"
    fi
  done
  # The redis-exporter watches the stack's own Redis unless REDIS_ADDR names the application's.
  if [ -z "$(env_file_value REDIS_ADDR)" ] && [ -z "$(env_file_value REDIS_EXPORTER_PASSWORD)" ]; then
    set_env_value REDIS_EXPORTER_PASSWORD "$(env_file_value REDIS_PASSWORD)"
  fi
}

write_secret_files() {
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  empty=''
  for name in metrics-read-token metrics-ingest-token slack-webhook-url discord-slack-webhook-url smtp-password; do
    [ -e "$SECRETS/$name" ] || : >"$SECRETS/$name"
    chmod 600 "$SECRETS/$name"
    [ -s "$SECRETS/$name" ] || empty="$empty $name"
  done
  note "deploy/secrets/ is ready; still empty:${empty:- none}"
}

# A value that goes into a single-quoted YAML string and a sed replacement.
check_plain() {
  case "$2" in
    *"'"* | *'|'* | *'&'* | *'\'* | *' '*) fail "$1 must not contain quotes, |, &, \\ or spaces: '$2'" ;;
  esac
}

# Alertmanager takes no host or address from its environment, so its configuration is rendered: the
# shipped file with ${EMAIL_...} replaced, or without its email parts (between the `>>> email` and
# `<<< email` markers) when EMAIL_TO is empty. The SMTP password stays in secrets/smtp-password.
render_alertmanager() {
  template="$DEPLOY_DIR/alertmanager/alertmanager.yml"
  target="$SECRETS/alertmanager.yml"
  to=$(setting EMAIL_TO)
  printf '# Rendered by deploy/bootstrap.sh from deploy/alertmanager/alertmanager.yml: edit that, run it again.\n' \
    >"$target.tmp"
  if [ -z "$to" ]; then
    sed '/# >>> email/,/# <<< email/d' "$template" >>"$target.tmp"
    note "EMAIL_TO is empty: Alertmanager sends no email"
  else
    host=$(setting EMAIL_SMTP_HOST)
    port=$(setting EMAIL_SMTP_PORT)
    port=${port:-587}
    from=$(setting EMAIL_FROM)
    user=$(setting EMAIL_USERNAME)
    user=${user:-$from}
    [ -n "$host" ] || fail "EMAIL_TO is set but EMAIL_SMTP_HOST is empty (deploy/.env)"
    [ -n "$from" ] || fail "EMAIL_TO is set but EMAIL_FROM is empty (deploy/.env)"
    case "$port" in *[!0-9]* | '') fail "EMAIL_SMTP_PORT must be a port number: '$port'" ;; esac
    for pair in "EMAIL_SMTP_HOST=$host" "EMAIL_FROM=$from" "EMAIL_USERNAME=$user" "EMAIL_TO=$to"; do
      check_plain "${pair%%=*}" "${pair#*=}"
    done
    sed -e '/# >>> email/d' -e '/# <<< email/d' \
      -e "s|\${EMAIL_SMTP_HOST}|$host|g" -e "s|\${EMAIL_SMTP_PORT}|$port|g" \
      -e "s|\${EMAIL_FROM}|$from|g" -e "s|\${EMAIL_USERNAME}|$user|g" -e "s|\${EMAIL_TO}|$to|g" \
      "$template" >>"$target.tmp"
    [ -s "$SECRETS/smtp-password" ] || note "EMAIL_TO is set but deploy/secrets/smtp-password is empty"
  fi
  mv "$target.tmp" "$target"
  chmod 600 "$target"
  note "rendered deploy/secrets/alertmanager.yml"
}

wait_ready() {
  waited=0
  until curl -fsS -o /dev/null "$METRICS_URL/ready" 2>/dev/null; do
    [ "$waited" -lt "$READY_TIMEOUT" ] || fail "metrics-service did not answer $METRICS_URL/ready within $READY_TIMEOUT s"
    sleep 2
    waited=$((waited + 2))
  done
}

# JSON string escaping for the password (backslash and double quote).
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }

# The value of "key":"…" in a one-line JSON answer.
json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# POSTs JSON to the API and prints the answer; fails with the answer on an error status.
api_post() {
  authorization=''
  [ -z "${3:-}" ] || authorization="authorization: Bearer $3"
  answer=$(curl -sS -w '\n%{http_code}' -X POST "$METRICS_URL$1" -H 'content-type: application/json' \
    -H "$authorization" --data-binary "$2") || fail "POST $1: metrics-service unreachable"
  status=$(printf '%s' "$answer" | tail -n 1)
  body=$(printf '%s' "$answer" | sed '$d')
  case "$status" in 2??) printf '%s' "$body" ;; *) fail "POST $1 answered $status: $body" ;; esac
}

create_tokens() {
  [ -d "$SECRETS" ] || fail "run 'deploy/bootstrap.sh secrets' first"
  needed=''
  [ -s "$SECRETS/metrics-read-token" ] || needed="$needed read"
  [ -s "$SECRETS/metrics-ingest-token" ] || needed="$needed ingest"
  if [ -z "$needed" ]; then
    note "both tokens exist (empty a file under deploy/secrets/ to create that token again)"
    return 0
  fi
  password=$(env_file_value ADMIN_PASSWORD)
  [ -n "$password" ] || fail "ADMIN_PASSWORD is empty in deploy/.env"
  wait_ready
  # ADMIN_PASSWORD is the admin's password of the first start; changed since, put the current one in .env.
  login=$(api_post /api/auth/login "{\"username\":\"admin\",\"password\":$(json_string "$password")}")
  access=$(printf '%s' "$login" | json_field accessToken)
  [ -n "$access" ] || fail "login answered without an access token"
  for scope in $needed; do
    case "$scope" in
      read) file=metrics-read-token name=prometheus-scrape ;;
      *) file=metrics-ingest-token name=alertmanager-webhook ;;
    esac
    token=$(api_post /api/auth/tokens "{\"name\":\"$name\",\"scopes\":[\"$scope\"]}" "$access" | json_field token)
    [ -n "$token" ] || fail "POST /api/auth/tokens answered without a token"
    # Written in place, not replaced: compose bind-mounts this one file into Prometheus, and a mount of a
    # file keeps pointing at the old inode when the file is swapped for a new one.
    printf '%s' "$token" >"$SECRETS/$file"
    note "created the $scope token '$name' in deploy/secrets/$file"
  done
}

secrets() {
  write_env
  write_secret_files
  render_alertmanager
}

case "${1:-all}" in
  secrets) secrets ;;
  tokens) create_tokens ;;
  all)
    secrets
    # shellcheck disable=SC2086 # COMPOSE is a command and its arguments
    $COMPOSE -p metrics-service -f "$DEPLOY_DIR/compose.yaml" --env-file "$ENV_FILE" up -d --build
    create_tokens
    ;;
  *) fail "usage: deploy/bootstrap.sh [all|secrets|tokens]" ;;
esac
