# Sourced by bench/callgrind.sh and bench/callgrind_lists.sh: the
# instructions per request of one path on a server running under callgrind.
#   cg_measure LABEL FILE PATH WARMUP [HEADER...]
# sends WARMUP requests, zeroes the counters, sends $N requests over $C
# connections (bench/fixed_count.py), dumps the counts to $OUT/FILE.out and
# prints LABEL (padded to $CG_WIDTH), Ir per request and the status counts.
# Needs PORT, PID (the server under callgrind), N, C and OUT.
cg_measure() {
  local label=$1 file=$2 path=$3 warmup=$4
  shift 4
  python3 bench/fixed_count.py 127.0.0.1 "$PORT" "$path" "$warmup" "$C" "$@" >/dev/null
  callgrind_control --zero "$PID" >/dev/null 2>&1
  local statuses
  statuses=$(python3 bench/fixed_count.py 127.0.0.1 "$PORT" "$path" "$N" "$C" "$@")
  callgrind_control --dump="$file" "$PID" >/dev/null 2>&1
  local f
  for _ in $(seq 50); do
    f=$(grep -l "^desc: Trigger: dump $file\$" "$OUT"/callgrind.out.* 2>/dev/null | head -1) && [ -n "$f" ] && break
    sleep 0.1
  done
  mv "$f" "$OUT/$file.out"
  local ir
  ir=$(awk '/^summary:/ {print $2; exit}' "$OUT/$file.out")
  printf "%-${CG_WIDTH:-36}s %10d Ir/request   (%s)\n" "$label" $((ir / N)) "$statuses"
}
