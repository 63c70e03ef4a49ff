#!/usr/bin/env bash
# crashtest.sh [MESSAGES] [KILLS]
# Drives MESSAGES (default 10000) with Postfix's smtp-source at a real
# casemail daemon and kills it with SIGKILL at random moments KILLS times
# (default 5), restarting it each time. Then it checks, with the daemon
# stopped, that every message that got a 250 is stored exactly once and
# that the bbolt file is consistent (casemail store check runs bbolt's own
# page check). Prints: acknowledged=N stored=N lost=N duplicated=N.
# Needs: smtp-source (apt-get install postfix), go, ss or /dev/tcp.
set -u
N=${1:-10000}; KILLS=${2:-5}; SESSIONS=${SESSIONS:-10}
cd "$(dirname "$0")/.."
SRC=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ -x "$SRC" ] || { echo "smtp-source not found (apt-get install postfix)" >&2; exit 2; }
W=$(mktemp -d); trap 'kill -9 $PID 2>/dev/null; rm -rf "$W"' EXIT
go build -o "$W/casemail" ./cmd/casemail || exit 2
PORT=$((20000 + RANDOM % 20000))
export CASEMAIL_SMTP_LISTEN=127.0.0.1:$PORT CASEMAIL_STORE_PATH=$W/casemail.db CASEMAIL_ADMIN_LISTEN=127.0.0.1:0 \
  CASEMAIL_OUTBOUND_SMARTHOST=127.0.0.1:1 CASEMAIL_LOG_LEVEL=error
PID=
start() {
  "$W/casemail" serve >>"$W/daemon.log" 2>&1 & PID=$!
  for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0; sleep 0.05; done
  echo "daemon did not start:" >&2; tail -5 "$W/daemon.log" >&2; exit 1
}
per=$(( (N + KILLS) / (KILLS + 1) ))
sent=0; round=0
while [ $sent -lt $N ]; do
  round=$((round + 1)); m=$per; [ $((sent + m)) -gt $N ] && m=$((N - sent))
  start
  "$SRC" -v -s "$SESSIONS" -m "$m" -l 2048 -f load@example.org -t support@example.com "127.0.0.1:$PORT" >"$W/src.$round.log" 2>&1 &
  SP=$!
  if [ $round -le $KILLS ]; then
    # Kill at a random moment while the round is in flight (about a
    # message per millisecond here, so within the first m milliseconds).
    sleep "$(awk -v ms=$((RANDOM % m + 1)) 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -9 $PID; wait $PID 2>/dev/null
    wait $SP 2>/dev/null
  else
    wait $SP; kill -TERM $PID; wait $PID 2>/dev/null
  fi
  sent=$((sent + m))
done
# Every "250 2.0.0 Ok: case #N" is a message acknowledged after its commit;
# each message here opens its own case, so no number may be acknowledged
# twice: a repeat means an acknowledged message was lost in a crash and its
# number handed out again.
all_acked=$(cat "$W"/src.*.log | grep -o '<<< 250 2.0.0 Ok: case #[0-9]*' | sed 's/.*#//' | sort -n)
acked=$(printf '%s\n' "$all_acked" | uniq)
n_acked=$(printf '%s\n' "$all_acked" | grep -c .)
reused=$(( n_acked - $(printf '%s\n' "$acked" | grep -c .) ))
report=$("$W/casemail" store check)
rc=$?
max=$(printf '%s' "$report" | sed -n 's/.*"max_case": \([0-9]*\).*/\1/p')
stored=$(printf '%s' "$report" | sed -n 's/.*"incoming": \([0-9]*\).*/\1/p')
dup=$(printf '%s' "$report" | sed -n 's/.*"duplicated_incoming_message_ids": \([0-9]*\).*/\1/p')
# Case numbers are allocated in the committing transaction and have no gaps
# (store check verifies), so an acknowledged case #N is stored iff N <= max.
lost=$(( $(printf '%s\n' "$acked" | awk -v max="$max" 'NF && $1 > max' | grep -c .) + reused ))
echo "messages=$N kills=$KILLS acknowledged=$n_acked stored=$stored lost=$lost duplicated=$dup"
if [ $rc -ne 0 ] || [ "$lost" != 0 ] || [ "$dup" != 0 ]; then
  echo "FAILED; store check said:" >&2; printf '%s\n' "$report" >&2; exit 1
fi
