#!/usr/bin/env bash
# test/memory-plot.sh: the pictures of memory across refreshes, doc/memory.png
# (full refreshes) and doc/memory-incremental.png (incremental refreshes).
#
#   make plot                          # both: 1000 refreshes, 100000 updates
#   make plot PLOT_REFRESHES=3000
#   make plot PLOT=incremental PLOT_UPDATES=20000
#   sudo PLOT=refreshes bash test/memory-plot.sh [refreshes] [reader clients]
#   PLOT=incremental PLOT_FROM=saved-output bash test/memory-plot.sh   # redraw
#
# PLOT (default "refreshes incremental") names the pictures to draw:
#
# refreshes: runs the soak test, test/t/010_soak.pl, with that many
# refreshes (PLOT_REFRESHES, 1000 by default) while reader clients (3 by
# default) call pricing.cheapest without pause.  The test records, after each
# refresh, the arena bytes in use and mimalloc's committed bytes
# (pricing.status) and the refresh worker's RssAnon and RssShmem
# (/proc/<pid>/status) in doc/memory.csv, and checks the bounds (see the
# test).  Then gnuplot (Debian: gnuplot-nox) draws doc/memory.png.
#
# incremental: runs test/t/045_incremental_memory.pl with PLOT_UPDATES
# (100000 by default) single-hotel updates, each committed alone and applied
# by the worker incrementally, while a reader calls cheapest and offers
# (PRICING_INC_UPDATES, PRICING_INC_CSV).  The test records a line every 100
# updates (status and the worker's memory) in doc/memory-incremental.csv and
# checks its bounds as in CI; gnuplot draws doc/memory-incremental.png, with
# the bound of two generations and one full rebuild's bytes.  The picture is
# drawn even when the test fails (the script fails then).  PLOT_FROM names
# the saved output of an earlier run (what this script printed) to redraw
# doc/memory-incremental.png from it and doc/memory-incremental.csv, without
# running anything.
#
# After each, the figures doc/memory.md and the README quote are printed.
#
# As root, it builds and installs the extension and runs the tests as the
# postgres user in a copy of the tree, like test/run.sh.  As any other user,
# it uses the installed extension and runs the tests in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)
REFRESHES=${1:-${PLOT_REFRESHES:-1000}}
CLIENTS=${2:-${PLOT_CLIENTS:-3}}
UPDATES=${PLOT_UPDATES:-100000}
PLOT=${PLOT:-refreshes incremental}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
CSV=$SRC/doc/memory.csv
PNG=$SRC/doc/memory.png
INC_CSV=$SRC/doc/memory-incremental.csv
INC_PNG=$SRC/doc/memory-incremental.png

die() { printf 'test/memory-plot.sh: %s\n' "$*" >&2; exit 1; }

DO_REFRESHES='' DO_INCREMENTAL=''
for p in ${PLOT//,/ }; do
	case "$p" in
		refreshes) DO_REFRESHES=1 ;;
		incremental) DO_INCREMENTAL=1 ;;
		both) DO_REFRESHES=1 DO_INCREMENTAL=1 ;;
		*) die "PLOT names the pictures to draw, refreshes and/or incremental, not '$p'" ;;
	esac
done
[ -n "$DO_REFRESHES$DO_INCREMENTAL" ] || die "PLOT names no picture (refreshes, incremental)"
if [ -n "$DO_REFRESHES" ]; then
	[[ "$REFRESHES" =~ ^[0-9]+$ ]] && [ "$REFRESHES" -ge 20 ] || die "the number of refreshes must be at least 20"
fi
if [ -n "$DO_INCREMENTAL" ]; then
	[[ "$UPDATES" =~ ^[0-9]+$ ]] && [ "$UPDATES" -ge 500 ] || die "the number of updates (PLOT_UPDATES) must be at least 500"
fi
PLOT_FROM=${PLOT_FROM:-}
if [ -n "$PLOT_FROM" ]; then
	[ -z "$DO_REFRESHES" ] || die "PLOT_FROM redraws the incremental picture alone: PLOT=incremental"
	[ -f "$PLOT_FROM" ] || die "PLOT_FROM=$PLOT_FROM: no such file"
	[ -f "$INC_CSV" ] || die "PLOT_FROM: $INC_CSV is missing"
fi

if ! command -v gnuplot >/dev/null; then
	[ "$(id -u)" -eq 0 ] || die "gnuplot is missing: sudo apt-get install gnuplot-nox"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox
fi

mkdir -p "$SRC/doc"

# the tests' settings: one TAP test at a time (no pg_regress, no isolation
# suites)
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do
	case "$v" in PG_TEST_* | PG_CONFIG) ;; *) unset "$v" ;; esac
done
export PG_TEST_TIMEOUT_DEFAULT=${PG_TEST_TIMEOUT_DEFAULT:-120}

WORK=$(mktemp -d /tmp/pricing-plot.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ -n "$PLOT_FROM" ]; then
	TESTDIR=''
elif [ "$(id -u)" -eq 0 ]; then
	make -s PG_CONFIG="$PG_CONFIG"
	make -s PG_CONFIG="$PG_CONFIG" install
	TESTDIR=$WORK/tree
	mkdir "$TESTDIR"
	tar -C "$SRC" --exclude=./.git --exclude=./tmp_check --exclude=./results \
		--exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$TESTDIR" -xf -
	chown -R postgres: "$WORK"
else
	TESTDIR=$SRC
fi

# run_test TEST OUTPUT [VAR=value ...]: one TAP test, verbose, with those
# variables in its environment; its output is shown and kept in OUTPUT
run_test() {
	local test=$1 out=$2
	shift 2
	local make=(make -C "$TESTDIR" PG_CONFIG="$PG_CONFIG" REGRESS= ISOLATION=
		"PROVE_TESTS=$test" "PROVE_FLAGS=--verbose" installcheck)
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- env HOME="$WORK" "$@" "${make[@]}" | tee "$out" || true
	else
		env "$@" "${make[@]}" | tee "$out" || true
	fi
}

# --- full refreshes: doc/memory.png ------------------------------------------------------
plot_refreshes() {
	local out=$WORK/soak.out
	run_test test/t/010_soak.pl "$out" \
		PRICING_SOAK_REFRESHES="$REFRESHES" PRICING_SOAK_CLIENTS="$CLIENTS" \
		PRICING_SOAK_CSV="$WORK/memory.csv"
	[ -f "$WORK/memory.csv" ] && cp "$WORK/memory.csv" "$CSV"
	grep -q '^All tests successful' "$out" || die "the soak test failed (what it measured is in $CSV)"

	# The figures: arena bytes in use with one generation (after the first and
	# after the last refresh), the peak over all refreshes in generations, and
	# the worker's RssAnon after the last refresh over that after the tenth.
	local steady rss calls first last peak rss10 rsslast
	steady=$(sed -n 's/^# arena: \([0-9]*\) bytes after the first refresh, \([0-9]*\) after the last.*peak \([0-9]*\) .*/\1 \2 \3/p' "$out")
	rss=$(sed -n 's/^# worker RssAnon: \([0-9]*\) kB after refresh 10, \([0-9]*\) kB after refresh.*/\1 \2/p' "$out")
	calls=$(sed -n 's/^# the readers made \([0-9]*\) calls.*/\1/p' "$out")
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
}

# --- incremental refreshes: doc/memory-incremental.png -----------------------------------
plot_incremental() {
	local out=$WORK/incremental.out
	if [ -n "$PLOT_FROM" ]; then
		out=$PLOT_FROM
	else
		run_test test/t/045_incremental_memory.pl "$out" \
			PRICING_INC_UPDATES="$UPDATES" PRICING_INC_CSV="$WORK/memory-incremental.csv"
		[ -f "$WORK/memory-incremental.csv" ] && cp "$WORK/memory-incremental.csv" "$INC_CSV"
	fi
	# prove's verdict on the test, and its run time (its last note)
	local result took
	result=$(sed -n '/045_incremental_memory\.pl \.\./,/^Result: /s/^Result: //p' "$out" | tail -n 1)
	took=$(sed -n '/045_incremental_memory\.pl \.\./,/^Result: /s/^# \([0-9.]*\) s$/\1/p' "$out" | tail -n 1)

	# the test's summary line, "# incremental soak: key=value ...", into
	# variables named inc_<key>
	local line kv
	line=$(sed -n 's/^# incremental soak: //p' "$out" | tail -n 1)
	[ -n "$line" ] || die "045_incremental_memory.pl failed before its line 'incremental soak: ...' (what it measured is in $INC_CSV)"
	local inc_updates=0 inc_seconds=0 inc_generations=0 inc_incremental_refreshes=0
	local inc_changes_applied=0 inc_full_refreshes=0 inc_baseline_used=0 inc_peak_used=0
	local inc_peak_committed=0 inc_used_after=0 inc_committed_after=0 inc_full_used=0
	local inc_full_committed=0 inc_rss_anon_start_kb=0 inc_rss_anon_end_kb=0 inc_reader_calls=0
	for kv in $line; do
		[[ "$kv" =~ ^([a-z_]+)=([0-9.-]+)$ ]] || continue
		case "${BASH_REMATCH[1]}" in
			updates | seconds | generations | incremental_refreshes | changes_applied | \
				full_refreshes | baseline_used | peak_used | peak_committed | used_after | \
				committed_after | full_used | full_committed | rss_anon_start_kb | \
				rss_anon_end_kb | reader_calls)
				printf -v "inc_${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}" ;;
		esac
	done

	gnuplot <<EOF
set terminal pngcairo size 1100,600 font "sans,10" noenhanced
set output "$INC_PNG"
set datafile separator ","
set title "pricing: memory across $inc_updates single-hotel rate updates, each committed alone and applied by the worker incrementally\n($inc_incremental_refreshes incremental refreshes and $inc_full_refreshes full ones, 300 warm-up updates included, while a reader calls cheapest and offers: $inc_reader_calls calls)"
set xlabel "updates committed"
set ylabel "MiB"
set key at graph 0.98, graph 0.97 right top box opaque spacing 1.2
set grid ytics
set xrange [0:$inc_updates]
set format x "%.0f"
mib = 1048576.0
base = $inc_baseline_used / mib
stats "$INC_CSV" using (\$10 / mib) every ::1 nooutput
ymax = 2.7 * base
if (STATS_max * 1.3 > ymax) ymax = STATS_max * 1.3
set yrange [0:ymax]
plot \\
  2 * base with lines dt 2 lw 1.5 lc rgb "#d62728" \\
      title sprintf("bound the test checks: two generations of a full rebuild (peak sampled every 2 ms: %.2f MiB)", $inc_peak_used / mib), \\
  base with lines dt 3 lw 1 lc rgb "#555555" \\
      title sprintf("one generation of a full rebuild before the updates, %.2f MiB (after them: %.2f MiB)", base, $inc_full_used / mib), \\
  "$INC_CSV" using 1:(\$10 / mib) every ::1 with lines lw 2 lc rgb "#2ca02c" \\
      title sprintf("refresh worker's private memory (RssAnon: %d kB after the warm-up, %d kB at the end)", $inc_rss_anon_start_kb, $inc_rss_anon_end_kb), \\
  "$INC_CSV" using 1:(\$6 / mib) every ::1 with lines lw 1 lc rgb "#ff7f0e" \\
      title "mimalloc's committed bytes (pricing.status.arena_bytes_committed)", \\
  "$INC_CSV" using 1:(\$5 / mib) every ::1 with linespoints lw 2 pt 7 ps 0.4 pi 10 lc rgb "#1f77b4" \\
      title "arena bytes in use, every 100 updates (pricing.status.arena_bytes_used)"
EOF

	printf '\n%s\n' "wrote $INC_PNG from $INC_CSV (the test took ${took:-?} s: ${result:-no result})"
	awk -v n="$inc_updates" -v s="$inc_seconds" -v g="$inc_generations" \
		-v i="$inc_incremental_refreshes" -v c="$inc_changes_applied" -v f="$inc_full_refreshes" \
		-v b="$inc_baseline_used" -v p="$inc_peak_used" -v pc="$inc_peak_committed" \
		-v u="$inc_used_after" -v uc="$inc_committed_after" -v fu="$inc_full_used" \
		-v fc="$inc_full_committed" -v r0="$inc_rss_anon_start_kb" -v r1="$inc_rss_anon_end_kb" 'BEGIN {
		printf "updates: %d in %.1f s (%.2f ms each), after 300 warm-up updates\n", n, s, 1000 * s / n
		printf "refreshes (warm-up included): %d generations, %d incremental (%.3f per update) applying %d hotel changes, %d full\n", g, i, i / (n + 300), c, f
		printf "arena after %d updates: %d bytes, one generation; a full rebuild of the same tables: %d bytes (ratio %.4f); the first full rebuild: %d\n", n, u, fu, u / fu, b
		printf "committed after %d updates: %d bytes; after the full rebuild: %d (ratio %.4f)\n", n, uc, fc, uc / fc
		printf "peak arena bytes in use (sampled every 2 ms): %d bytes, %.2f generations; peak committed: %d bytes\n", p, p / b, pc
		printf "worker RssAnon: %d kB after the warm-up, %d kB after %d updates (ratio %.3f)\n", r0, r1, n, r1 / r0
	}'
	[ "$result" = PASS ] || die "045_incremental_memory.pl failed (see above); the picture shows what it measured"
}

[ -z "$DO_REFRESHES" ] || plot_refreshes
[ -z "$DO_INCREMENTAL" ] || plot_incremental
