# Sourced by build.sh and base.sh, which run builds as background jobs. A script's background jobs
# ignore Ctrl-C, so on INT or TERM this stops each job and what it started (docker build,
# debootstrap), then exits.
kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
stop_jobs_on_signal() {
  trap 'for job in $(jobs -p); do kill_tree "$job"; done; exit 130' INT TERM
}
