#!/usr/bin/env bash
# Build the image, start the compose stack (PostgreSQL, Redis, migrate, web, worker, scheduler) under
# a throwaway project name with throwaway secrets, probe it, and remove it again (volumes included).
#
#   deploy/compose-smoke.sh            # WEB_PORT=18000 by default; SMOKE_TIMEOUT=240 seconds to come up
#
# Probes: the home page, the admin login page and /api/v1/health answer 200 through gunicorn; the
# worker runs a task through Redis; the worker and scheduler containers are still running. Exit 0
# when all pass, 1 with the stack's logs when one fails. Where Docker Compose or a Docker engine is
# missing it says so and exits 0: there is nothing it could check.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1; then
  echo "compose-smoke: skipped: the docker command is not installed here."
  exit 0
fi
if ! docker compose version >/dev/null 2>&1; then
  echo "compose-smoke: skipped: Docker Compose v2 (docker compose) is not installed here."
  exit 0
fi
if ! docker info >/dev/null 2>&1; then
  echo "compose-smoke: skipped: no Docker engine answers here (docker info failed)."
  exit 0
fi

WEB_PORT=${WEB_PORT:-18000}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-240}
project="magnetiq-smoke-$$"
work=$(mktemp -d)
compose() { docker compose --project-name "$project" "$@"; }
cleanup() {
  compose down --volumes --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# Throwaway secrets: a JWT key pair readable by the containers' user, a database password, a key.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/jwt_private.pem" 2>/dev/null
openssl pkey -in "$work/jwt_private.pem" -pubout -out "$work/jwt_public.pem"
chmod 644 "$work/jwt_private.pem" "$work/jwt_public.pem"
export JWT_PRIVATE_KEY_FILE="$work/jwt_private.pem" JWT_PUBLIC_KEY_FILE="$work/jwt_public.pem"
export POSTGRES_PASSWORD="$(openssl rand -hex 16)" DJANGO_SECRET_KEY="$(openssl rand -hex 40)"
export DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1" SITE_URL="http://localhost:$WEB_PORT"
export SECURE_SSL_REDIRECT=false EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend WEB_PORT

fail() {
  echo "compose-smoke: FAILED: $*"
  compose ps || true
  compose logs --no-color --tail 80 || true
  exit 1
}

echo "compose-smoke: building and starting project $project on port $WEB_PORT"
compose up --detach --build || fail "docker compose up"

deadline=$((SECONDS + SMOKE_TIMEOUT))
until curl -fsS -o /dev/null "http://127.0.0.1:$WEB_PORT/api/v1/health/ready"; do
  [ $SECONDS -lt $deadline ] || fail "/api/v1/health/ready did not answer 200 within ${SMOKE_TIMEOUT}s"
  sleep 3
done

probe() {
  local path=$1 code
  code=$(curl -s -o "$work/body" -w '%{http_code}' -H "Host: localhost" "http://127.0.0.1:$WEB_PORT$path")
  [ "$code" = "200" ] || fail "GET $path answered $code"
  echo "compose-smoke: GET $path 200"
}
probe /
probe /admin/login/
probe /api/v1/health
grep -q '"status":"healthy"' "$work/body" || grep -q '"status": "healthy"' "$work/body" || fail "/api/v1/health is not healthy"

# A task through Redis: enqueued by a one-off container, run by the worker service.
result=$(compose run --rm --no-deps -T web python - <<'PY'
import time, django
django.setup()
from django_tasks import default_task_backend
from django.conf import settings
from magnetiq.tests.tasks import add
assert settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend", settings.TASKS
result = add.enqueue(20, 22)
for _ in range(60):
    done = default_task_backend.get_result(result.id)
    if str(done.status) == "SUCCESSFUL":
        print("task", done.return_value)
        break
    time.sleep(1)
else:
    print("task not run:", done.status)
PY
) || fail "enqueueing a task"
echo "$result" | grep -q "^task 42$" || fail "the worker did not run the task through Redis: $result"
echo "compose-smoke: a task ran through Redis on the worker"

for service in worker scheduler web; do
  compose ps --status running --services | grep -qx "$service" || fail "the $service service is not running"
done
echo "compose-smoke: web, worker and scheduler are running; all probes passed"
