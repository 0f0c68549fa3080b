# Sourced by the bench scripts (from the repository root): a scratch directory `$tmp` and a
# background lab whose pid the script stores in `lab_pid`; both are cleaned up on exit.
tmp=$(mktemp -d)
lab_pid=
cleanup() {
  if [ -n "$lab_pid" ] && kill -0 "$lab_pid" 2>/dev/null; then
    kill -INT "$lab_pid" 2>/dev/null || true
    wait "$lab_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
