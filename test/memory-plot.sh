#!/usr/bin/env bash
# test/memory-plot.sh: the picture of memory across refreshes, doc/memory.png.
#
#   make plot                              # 1000 refreshes
#   make plot PLOT_REFRESHES=3000
#   sudo bash test/memory-plot.sh [refreshes] [reader clients]
#
# Runs the soak test, test/t/010_soak.pl, with that many refreshes while
# reader clients (3 by default) call pricing.cheapest without pause.  The
# test records, after each refresh, the arena bytes in use and mimalloc's
# committed bytes (pricing.status) and the refresh worker's RssAnon and
# RssShmem (/proc/<pid>/status) in doc/memory.csv, and checks the bounds
# (see the test).  Then gnuplot (Debian: gnuplot-nox) draws doc/memory.png,
# and the figures the README quotes are printed.
#
# As root, it builds and installs the extension and runs the test as the
# postgres user in a copy of the tree, like test/run.sh.  As any other user,
# it uses the installed extension and runs the test in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)
REFRESHES=${1:-${PLOT_REFRESHES:-1000}}
CLIENTS=${2:-${PLOT_CLIENTS:-3}}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
CSV=$SRC/doc/memory.csv
PNG=$SRC/doc/memory.png

die() { printf 'test/memory-plot.sh: %s\n' "$*" >&2; exit 1; }
[[ "$REFRESHES" =~ ^[0-9]+$ ]] && [ "$REFRESHES" -ge 20 ] || die "the number of refreshes must be at least 20"

if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" -eq 0 ] || die "gnuplot is missing: sudo apt-get install gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox
fi

mkdir -p "$SRC/doc"

# the test's settings: the soak only (no pg_regress, no isolation suites)
TEST_VARS=(REGRESS= ISOLATION= PROVE_TESTS=test/t/010_soak.pl "PROVE_FLAGS=--verbose")
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do
	case "$v" in PG_TEST_* | PG_CONFIG) ;; *) unset "$v" ;; esac
done
export PG_TEST_TIMEOUT_DEFAULT=${PG_TEST_TIMEOUT_DEFAULT:-120}

if [ "$(id -u)" -eq 0 ]; then
	make -s PG_CONFIG="$PG_CONFIG"
	make -s PG_CONFIG="$PG_CONFIG" install
	WORK=$(mktemp -d /tmp/pricing-plot.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
	tar -C "$SRC" --exclude=./.git --exclude=./tmp_check --exclude=./results \
		--exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$WORK" -xf -
	chown -R postgres: "$WORK"
	runuser -u postgres -- env HOME="$WORK" \
		PRICING_SOAK_REFRESHES="$REFRESHES" PRICING_SOAK_CLIENTS="$CLIENTS" \
		PRICING_SOAK_CSV="$WORK/memory.csv" \
		make -C "$WORK" PG_CONFIG="$PG_CONFIG" "${TEST_VARS[@]}" installcheck \
		| tee "$WORK/soak.out" || true
	[ -f "$WORK/memory.csv" ] && cp "$WORK/memory.csv" "$CSV"
	OUT="$WORK/soak.out"
else
	OUT=$(mktemp /tmp/pricing-plot.XXXXXX)
	trap 'rm -f "$OUT"' EXIT
	PRICING_SOAK_REFRESHES="$REFRESHES" PRICING_SOAK_CLIENTS="$CLIENTS" \
		PRICING_SOAK_CSV="$CSV" \
		make PG_CONFIG="$PG_CONFIG" "${TEST_VARS[@]}" installcheck | tee "$OUT" || true
fi
grep -q '^All tests successful' "$OUT" || die "the soak test failed (what it measured is in $CSV)"

# The figures: arena bytes in use with one generation (after the first and
# after the last refresh), the peak over all refreshes in generations, and
# the worker's RssAnon after the last refresh over that after the tenth.
steady=$(sed -n 's/^# arena: \([0-9]*\) bytes after the first refresh, \([0-9]*\) after the last.*peak \([0-9]*\) .*/\1 \2 \3/p' "$OUT")
rss=$(sed -n 's/^# worker RssAnon: \([0-9]*\) kB after refresh 10, \([0-9]*\) kB after refresh.*/\1 \2/p' "$OUT")
calls=$(sed -n 's/^# the readers made \([0-9]*\) calls.*/\1/p' "$OUT")
read -r first last peak <<<"$steady"
read -r rss10 rsslast <<<"$rss"

gnuplot <<EOF
set terminal pngcairo size 1100,600 font "sans,10" noenhanced
set output "$PNG"
set datafile separator ","
set title "pricing: memory across $REFRESHES refreshes while $CLIENTS clients call pricing.cheapest without pause ($calls calls)"
set xlabel "refresh"
set ylabel "MiB"
set key at graph 0.98, graph 0.83 right top box opaque spacing 1.2
set grid ytics
set xrange [0:$REFRESHES]
set yrange [0:72]
set ytics 8
set samples 4000
mib = 1048576.0
gen = $first / mib
set arrow from 0, 64 to $REFRESHES, 64 nohead dt 3 lc rgb "#888888"
set label "64 MiB: half of pricing.shared_memory (128MB), the most one generation may use" at graph 0.02, first 66 textcolor rgb "#555555"
plot \\
  "$CSV" using 1:(\$4 / mib) every ::1 with points pt 7 ps 0.35 lc rgb "#ff7f0e" \\
      title "arena bytes in use as refresh(true) returns: the new generation, often still beside the old one", \\
  "$CSV" using 1:(\$6 / mib) every ::1 with points pt 7 ps 0.35 lc rgb "#1f77b4" \\
      title "arena bytes in use once the old generation is freed: one generation", \\
  2 * gen + 32 with lines dt 2 lw 1.5 lc rgb "#d62728" \\
      title "bound the test checks: two generations + one mimalloc segment (32 MiB)", \\
  "$CSV" using 1:(\$9 / mib) every ::1 with lines lw 2 lc rgb "#9467bd" \\
      title "refresh worker's touched shared memory (RssShmem: arena pages, shared buffers)", \\
  "$CSV" using 1:(\$8 / mib) every ::1 with lines lw 2 lc rgb "#2ca02c" \\
      title "refresh worker's private memory (RssAnon)", \\
  (x <= 128 / gen ? gen * x : 1/0) with lines dt 4 lw 1.5 lc rgb "#7f7f7f" \\
      title sprintf("had every refresh leaked its generation, as in the seed: the 128 MiB arena full after %d", int(128 / gen))
EOF

printf '\n%s\n' "wrote $PNG and $CSV"
awk -v f="$first" -v l="$last" -v p="$peak" -v r10="$rss10" -v rl="$rsslast" -v n="$REFRESHES" 'BEGIN {
	printf "one generation: %d bytes after refresh 1, %d after refresh %d (%+.3f%%)\n", f, l, n, 100 * (l - f) / f
	printf "peak: %d bytes, %.2f generations\n", p, p / f
	printf "worker RssAnon: %d kB after refresh 10, %d kB after refresh %d (ratio %.3f)\n", r10, rl, n, rl / r10
}'
