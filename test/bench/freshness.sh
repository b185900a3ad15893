#!/usr/bin/env bash
# test/bench/freshness.sh: make bench's freshness part (6) alone, at each
# scale given, to show whether its figures grow with the size of the index.
#
#   sudo bash test/bench/freshness.sh               # scales 0.25 and 1
#   sudo bash test/bench/freshness.sh 0.05          # a quick check
#   sudo BENCH_INSTALL=0 BENCH_UPDATES=5000 bash test/bench/freshness.sh 0.05 0.25
#
# For each scale, test/bench/run.sh with BENCH_ONLY=freshness and
# BENCH_SCALE set: its own throwaway cluster, the data of generate.sql at
# that scale, then part 6 only (see run.sh's header).  The extension is
# built and installed by the first run only (none with BENCH_INSTALL=0);
# every other BENCH_* setting passes through to run.sh.  Writes a page with
# a summary row per scale, then each scale's table and details, to
# FRESHNESS_OUT (doc/freshness.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SRC=$(pwd)
OUT=${FRESHNESS_OUT:-$SRC/doc/freshness.md}
SCALES=("$@")
[ "${#SCALES[@]}" -gt 0 ] || SCALES=(0.25 1)

if [ "$(id -u)" -ne 0 ]; then
	echo "test/bench/freshness.sh needs root, as run.sh does: sudo bash test/bench/freshness.sh [SCALE...]" >&2
	exit 2
fi
for s in "${SCALES[@]}"; do
	awk -v s="$s" 'BEGIN { exit !(s + 0 > 0) }' || { echo "test/bench/freshness.sh: not a scale: $s" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/pricing-freshness.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

install=${BENCH_INSTALL:-1}
for s in "${SCALES[@]}"; do
	echo "=== freshness at scale $s"
	BENCH_ONLY=freshness BENCH_SCALE="$s" BENCH_INSTALL="$install" BENCH_OUT="$TMP/scale-$s.md" \
		bash "$SRC/test/bench/run.sh"
	install=0	# built and installed once is enough
done

# result "file" "row prefix": the result column of that row of the table
result() { awk -F' [|] ' -v p="$2" 'index($0, p) == 1 { print $2; exit }' "$1"; }
{
	echo "# pricing: freshness under write load, by scale"
	echo
	echo "Written by \`test/bench/freshness.sh ${SCALES[*]}\` (make bench's part 6 alone at each"
	echo "scale; each scale's page below says how its figures were made)."
	echo
	echo "| scale | data | commit → served p50 / p99 | cheapest p99 under writes / without | worker CPU per applied update / one full rebuild | arena bytes after the updates / after a full rebuild |"
	echo "| ---: | --- | ---: | ---: | ---: | ---: |"
	for s in "${SCALES[@]}"; do
		f=$TMP/scale-$s.md
		data=$(sed -n 's/^- data: scale [^:]*: \([0-9]* hotels\) in [0-9]* cities, [0-9]* rooms, \([0-9]* rates\),.*/\1, \2/p' "$f")
		echo "| $s | $data | $(result "$f" "| freshness at scale") | $(result "$f" "| cheapest p99 under the write stream") | $(result "$f" "| worker CPU per applied update") | $(result "$f" "| arena bytes after") |"
	done
	for s in "${SCALES[@]}"; do
		echo
		echo "## Scale $s"
		echo
		# the page without its title
		sed -e '1{/^# /d}' "$TMP/scale-$s.md" | sed -e '1{/^$/d}'
	done
} >"$OUT"
chown --reference="$SRC" "$OUT" 2>/dev/null || true
echo
sed -n '1,/^## /p' "$OUT" | sed '$d'
echo "written to $OUT"
