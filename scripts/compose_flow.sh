#!/usr/bin/env bash
# The whole flow through nginx against a running compose stack (several web and worker
# replicas): the Postman collection (login -> profile -> invite activation), then what the
# proxy adds. Needs BASE_URL (nginx) and DC_COMPOSE (the `docker compose ...` command).
#   BASE_URL=http://127.0.0.1:8000 DC_COMPOSE="docker compose" scripts/compose_flow.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE_URL:?}" "${DC_COMPOSE:?}"
say() { printf '\n== %s\n' "$*"; }

say "newman through nginx: $BASE_URL"
node_modules/.bin/newman run postman/collection.json -e postman/environment.json \
  --env-var "baseUrl=$BASE_URL" --reporters cli --timeout-request 15000 --color off

say "413 answered by nginx in JSON"
head -c 4000000 /dev/zero > /tmp/compose_flow_body
body=$(curl -s -o - -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @/tmp/compose_flow_body "$BASE_URL/auth/sms/")
echo "$body"
[[ $body == *'"detail"'*' 413' ]]

say "/metrics is not reachable through nginx"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/metrics")
echo "$code"
[[ $code == 404 ]]

say "a request id from nginx reaches the worker's log line of the SMS it queued"
phone="+7999$(printf '%07d' $((RANDOM * 30 + RANDOM % 30)))"
headers=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d "{\"phone\": \"$phone\"}" "$BASE_URL/auth/sms/")
rid=$(printf '%s' "$headers" | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
echo "X-Request-ID: $rid"
[[ -n $rid ]]
for _ in $(seq 30); do
  if $DC_COMPOSE logs worker 2>/dev/null | grep "$rid" | grep -q "SMS delivered"; then break; fi
  sleep 1
done
$DC_COMPOSE logs --no-log-prefix worker | grep "$rid"
$DC_COMPOSE logs --no-log-prefix worker | grep "$rid" | grep -q "SMS delivered"

say "a token issued by one web replica is accepted by the other (keys shared via the database)"
replica() {  # replica INDEX PYTHON: run PYTHON in web-INDEX against its own gunicorn
  $DC_COMPOSE exec -T --index "$1" web python -c "import json, time, urllib.request as u
B = 'http://127.0.0.1:8000'
def call(path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = u.Request(B + path, data=data, headers={'Content-Type': 'application/json'})
    if token: request.add_header('Authorization', 'Bearer ' + token)
    return json.load(u.urlopen(request, timeout=10))
$2"
}
phone="+7999$(printf '%07d' $((RANDOM * 30 + RANDOM % 30)))"
access=$(replica 1 "
call('/auth/sms/', {'phone': '$phone'})
for _ in range(30):
    try: code = call('/dev/sms/?phone=' + '$phone'.replace('+', '%2B'))['code']; break
    except Exception: time.sleep(1)
print(call('/users/login/', {'phone': '$phone', 'password': code})['access'])")
[[ -n $access ]]
replica 2 "print(call('/users/me/', token='$access')['phone'])" | grep -qF "$phone"
jwks1=$(replica 1 "print(json.dumps(call('/.well-known/jwks.json'), sort_keys=True))")
jwks2=$(replica 2 "print(json.dumps(call('/.well-known/jwks.json'), sort_keys=True))")
echo "$jwks1"
[[ $jwks1 == "$jwks2" && $jwks1 == *'"kid"'* ]]

say "counters on each web replica (summed over its gunicorn processes) and on the workers"
for service in web worker; do
  port=8000; [[ $service == worker ]] && port=9808
  for index in 1 2; do
    echo "-- $service-$index"
    $DC_COMPOSE exec -T --index "$index" "$service" python -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=5).read().decode())" \
      | grep -E '^(login_codes_requested_total|logins_total|sms_deliveries_total|invite_activations_total|rate_limit_refusals_total)' || true
  done
done
say "flow passed"
