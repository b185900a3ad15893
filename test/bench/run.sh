#!/usr/bin/env bash
# test/bench/run.sh: the pricing benchmark (make bench).
#
#   sudo make bench                       # or: sudo bash test/bench/run.sh
#   sudo BENCH_SCALE=0.05 BENCH_SECONDS=5 BENCH_OUT=/tmp/b.md bash test/bench/run.sh
#   sudo BENCH_ONLY=freshness BENCH_SCALE=0.25 bash test/bench/run.sh   # part 6 alone
#   sudo bash test/bench/freshness.sh 0.25 1     # part 6 alone at each scale
#
# On Debian 12 with postgresql-15: installs what is missing, builds and
# installs the extension, starts a throwaway cluster (as the postgres user,
# in a temporary directory) with the library preloaded, loads seeded data
# (generate.sql) at BENCH_SCALE, and measures with pgbench (prepared
# protocol, one client per core, BENCH_SECONDS per run):
#
#   1. SELECT 1, and ten constant rows of cheapest's result shape: the
#      limits of any query, and of any answer of that size, through
#      PostgreSQL's protocol (drawing the same parameters as the others,
#      so that pgbench does the same work in every run);
#   2. pricing.cheapest on a realistic mix of cities, dates and stays;
#   3. two plain-SQL rivals for the same question, on the same parameter
#      distribution, after checking that each returns the same rows as
#      cheapest: rival.sql over the tables (with the indexes of
#      rival_indexes.sql), and rival_bounded.sql, which borrows the index's
#      idea (per-hotel lower bounds in a summary table kept by triggers,
#      rival_bounds.sql: its upkeep is measured too); and constant rows in
#      the number cheapest returns (the same distribution of row counts);
#   4. version 1.1: pricing.search (one child, totals in EUR) on the same
#      mix, ten constant rows of search's result shape, and the bounded
#      rival carried over to search's question (rival_search_bounded.sql,
#      checked first to return search's rows);
#   4b. flexible dates: pricing.calendar (thirty check-in dates, 3 nights,
#      the party and currency of search) against the thirty calls of
#      pricing.search(..., max_results => 1) it stands for, in server time
#      (pg_stat_statements' execution time, one client); against thirty
#      constant rows of its shape and against rival_calendar.sql (checked
#      first to return calendar's rows) in throughput; and
#      pricing.hotel_calendar's latency (p50, p99) over ninety dates;
#   5. cheapest's latency (p50, p99) idle and while the worker refreshes
#      continuously (pairs of runs, with as many clients as cores and with
#      one fewer);
#
# then a full refresh against COPY of every source table to /dev/null and
# against a sequential scan that reads the rates, the arena bytes per rate and per
# room-night of the window, and how long a session that wants an exclusive
# lock on a source table waits behind a refresh, idle and under load.  Runs 1-3 are repeated BENCH_ROUNDS times,
# interleaved, and the best round counts (other load on the machine only
# ever lowers throughput).  All of that is the part "main".  Then the part
# "freshness" (last, as it rewrites rates; without the rivals' triggers and
# indexes, which it drops):
#
#   6. freshness under write load (incremental refresh): one client commits
#      single-hotel rate updates at BENCH_WRITE_RATE a second
#      (write_rates.pgbench, pgbench -R) for BENCH_FRESH_SECONDS, while the
#      other cores' clients run cheapest without pause and a probe (the
#      procedure bench.probe) commits BENCH_PROBES marker prices, each on one
#      room-night of a random hotel, and polls pricing.quote every ~1 ms
#      until it shows it: commit -> served p50 / p99 (targets 100 / 300
#      ms); cheapest's p99 under the stream over its p99 in a run of the
#      same clients just before without writes (the probe's polls, without
#      markers, beside them: target 1.25); the refresh worker's CPU
#      (utime + stime of /proc/<worker_pid>/stat) per update it applied
#      (pricing.status.changes_applied, else the committed updates) over
#      the CPU of one full rebuild (pricing.refresh(true), the mean of 5),
#      with the scale beside it (run it at 0.25 and 1: it should not grow);
#      then BENCH_UPDATES such updates at BENCH_UPDATE_RATE, and the arena bytes used
#      once the worker has applied them (pricing.status.arena_bytes_used,
#      one generation live) over those after a full rebuild (target 1.05).
#      The columns of pricing.status that incremental refresh adds
#      (incremental_refreshes, changes_applied, last_change_ms,
#      last_refresh) are read when they exist and reported as missing
#      otherwise.
#
# It prints one table of ratios and writes it, with the date, the machine
# and the PostgreSQL version, to BENCH_OUT (default doc/bench.md; with
# BENCH_ONLY, doc/bench-<parts>.md).
#
# Settings (environment):
#   BENCH_SCALE    data scale (1 = 20,000 hotels, 14.6M rates; 0.05 for a quick check)
#   BENCH_SECONDS  duration of each pgbench run (20)
#   BENCH_ROUNDS   interleaved repetitions of the runs (5)
#   BENCH_CLIENTS  pgbench clients (nproc)
#   BENCH_CHECKS   parameter sets on which the rivals and cheapest, and the
#                  search rival and search, must agree (200)
#   BENCH_OUT      where the table goes (doc/bench.md; doc/bench-<parts>.md
#                  with BENCH_ONLY)
#   BENCH_KEEP     keep the cluster's directory (and its logs) when set
#   BENCH_ONLY     the parts to run, comma-separated: main, freshness (all)
#   BENCH_INSTALL  0: neither build nor install, use the installed extension (1)
#   BENCH_FRESH_SECONDS  the write stream of part 6 (3 x BENCH_SECONDS)
#   BENCH_WRITE_RATE     its updates per second, one client (200)
#   BENCH_FRESH_READERS  cheapest's clients beside it (BENCH_CLIENTS - 1, at least 1)
#   BENCH_PROBES   commit -> served probes spread over the stream (200)
#   BENCH_UPDATES  updates before the arena is read (100000)
#   BENCH_UPDATE_RATE  their rate per second (400), one client
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SRC=$(pwd)
BENCH=$SRC/test/bench

SCALE=${BENCH_SCALE:-1}
DURATION=${BENCH_SECONDS:-20}
ROUNDS=${BENCH_ROUNDS:-5}
NPROC=$(nproc)
CLIENTS=${BENCH_CLIENTS:-$NPROC}
CHECKS=${BENCH_CHECKS:-200}
# the parts to run: main, freshness (comma-separated); empty: every part
ONLY=${BENCH_ONLY:-}
INSTALL=${BENCH_INSTALL:-1}
WRITE_RATE=${BENCH_WRITE_RATE:-200}
FRESH_SECONDS=${BENCH_FRESH_SECONDS:-$(( 3 * DURATION ))}
PROBES=${BENCH_PROBES:-200}
UPDATES=${BENCH_UPDATES:-100000}
UPDATE_RATE=${BENCH_UPDATE_RATE:-400}
# a run of some parts only does not overwrite the whole benchmark's page
OUT=${BENCH_OUT:-$SRC/doc/bench${ONLY:+-${ONLY//,/-}}.md}
PG_BINDIR=/usr/lib/postgresql/15/bin
RUN_AS=postgres

say() { printf '\n=== %s\n' "$*"; }
die() { printf 'test/bench/run.sh: %s\n' "$*" >&2; exit 1; }
# want part: whether BENCH_ONLY lets that part run
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
for part in ${ONLY//,/ }; do
	case $part in
	main|freshness|booking) ;;
	*) die "BENCH_ONLY: no part '$part' (the parts: main, freshness, booking)";;
	esac
done
for v in SECONDS:DURATION ROUNDS:ROUNDS CLIENTS:CLIENTS CHECKS:CHECKS WRITE_RATE:WRITE_RATE \
		FRESH_SECONDS:FRESH_SECONDS PROBES:PROBES UPDATES:UPDATES; do
	var=${v#*:}
	[[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v%%:*} must be a positive integer (it is '${!var}')"
done

if [ "$(id -u)" -ne 0 ]; then
	echo "test/bench/run.sh needs root to install packages and the extension: run it as 'sudo make bench' or 'sudo bash test/bench/run.sh'" >&2
	exit 2
fi
[ -x "$PG_BINDIR/postgres" ] || die "PostgreSQL 15 is not installed ($PG_BINDIR/postgres is missing): apt-get install postgresql-15"
id -u "$RUN_AS" >/dev/null 2>&1 || die "there is no '$RUN_AS' user to run the cluster as"
awk -v s="$SCALE" 'BEGIN { exit !(s > 0) }' || die "BENCH_SCALE must be a positive number"

# --- build and install -----------------------------------------------------
. test/setup.sh
if [ "$INSTALL" = 0 ]; then
	[ -f "$PG_BINDIR/../lib/pricing.so" ] || die "BENCH_INSTALL=0, but the extension is not installed ($PG_BINDIR/../lib/pricing.so is missing)"
	echo "=== BENCH_INSTALL=0: the installed extension as it is, neither built nor installed"
else
	pricing_install
fi
[ -x "$PG_BINDIR/pgbench" ] || die "pgbench is missing ($PG_BINDIR/pgbench)"

# --- a throwaway cluster -----------------------------------------------------
DIR=$(mktemp -d /tmp/pricing-bench.XXXXXX)
chown "$RUN_AS": "$DIR"
chmod 755 "$DIR"
as_pg() { runuser -u "$RUN_AS" -- "$@"; }
REFRESH_LOOP_PID=
FRESH_PIDS=
stop() {
	local rc=$? pid
	[ -n "$REFRESH_LOOP_PID" ] && kill "$REFRESH_LOOP_PID" 2>/dev/null || true
	for pid in $FRESH_PIDS; do kill "$pid" 2>/dev/null || true; done
	as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
	if [ "$rc" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$DIR"
	else
		echo "benchmark directory kept: $DIR (server log: $DIR/server.log)"
	fi
}
trap stop EXIT

for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

MEM_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
SHARED_BUFFERS_MB=$(( MEM_KB / 1024 / 4 ))
[ "$SHARED_BUFFERS_MB" -gt 4096 ] && SHARED_BUFFERS_MB=4096
[ "$SHARED_BUFFERS_MB" -lt 128 ] && SHARED_BUFFERS_MB=128
# a generation takes ~7.5 bytes per rate (110 MB at scale 1) and may use
# half the arena
ARENA_MB=$(awk -v s="$SCALE" 'BEGIN { m = int(s * 512 + 0.5); if (m < 1024) m = 1024; print m }')

say "cluster in $DIR (shared_buffers ${SHARED_BUFFERS_MB}MB, pricing.shared_memory ${ARENA_MB}MB)"
as_pg "$PG_BINDIR/initdb" -D "$DIR/data" -A trust -N >/dev/null
cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
max_connections = 100
shared_buffers = '${SHARED_BUFFERS_MB}MB'
work_mem = '16MB'
maintenance_work_mem = '1GB'
effective_cache_size = '$(( MEM_KB / 1024 / 2 ))MB'
random_page_cost = 1.1
jit = off
# a throwaway cluster: the load is not WAL-logged (wal_level minimal, tables
# truncated in the loading transaction) and nothing is synced
wal_level = minimal
max_wal_senders = 0
max_wal_size = '8GB'
checkpoint_timeout = '30min'
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
shared_preload_libraries = 'pricing, pg_stat_statements'
# pg_stat_statements times calendar and its search calls on the server; it
# tracks nothing but the sessions of those runs (PGOPTIONS), so that its
# timing costs no other run anything
pg_stat_statements.track = 'none'
pricing.database = 'postgres'
pricing.shared_memory = '${ARENA_MB}MB'
pricing.refresh_interval = 0
CONF
as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null

psql() { as_pg "$PG_BINDIR/psql" -h "$DIR" -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_value() { as_pg "$PG_BINDIR/psql" -h "$DIR" -d postgres -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
now_ms() { date +%s%3N; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- data ----------------------------------------------------------------------
psql -c 'CREATE EXTENSION pricing' -c 'SELECT pricing.refresh(true)' -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
say "generating data at scale $SCALE"
t0=$(now_ms)
psql -v scale="$SCALE" -v seed=1 -f "$BENCH/generate.sql" >/dev/null
LOAD_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.0f", ms / 1000 }')
# the plain-SQL rivals' indexes and summary table: the main part's alone
INDEX_S=0
if want main; then
say "indexes for the plain-SQL rival"
t0=$(now_ms)
psql -f "$BENCH/rival_indexes.sql" >/dev/null
INDEX_S=$(awk -v ms=$(( $(now_ms) - t0 )) 'BEGIN { printf "%.0f", ms / 1000 }')
say "the bounded rival's summary table and triggers (rival_bounds.sql)"
psql -f "$BENCH/rival_bounds.sql" >/dev/null
t0=$(now_ms)
psql -c 'SELECT rival.rebuild_bounds(NULL)' >/dev/null
BOUNDS_BUILD_MS=$(( $(now_ms) - t0 ))
BOUND_ROWS=$(psql_value "SELECT count(*) FROM rival.hotel_bound")
echo "summary table built in ${BOUNDS_BUILD_MS} ms: $BOUND_ROWS rows"
fi
psql -c 'SELECT pricing.refresh(true)' >/dev/null
# again now that no snapshot predates the load: every page all-visible, so
# the rival's scans are index-only
psql -c "VACUUM (FREEZE, ANALYZE) pricing.hotel, pricing.room, pricing.rate, pricing.discount, pricing.fee, pricing.rate_plan, pricing.occupancy, pricing.exchange_rate$(want main && echo ', rival.hotel_bound')" >/dev/null
# every table and index in shared buffers, as they would be in service
psql -c 'CREATE EXTENSION pg_prewarm' \
	-c "SELECT sum(pg_prewarm(c.oid)) AS prewarmed_blocks FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('pricing', 'rival') AND c.relkind IN ('r', 'i')" ||
	echo "pg_prewarm failed: the first runs will read from the operating system's cache"
psql -c 'SELECT hotels, rooms, rates, first_date, last_date, refresh_ms FROM pricing.status'
read -r HOTELS ROOMS RATES NDAYS <<<"$(psql_value "SELECT hotels, rooms, rates, last_date - first_date + 1 FROM pricing.status" | tr '|' ' ')"
NCITIES=$(psql_value "SELECT max(substr(city, 5)::int) FROM pricing.hotel")
DISCOUNTS=$(psql_value "SELECT count(*) FROM pricing.discount")
FEES=$(psql_value "SELECT count(*) FROM pricing.fee")
PLANS=$(psql_value "SELECT count(*) FROM pricing.rate_plan")
OCCUPANCY=$(psql_value "SELECT count(*) FROM pricing.occupancy")
CURRENCIES=$(psql_value "SELECT string_agg(currency || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT currency, count(*) AS n FROM pricing.hotel GROUP BY 1) x")
EXCHANGE=$(psql_value "SELECT count(*) FROM pricing.exchange_rate")
echo "loaded in ${LOAD_S}s (rival indexes ${INDEX_S}s): $HOTELS hotels in $NCITIES cities, $ROOMS rooms, $RATES rates, $DISCOUNTS discounts, $FEES fees, $PLANS rate plans, $OCCUPANCY occupancy rows; hotels by currency: $CURRENCIES; $EXCHANGE exchange rates"

# --- helpers (every part) -------------------------------------------------------
PGBENCH_OPTS=(-h "$DIR" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -D ncities="$NCITIES")
POSTMASTER_PID=$(head -1 "$DIR/data/postmaster.pid")
CLK_TCK=$(getconf CLK_TCK)
# CPU ticks of the postmaster's exited children: the backends of finished
# pgbench runs (the worker does not exit, autovacuum is off)
children_ticks() { awk '{ print $16 + $17 }' "/proc/$POSTMASTER_PID/stat"; }
# run_pgbench name script [options]: prints "tps transactions server_ticks";
# keeps pgbench's output in $DIR/name.out.  With PGSS set, pg_stat_statements
# tracks the run's sessions (and only theirs).
run_pgbench() {
	local name=$1 script=$2 t0 t1
	shift 2
	t0=$(children_ticks)
	if ! as_pg env ${PGSS:+PGOPTIONS=-cpg_stat_statements.track=top} "$PG_BINDIR/pgbench" "${PGBENCH_OPTS[@]}" "$@" -f "$DIR/$script" postgres >"$DIR/$name.out" 2>&1 ||
		grep -q 'aborted' "$DIR/$name.out"; then
		cat "$DIR/$name.out" >&2
		die "pgbench run $name failed"
	fi
	sleep 0.2	# let the postmaster reap the backends
	t1=$(children_ticks)
	echo "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$DIR/$name.out")" \
		"$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$DIR/$name.out")" \
		"$(( t1 - t0 ))"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
per_xact_us() { awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", n ? t / hz * 1e6 / n : 0 }'; }
mkdir -p "$DIR/log"
chown "$RUN_AS": "$DIR/log"
# percentiles prefix: p50 and p99 (ms) and count of the per-transaction logs
# fresh_pgbench name script [options]: pgbench in the background; its pid in $!
fresh_pgbench() {
	local name=$1 script=$2
	shift 2
	as_pg "$PG_BINDIR/pgbench" "${PGBENCH_OPTS[@]}" "$@" -f "$DIR/$script" postgres >"$DIR/$name.out" 2>&1 &
}
# fresh_wait name pid: waits for a background pgbench, dies if it failed
fresh_wait() {
	if ! wait "$2" || grep -q 'aborted' "$DIR/$1.out"; then
		cat "$DIR/$1.out" >&2
		die "pgbench run $1 failed"
	fi
}
percentiles() {
	cat "$DIR/log/$1"* | awk '{ print $3 }' | sort -n |
		awk '{ v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999); printf "%.3f %.3f %d\n", v[i50] / 1000, v[i99] / 1000, NR }'
}
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b > 0) printf f, a / b; else printf "n/a" }'; }
verdict() { # value op target
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "**not met**" }'
}
# verdict_n: the same, or "not measured" for a value that is not a number
verdict_n() { case $1 in '' | *[!0-9.]*) echo "not measured";; *) verdict "$@";; esac; }
fmt() { awk -v v="$1" -v f="${2:-%.0f}" 'BEGIN { printf f, v }'; }
# rounds "v1 v2 ..." [format]: the values of the rounds, comma-separated
rounds() { echo "$1" | tr ' ' '\n' | grep . | awk -v f="${2:-%.0f}" '{ printf "%s" f, (NR > 1 ? ", " : ""), $1 }'; }
# cheapest on the query mix: the readers of the latency runs
cat "$BENCH/params.pgbench" "$BENCH/cheapest.pgbench" >"$DIR/cheapest.pgbench"
chown "$RUN_AS": "$DIR/cheapest.pgbench"

if want main; then
# The main part (1-5 and the rest the header lists before part 6), not
# indented: it runs to the "end of the main part" below.

# --- the pgbench scripts ---------------------------------------------------------
# the rival's $1..$4 become the same pgbench variables cheapest uses
# rival_query file: the statement without its comments
rival_query() { grep -v '^[[:space:]]*--' "$BENCH/$1"; }
cat "$BENCH/params.pgbench" "$BENCH/cheapest.pgbench" >"$DIR/cheapest.pgbench"
{ cat "$BENCH/params.pgbench"; rival_query rival.sql | sed -e 's/\$1/:c/g; s/\$2/:d/g; s/\$3/:n/g; s/\$4/:g/g'; echo ';'; } >"$DIR/rival.pgbench"
{ cat "$BENCH/params.pgbench"; rival_query rival_bounded.sql | sed -e 's/\$1/:c/g; s/\$2/:d/g; s/\$3/:n/g; s/\$4/:g/g'; echo ';'; } >"$DIR/bounded.pgbench"
# search and its rival: the party of search_params.pgbench (:a adults, one
# child aged 7), totals in EUR
SEARCH_CHILDREN="'{7}'"
SEARCH_CURRENCY="'EUR'"
cat "$BENCH/params.pgbench" "$BENCH/search_params.pgbench" "$BENCH/search.pgbench" >"$DIR/search.pgbench"
cat "$BENCH/params.pgbench" "$BENCH/search_params.pgbench" "$BENCH/search_ten_rows.pgbench" >"$DIR/search_ten.pgbench"
{ cat "$BENCH/params.pgbench" "$BENCH/search_params.pgbench"; rival_query rival_search_bounded.sql |
	sed -e "s/\$1/:c/g; s/\$2/:d/g; s/\$3/:n/g; s/\$4/:a/g; s/\$5/$SEARCH_CHILDREN/g; s/\$6/$SEARCH_CURRENCY/g"; echo ';'; } >"$DIR/search_bounded.pgbench"
{ cat "$BENCH/params.pgbench" "$BENCH/search_params.pgbench"; echo 'SELECT bench.check_search(:c, :d, :n, :a);'; } >"$DIR/check_search.pgbench"
# The baselines draw the same parameters (and do not use them): pgbench
# runs on the same cores, and its draws (random_zipfian above all) cost it
# as much CPU per transaction as a short query costs the server, so a
# baseline without them would measure pgbench rather than the protocol.
# ten_bare is the ten rows without the draws, for the record.
for test in select1 ten_rows; do
	cat "$BENCH/params.pgbench" "$BENCH/$test.pgbench" >"$DIR/$test.pgbench"
done
cp "$BENCH/ten_rows.pgbench" "$DIR/ten_bare.pgbench"
# the same parameters, for the correctness check
{ cat "$BENCH/params.pgbench"; echo 'SELECT bench.check(:c, :d, :n, :g);'; } >"$DIR/check.pgbench"
# flexible dates (calendar_params.pgbench): calendar, the thirty search
# calls it stands for (max_results => 1, one statement each), its thirty
# constant rows, its rival; hotel_calendar over ninety dates
cat "$BENCH/params.pgbench" "$BENCH/calendar_params.pgbench" "$BENCH/calendar.pgbench" >"$DIR/calendar.pgbench"
cp "$DIR/calendar.pgbench" "$DIR/calendar_server.pgbench"
{
	cat "$BENCH/params.pgbench" "$BENCH/calendar_params.pgbench"
	for k in $(seq 0 29); do
		echo "SELECT * FROM pricing.search('City' || :c::int, current_date + :f::int + $k, current_date + :f::int + $k + 3, adults => 2, children => '{7}', currency => 'EUR', max_results => 1);"
	done
} >"$DIR/searches_server.pgbench"
cat "$BENCH/params.pgbench" "$BENCH/calendar_params.pgbench" "$BENCH/calendar_rows.pgbench" >"$DIR/calendar_rows.pgbench"
{ cat "$BENCH/params.pgbench" "$BENCH/calendar_params.pgbench"; rival_query rival_calendar.sql |
	sed -e "s/\$1/:c/g; s/\$2/:f/g; s/\$3/3/g; s/\$4/2/g; s/\$5/'{7}'/g; s/\$6/'EUR'/g; s/\$7/30/g"; echo ';'; } >"$DIR/calendar_rival.pgbench"
{ cat "$BENCH/params.pgbench" "$BENCH/calendar_params.pgbench"; echo 'SELECT bench.check_calendar(:c, :f);'; } >"$DIR/check_calendar.pgbench"
cat "$BENCH/params.pgbench" "$BENCH/hotel_calendar.pgbench" >"$DIR/hotel_calendar.pgbench"
chown "$RUN_AS": "$DIR"/*.pgbench

# --- correctness: the rival must return what cheapest returns -------------------
say "checking the rival against pricing.cheapest on $CHECKS parameter sets"
{
	echo 'CREATE SCHEMA bench;'
	for f in rival bounded; do
		echo "CREATE FUNCTION bench.$f(int, int, int, int)"
		echo '  RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int, total numeric, currency char(3))'
		echo '  LANGUAGE sql STABLE AS $rival$'
		rival_query "$( [ $f = rival ] && echo rival.sql || echo rival_bounded.sql )"
		echo '$rival$;'
	done
	cat <<'SQL'
CREATE TABLE bench.checked (c int, d int, n int, g int, same boolean, nrows int, cheapest text, rival text,
	same_bounded boolean, bounded text);
CREATE FUNCTION bench.check(c int, d int, n int, g int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	a text;
	b text;
	bb text;
	k int;
BEGIN
	SELECT string_agg(x::text, ' ' ORDER BY o), count(*) INTO a, k
	FROM pricing.cheapest('City' || c, current_date + d, current_date + d + n, g)
		WITH ORDINALITY AS x(hotel_id, name, stars, room_id, total, currency, o);
	SELECT string_agg(x::text, ' ' ORDER BY o) INTO b
	FROM bench.rival(c, d, n, g)
		WITH ORDINALITY AS x(hotel_id, name, stars, room_id, total, currency, o);
	SELECT string_agg(x::text, ' ' ORDER BY o) INTO bb
	FROM bench.bounded(c, d, n, g)
		WITH ORDINALITY AS x(hotel_id, name, stars, room_id, total, currency, o);
	INSERT INTO bench.checked VALUES (c, d, n, g, a IS NOT DISTINCT FROM b, k, a, b,
		a IS NOT DISTINCT FROM bb, bb);
END
$$;
SQL
} | psql >/dev/null
as_pg "$PG_BINDIR/pgbench" -h "$DIR" -n -c 1 -t "$CHECKS" -D ncities="$NCITIES" \
	-f "$DIR/check.pgbench" postgres >"$DIR/check.out" 2>&1 || { cat "$DIR/check.out"; die "the correctness check failed to run"; }
read -r CHECKED MISMATCHES EMPTY ROWS <<<"$(psql_value "SELECT count(*), count(*) FILTER (WHERE NOT same OR NOT same_bounded), count(*) FILTER (WHERE nrows = 0), sum(nrows) FROM bench.checked" | tr '|' ' ')"
if [ "$MISMATCHES" -ne 0 ]; then
	printf '\n'
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	printf '!!! THE PLAIN-SQL RIVAL AND pricing.cheapest DISAGREE: %s of %s parameter sets\n' "$MISMATCHES" "$CHECKED"
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	psql -c "SELECT 'City' || c AS city, current_date + d AS checkin, n AS nights, g AS guests, cheapest, rival, bounded FROM bench.checked WHERE NOT same OR NOT same_bounded LIMIT 5"
	CHECK_RESULT="**DIFFERENT rows for $MISMATCHES of $CHECKED parameter sets**"
else
	CHECK_RESULT="same rows for all $CHECKED parameter sets, both rivals ($ROWS rows; $EMPTY sets without any)"
fi
MEAN_ROWS=$(awk -v r="$ROWS" -v n="$CHECKED" 'BEGIN { printf "%.2f", n ? r / n : 0 }')
# Constant rows in the number cheapest returns: the row counts of the
# checked sets, drawn with their frequencies (a pgbench CASE over a uniform
# draw), then that many of the ten constant rows.
{
	cat "$BENCH/params.pgbench"
	echo "\\set u random(1, $CHECKED)"
	printf '\\set k case'
	psql_value "SELECT nrows, sum(count(*)) OVER (ORDER BY nrows) FROM bench.checked GROUP BY nrows ORDER BY nrows" |
		while IFS='|' read -r k upto; do printf ' when :u <= %s then %s' "$upto" "$k"; done
	echo ' else 10 end'
	sed -e '/^--/d' -e 's/^) AS v(hotel_id, name, stars, room_id, total, currency);$/) AS v(hotel_id, name, stars, room_id, total, currency) LIMIT :k;/' "$BENCH/ten_rows.pgbench"
} >"$DIR/same_rows.pgbench"
chown "$RUN_AS": "$DIR/same_rows.pgbench"
echo "rivals vs cheapest: $CHECK_RESULT; cheapest returns $MEAN_ROWS rows on average"

# --- correctness: the search rival must return what pricing.search returns ------
say "checking the search rival against pricing.search on $CHECKS parameter sets"
{
	echo 'CREATE FUNCTION bench.search_bounded(int, int, int, int, int[], char(3))'
	echo '  RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int, plan_id int, plan_name text,'
	echo '                 board text, free_cancel_until date, total numeric, currency char(3))'
	echo '  LANGUAGE sql STABLE AS $rival$'
	rival_query rival_search_bounded.sql
	echo '$rival$;'
	cat <<SQL
CREATE TABLE bench.checked_search (c int, d int, n int, a int, same boolean, nrows int, search text,
	bounded text);
CREATE FUNCTION bench.check_search(c int, d int, n int, a int) RETURNS void
LANGUAGE plpgsql AS \$\$
DECLARE
	s text;
	b text;
	k int;
BEGIN
	SELECT string_agg(x::text, ' ' ORDER BY o), count(*) INTO s, k
	FROM pricing.search('City' || c, current_date + d, current_date + d + n, adults => a,
						children => $SEARCH_CHILDREN, currency => $SEARCH_CURRENCY)
		WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board,
							 free_cancel_until, total, currency, o);
	SELECT string_agg(x::text, ' ' ORDER BY o) INTO b
	FROM bench.search_bounded(c, d, n, a, $SEARCH_CHILDREN, $SEARCH_CURRENCY)
		WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board,
							 free_cancel_until, total, currency, o);
	INSERT INTO bench.checked_search VALUES (c, d, n, a, s IS NOT DISTINCT FROM b, k, s, b);
END
\$\$;
SQL
} | psql >/dev/null
as_pg "$PG_BINDIR/pgbench" -h "$DIR" -n -c 1 -t "$CHECKS" -D ncities="$NCITIES" \
	-f "$DIR/check_search.pgbench" postgres >"$DIR/check_search.out" 2>&1 || { cat "$DIR/check_search.out"; die "the search check failed to run"; }
read -r S_CHECKED S_MISMATCHES S_EMPTY S_ROWS S_CONVERTED <<<"$(psql_value "SELECT count(*), count(*) FILTER (WHERE NOT same), count(*) FILTER (WHERE nrows = 0), sum(nrows), (SELECT count(*) FROM bench.checked_search c, pricing.search('City' || c.c, current_date + c.d, current_date + c.d + c.n, adults => c.a, children => $SEARCH_CHILDREN, currency => $SEARCH_CURRENCY) s JOIN pricing.hotel h USING (hotel_id) WHERE h.currency <> s.currency) FROM bench.checked_search" | tr '|' ' ')"
if [ "$S_MISMATCHES" -ne 0 ]; then
	printf '\n'
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	printf '!!! THE PLAIN-SQL SEARCH RIVAL AND pricing.search DISAGREE: %s of %s parameter sets\n' "$S_MISMATCHES" "$S_CHECKED"
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	psql -c "SELECT 'City' || c AS city, current_date + d AS checkin, n AS nights, a AS adults, search, bounded FROM bench.checked_search WHERE NOT same LIMIT 5"
	S_CHECK_RESULT="**DIFFERENT rows for $S_MISMATCHES of $S_CHECKED parameter sets**"
else
	S_CHECK_RESULT="same rows for all $S_CHECKED parameter sets ($S_ROWS rows, $S_CONVERTED of them converted from USD, GBP or CHF; $S_EMPTY sets without any)"
fi
S_MEAN_ROWS=$(awk -v r="$S_ROWS" -v n="$S_CHECKED" 'BEGIN { printf "%.2f", n ? r / n : 0 }')
echo "search rival vs search: $S_CHECK_RESULT; search returns $S_MEAN_ROWS rows on average"

# --- correctness: the calendar rival must return what pricing.calendar returns ---
say "checking the calendar rival against pricing.calendar on $CHECKS parameter sets"
{
	echo 'CREATE FUNCTION bench.calendar_rival(int, int, int, int, int[], char(3), int)'
	echo '  RETURNS TABLE (checkin date, hotel_id bigint, name text, room_id int, plan_id int, total numeric,'
	echo '                 currency char(3), hotels int)'
	echo '  LANGUAGE sql STABLE AS $rival$'
	rival_query rival_calendar.sql
	echo '$rival$;'
	cat <<'SQL'
CREATE TABLE bench.checked_calendar (c int, f int, same boolean, nrows int, hotels bigint, calendar text,
	rival text);
CREATE FUNCTION bench.check_calendar(c int, f int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	a text;
	b text;
	k int;
	nh bigint;
BEGIN
	SELECT string_agg(x::text, ' ' ORDER BY o), count(*), sum(x.hotels) INTO a, k, nh
	FROM pricing.calendar('City' || c, current_date + f, current_date + f + 29, 3, adults => 2,
						  children => '{7}', currency => 'EUR')
		WITH ORDINALITY AS x(checkin, hotel_id, name, room_id, plan_id, total, currency, hotels, o);
	SELECT string_agg(x::text, ' ' ORDER BY o) INTO b
	FROM bench.calendar_rival(c, f, 3, 2, '{7}', 'EUR', 30)
		WITH ORDINALITY AS x(checkin, hotel_id, name, room_id, plan_id, total, currency, hotels, o);
	INSERT INTO bench.checked_calendar VALUES (c, f, a IS NOT DISTINCT FROM b, k, nh, a, b);
END
$$;
SQL
} | psql >/dev/null
as_pg "$PG_BINDIR/pgbench" -h "$DIR" -n -c 1 -t "$CHECKS" -D ncities="$NCITIES" \
	-f "$DIR/check_calendar.pgbench" postgres >"$DIR/check_calendar.out" 2>&1 || { cat "$DIR/check_calendar.out"; die "the calendar check failed to run"; }
read -r C_CHECKED C_MISMATCHES C_ROWS C_HOTELS C_EMPTY <<<"$(psql_value "SELECT count(*), count(*) FILTER (WHERE NOT same), sum(nrows), coalesce(sum(hotels), 0), count(*) FILTER (WHERE nrows = 0) FROM bench.checked_calendar" | tr '|' ' ')"
if [ "$C_MISMATCHES" -ne 0 ]; then
	printf '\n'
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	printf '!!! THE PLAIN-SQL CALENDAR RIVAL AND pricing.calendar DISAGREE: %s of %s parameter sets\n' "$C_MISMATCHES" "$C_CHECKED"
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
	psql -c "SELECT 'City' || c AS city, current_date + f AS first_checkin, calendar, rival FROM bench.checked_calendar WHERE NOT same LIMIT 3"
	C_CHECK_RESULT="**DIFFERENT rows for $C_MISMATCHES of $C_CHECKED parameter sets**"
else
	C_CHECK_RESULT="same rows for all $C_CHECKED parameter sets ($C_ROWS rows of check-in dates, counting $C_HOTELS hotels with an offer in all; $C_EMPTY sets without any)"
fi
C_MEAN_ROWS=$(awk -v r="$C_ROWS" -v n="$C_CHECKED" 'BEGIN { printf "%.1f", n ? r / n : 0 }')
C_MEAN_HOTELS=$(awk -v r="$C_HOTELS" -v n="$C_ROWS" 'BEGIN { printf "%.0f", n ? r / n : 0 }')
echo "calendar rival vs calendar: $C_CHECK_RESULT; calendar returns $C_MEAN_ROWS rows of 30 on average, $C_MEAN_HOTELS hotels per date"

# --- throughput -----------------------------------------------------------------
WARM=$(( DURATION < 10 ? DURATION : 10 ))
say "warming up: cheapest and the rival, ${WARM}s each"
run_pgbench warm-cheapest cheapest.pgbench -T "$WARM" >/dev/null
run_pgbench warm-rival rival.pgbench -T "$WARM" >/dev/null
run_pgbench warm-bounded bounded.pgbench -T "$WARM" >/dev/null
run_pgbench warm-search search.pgbench -T "$WARM" >/dev/null
run_pgbench warm-search-bounded search_bounded.pgbench -T "$WARM" >/dev/null
run_pgbench warm-calendar calendar.pgbench -T "$WARM" >/dev/null
run_pgbench warm-searches searches_server.pgbench -T "$WARM" >/dev/null
run_pgbench warm-calendar-rival calendar_rival.pgbench -T "$WARM" >/dev/null
run_pgbench warm-hotel-calendar hotel_calendar.pgbench -D nhotels="$HOTELS" -T "$WARM" >/dev/null

# the execution time pg_stat_statements took for the statements of a run
# (reset before it) that call $1, over their calls: "total_ms calls"
pgss_exec() {
	psql_value "SELECT round(sum(total_exec_time)::numeric, 3), sum(calls) FROM pg_stat_statements
				 WHERE query LIKE '%$1(%'" | tr '|' ' '
}
say "throughput: $ROUNDS rounds of SELECT 1, constant rows, cheapest, the two rivals, search, its constant rows and its rival, calendar, its constant rows and its rival, hotel_calendar; ${DURATION}s each, $CLIENTS clients; then calendar and its thirty search calls with one client, timed on the server"
declare -A TPS CPU CPU_US EXEC EXEC_US
TESTS="select1 ten_rows same_rows cheapest rival bounded ten_bare search_ten search search_bounded calendar_rows calendar calendar_rival hotel_calendar calendar_server searches_server"
for test in $TESTS; do TPS[$test]=""; CPU[$test]=""; EXEC[$test]=""; done
for round in $(seq "$ROUNDS"); do
	for test in $TESTS; do
		opts=(-T "$DURATION")
		PGSS=
		case $test in
		hotel_calendar) opts+=(-D nhotels="$HOTELS" -l --log-prefix="$DIR/log/hotel-calendar-$round");;
		calendar_server|searches_server)
			opts+=(-c 1 -j 1)
			PGSS=1
			psql -c 'SELECT pg_stat_statements_reset()' >/dev/null;;
		esac
		read -r tps n ticks <<<"$(run_pgbench "$test-$round" "$test.pgbench" "${opts[@]}")"
		cpu=$(per_xact_us "$ticks" "$n")
		TPS[$test]="${TPS[$test]} $tps"
		CPU[$test]="${CPU[$test]} $cpu"
		printf 'round %s  %-15s %12.1f tps  %10s µs server CPU per transaction' "$round" "$test" "$tps" "$cpu"
		if [ -n "$PGSS" ]; then
			# execution time per transaction: one calendar call, or the
			# thirty search calls
			if [ "$test" = calendar_server ]; then
				read -r ms calls <<<"$(pgss_exec pricing.calendar)"
				per=1
			else
				read -r ms calls <<<"$(pgss_exec pricing.search)"
				per=30
			fi
			[ "${calls:-0}" -gt 0 ] || die "pg_stat_statements recorded no calls for $test"
			[ "$calls" -eq $(( n * per )) ] || echo "warning: $test: $calls statements recorded for $n transactions"
			x=$(awk -v ms="$ms" -v c="$calls" -v per="$per" 'BEGIN { printf "%.1f", ms * 1000 / c * per }')
			EXEC[$test]="${EXEC[$test]} $x"
			printf '  %10s µs execution time per transaction' "$x"
		fi
		printf '\n'
	done
done
PGSS=
for test in $TESTS; do
	CPU_US[$test]=$(echo "${CPU[$test]}" | median | awk '{ printf "%.1f", $1 }')
done
# the best round: other load on the machine only ever lowers throughput
best() { tr ' ' '\n' | grep . | sort -g | tail -1; }
TPS_SELECT1=$(echo "${TPS[select1]}" | best)
TPS_TEN=$(echo "${TPS[ten_rows]}" | best)
TPS_TEN_BARE=$(echo "${TPS[ten_bare]}" | best)
TPS_CHEAPEST=$(echo "${TPS[cheapest]}" | best)
TPS_RIVAL=$(echo "${TPS[rival]}" | best)
TPS_BOUNDED=$(echo "${TPS[bounded]}" | best)
TPS_SAME=$(echo "${TPS[same_rows]}" | best)
TPS_SEARCH=$(echo "${TPS[search]}" | best)
TPS_SEARCH_TEN=$(echo "${TPS[search_ten]}" | best)
TPS_SEARCH_BOUNDED=$(echo "${TPS[search_bounded]}" | best)
TPS_CALENDAR=$(echo "${TPS[calendar]}" | best)
TPS_CALENDAR_ROWS=$(echo "${TPS[calendar_rows]}" | best)
TPS_CALENDAR_RIVAL=$(echo "${TPS[calendar_rival]}" | best)
TPS_HOTEL_CALENDAR=$(echo "${TPS[hotel_calendar]}" | best)
# server time: the least of the rounds (other load only ever adds to it)
least() { tr ' ' '\n' | grep . | sort -g | head -1; }
for test in calendar_server searches_server; do
	EXEC_US[$test]=$(echo "${EXEC[$test]}" | least)
done
read -r HCAL_P50 HCAL_P99 HCAL_N <<<"$(percentiles hotel-calendar-)"
echo "hotel_calendar over 90 dates, $CLIENTS clients: p50 $HCAL_P50 ms, p99 $HCAL_P99 ms ($HCAL_N calls)"
# the best plain SQL: whichever rival did better
if awk -v a="$TPS_BOUNDED" -v b="$TPS_RIVAL" 'BEGIN { exit !(a > b) }'; then
	TPS_BEST=$TPS_BOUNDED; BEST_NAME="rival_bounded.sql"
else
	TPS_BEST=$TPS_RIVAL; BEST_NAME="rival.sql"
fi

# --- latency, idle and during continuous refresh ----------------------------------
refreshes() { psql_value "SELECT refreshes FROM pricing.status"; }
refresh_loop() {
	while [ ! -e "$DIR/log/stop" ]; do
		psql -c 'SELECT pricing.refresh(true)' >/dev/null || break
	done
}
# latency kind clients: ROUNDS pairs of runs of cheapest with per-transaction
# logs, idle then while another session refreshes in a loop; prints the
# number of refreshes done during the refreshing runs, and leaves each
# round's p99 ratio (refreshing / idle) in $DIR/log/kind-ratios
latency() {
	local kind=$1 clients=$2 round r0 total=0 ri rr
	for round in $(seq "$ROUNDS"); do
		run_pgbench "lat-$kind-idle-$round" cheapest.pgbench -c "$clients" -j "$clients" -T "$DURATION" \
			-l --log-prefix="$DIR/log/$kind-idle-$round" >/dev/null
		rm -f "$DIR/log/stop"
		r0=$(refreshes)
		refresh_loop &
		REFRESH_LOOP_PID=$!
		sleep 1
		run_pgbench "lat-$kind-refresh-$round" cheapest.pgbench -c "$clients" -j "$clients" -T "$DURATION" \
			-l --log-prefix="$DIR/log/$kind-refresh-$round" >/dev/null
		touch "$DIR/log/stop"
		wait "$REFRESH_LOOP_PID"
		REFRESH_LOOP_PID=
		total=$(( total + $(refreshes) - r0 ))
		read -r _ ri _ <<<"$(percentiles "$kind-idle-$round.")"
		read -r _ rr _ <<<"$(percentiles "$kind-refresh-$round.")"
		awk -v a="$rr" -v b="$ri" 'BEGIN { printf "%.2f\n", a / b }' >>"$DIR/log/$kind-ratios"
	done
	echo "$total"
}
# spread kind: "min-max (each: r1, r2, ...)" of the rounds' p99 ratios
spread() {
	sort -g "$DIR/log/$1-ratios" | awk '{ v[NR] = $1 } END { printf "%s-%s", v[1], v[NR] }'
	printf ' (rounds: %s)' "$(paste -sd, "$DIR/log/$1-ratios" | sed 's/,/, /g')"
}
# latency_line clients idle_p50 idle_p99 idle_n refreshes ref_p50 ref_p99 ref_n
latency_line() {
	printf '%s clients: idle p50 %s ms p99 %s ms (%s transactions); refreshing (%s refreshes) p50 %s ms p99 %s ms (%s transactions)\n' "$@"
}
say "latency: $ROUNDS pairs of runs of cheapest, idle then refreshing continuously; $CLIENTS clients"
N_REFRESH=$(latency all "$CLIENTS")
read -r IDLE_P50 IDLE_P99 IDLE_N <<<"$(percentiles all-idle-)"
read -r REF_P50 REF_P99 REF_N <<<"$(percentiles all-refresh-)"
latency_line "$CLIENTS" "$IDLE_P50" "$IDLE_P99" "$IDLE_N" "$N_REFRESH" "$REF_P50" "$REF_P99" "$REF_N"
SPREAD_ALL=$(spread all)
LAT_SECONDS=$(( ROUNDS * DURATION ))
# and with one client fewer than cores, so that the clients and the worker
# need not share a core
FEWER=
if [ "$CLIENTS" -gt 1 ]; then
	FEWER=$(( CLIENTS - 1 ))
	say "latency: the same with $FEWER client(s)"
	N_REFRESH_FEWER=$(latency fewer "$FEWER")
	read -r F_IDLE_P50 F_IDLE_P99 F_IDLE_N <<<"$(percentiles fewer-idle-)"
	read -r F_REF_P50 F_REF_P99 F_REF_N <<<"$(percentiles fewer-refresh-)"
	latency_line "$FEWER" "$F_IDLE_P50" "$F_IDLE_P99" "$F_IDLE_N" "$N_REFRESH_FEWER" "$F_REF_P50" "$F_REF_P99" "$F_REF_N"
	SPREAD_FEWER=$(spread fewer)
fi

# --- a session waiting for an exclusive lock behind a refresh ---------------------------
# The worker holds ACCESS SHARE on every source table for as long as a
# refresh takes (its snapshot must stay whole), and at its lower priority a
# refresh takes longer when queries keep the cores busy: a TRUNCATE or an
# ALTER TABLE (and whoever queues behind it) waits that long.  Measured: ask
# for a refresh, then time LOCK TABLE pricing.fee IN ACCESS EXCLUSIVE MODE;
# idle, then while cheapest runs with every core busy.
psql <<'SQL' >/dev/null
CREATE FUNCTION bench.lock_wait() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz;
BEGIN
	PERFORM pricing.refresh(false);
	-- until the worker is inside the refresh (it takes its locks at once)
	FOR i IN 1..500 LOOP
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN EXISTS (SELECT FROM pg_stat_activity
						   WHERE backend_type = 'pricing refresh worker' AND state = 'active');
		PERFORM pg_sleep(0.01);
	END LOOP;
	PERFORM pg_sleep(0.05);
	t := clock_timestamp();
	LOCK TABLE pricing.fee IN ACCESS EXCLUSIVE MODE;
	RETURN extract(epoch FROM clock_timestamp() - t) * 1000;
END
$$;
SQL
lock_waits() { for i in 1 2 3; do psql_value "SELECT round(bench.lock_wait()::numeric)"; sleep 0.5; psql -c 'SELECT pricing.refresh(true)' >/dev/null; done | paste -sd' '; }
say "an exclusive lock behind a refresh: idle, then under load"
LOCK_IDLE=$(lock_waits)
as_pg "$PG_BINDIR/pgbench" "${PGBENCH_OPTS[@]}" -T 60 -f "$DIR/cheapest.pgbench" postgres >"$DIR/lock-load.out" 2>&1 &
LOAD_PID=$!
sleep 2
LOCK_LOADED=$(lock_waits)
kill "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
echo "LOCK TABLE pricing.fee waited (ms): idle $LOCK_IDLE; under load $LOCK_LOADED"
LOCK_IDLE_MS=$(echo "$LOCK_IDLE" | median)
LOCK_LOADED_MS=$(echo "$LOCK_LOADED" | median)

# --- the bounded rival's upkeep ------------------------------------------------------------
# One hotel's rates for a week repriced, as a channel manager sends them:
# the tps with the summary table's triggers, and without.  (The extension's
# own change triggers are off for both runs: the refreshes they would start
# would take CPU from both alike.  rate_changed, and rate_applied, which
# logs the changed hotels for incremental refresh where it fires in every
# session; both are put back as they were.)
cat >"$DIR/update.pgbench" <<'PGB'
\set h random(1, :nhotels)
\set d random(0, 350)
UPDATE pricing.rate SET price = price WHERE hotel_id = :h::bigint AND stay_date BETWEEN current_date + :d::int AND current_date + :d::int + 6;
PGB
chown "$RUN_AS": "$DIR/update.pgbench"
EXT_TRIGGERS=$(psql_value "SELECT string_agg(format('ALTER TABLE pricing.rate %s TRIGGER %I',
	CASE tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'O' THEN 'ENABLE' ELSE 'DISABLE' END,
	tgname), '; ') FROM pg_trigger WHERE tgrelid = 'pricing.rate'::regclass AND tgname IN ('rate_changed', 'rate_applied')")
psql -c 'ALTER TABLE pricing.rate DISABLE TRIGGER rate_changed, DISABLE TRIGGER rate_applied' >/dev/null
read -r TPS_UPD_TRIG _ _ <<<"$(run_pgbench update-triggers update.pgbench -c 1 -j 1 -D nhotels="$HOTELS" -T "$DURATION")"
psql -c 'ALTER TABLE pricing.rate DISABLE TRIGGER bound_upd' >/dev/null
read -r TPS_UPD_PLAIN _ _ <<<"$(run_pgbench update-plain update.pgbench -c 1 -j 1 -D nhotels="$HOTELS" -T "$DURATION")"
psql -c 'ALTER TABLE pricing.rate ENABLE TRIGGER bound_upd' -c "$EXT_TRIGGERS" >/dev/null
UPKEEP_MS=$(awk -v a="$TPS_UPD_TRIG" -v b="$TPS_UPD_PLAIN" 'BEGIN { printf "%.2f", 1000 / a - 1000 / b }')
echo "a one-hotel week update: $TPS_UPD_PLAIN tps without the summary's triggers, $TPS_UPD_TRIG with: $UPKEEP_MS ms of upkeep each"
psql -c 'SELECT pricing.refresh(true)' >/dev/null

# --- full refresh against COPY of every source table --------------------------------
say "full refresh against COPY of every source table to /dev/null ($ROUNDS rounds after an unmeasured one)"
psql <<'SQL' >/dev/null
CREATE FUNCTION bench.time_refresh() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := clock_timestamp();
BEGIN
	PERFORM pricing.refresh(true);
	RETURN extract(epoch FROM clock_timestamp() - t) * 1000;
END
$$;
CREATE FUNCTION bench.time_scan() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := clock_timestamp();
BEGIN
	-- every rate column the refresh reads, each one deformed (the row test)
	PERFORM count(*) FROM pricing.rate
	 WHERE (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival,
			closed_to_departure) IS NOT NULL
	   AND (max_stay IS NULL OR max_stay >= 1);
	RETURN extract(epoch FROM clock_timestamp() - t) * 1000;
END
$$;
CREATE FUNCTION bench.time_copy() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t timestamptz := clock_timestamp();
BEGIN
	-- every source table the refresh reads, whole
	COPY pricing.exchange_rate TO '/dev/null';
	COPY pricing.hotel TO '/dev/null';
	COPY pricing.room TO '/dev/null';
	COPY pricing.rate_plan TO '/dev/null';
	COPY pricing.occupancy TO '/dev/null';
	COPY pricing.discount TO '/dev/null';
	COPY pricing.fee TO '/dev/null';
	COPY pricing.rate TO '/dev/null';
	RETURN extract(epoch FROM clock_timestamp() - t) * 1000;
END
$$;
SQL
# COPY reads every rate; the refresh those in the index's window: all of them
ALL_RATES=$(psql_value "SELECT count(*) FROM pricing.rate")
[ "$ALL_RATES" -eq "$RATES" ] || echo "warning: COPY reads $ALL_RATES rates, the index holds $RATES"
SOURCE_ROWS=$(psql_value "SELECT (SELECT count(*) FROM pricing.exchange_rate) + (SELECT count(*) FROM pricing.hotel)
	+ (SELECT count(*) FROM pricing.room) + (SELECT count(*) FROM pricing.rate_plan)
	+ (SELECT count(*) FROM pricing.occupancy) + (SELECT count(*) FROM pricing.discount)
	+ (SELECT count(*) FROM pricing.fee) + (SELECT count(*) FROM pricing.rate)")
psql_value "SELECT bench.time_refresh(), bench.time_copy(), bench.time_scan()" >/dev/null
REFRESH_MS_ALL=""
COPY_MS_ALL=""
SCAN_MS_ALL=""
WORKER_MS_ALL=""
for round in $(seq "$ROUNDS"); do
	r=$(psql_value "SELECT round(bench.time_refresh()::numeric, 1)")
	w=$(psql_value "SELECT round(refresh_ms::numeric, 1) FROM pricing.status")
	c=$(psql_value "SELECT round(bench.time_copy()::numeric, 1)")
	q=$(psql_value "SELECT round(bench.time_scan()::numeric, 1)")
	SCAN_MS_ALL="$SCAN_MS_ALL $q"
	REFRESH_MS_ALL="$REFRESH_MS_ALL $r"
	WORKER_MS_ALL="$WORKER_MS_ALL $w"
	COPY_MS_ALL="$COPY_MS_ALL $c"
	printf 'round %s  refresh %10.1f ms (worker: %.1f ms)   COPY %10.1f ms   scan %10.1f ms\n' "$round" "$r" "$w" "$c" "$q"
done
# the fastest of each, as for throughput
fastest() { tr ' ' '\n' | grep . | sort -g | head -1; }
REFRESH_MS=$(echo "$REFRESH_MS_ALL" | fastest)
WORKER_MS=$(echo "$WORKER_MS_ALL" | fastest)
COPY_MS=$(echo "$COPY_MS_ALL" | fastest)
SCAN_MS=$(echo "$SCAN_MS_ALL" | fastest)

# --- arena -------------------------------------------------------------------------------
sleep 1
read -r ARENA_USED ARENA_COMMITTED <<<"$(psql_value "SELECT bytes_used, bytes_committed FROM pricing.generations() WHERE state = 'serving'" | tr '|' ' ')"

# --- the table -------------------------------------------------------------------------
R_TEN=$(ratio "$TPS_CHEAPEST" "$TPS_TEN")
R_ONE=$(ratio "$TPS_CHEAPEST" "$TPS_SELECT1")
R_TEN_BARE=$(ratio "$TPS_CHEAPEST" "$TPS_TEN_BARE")
R_RIVAL=$(ratio "$TPS_CHEAPEST" "$TPS_RIVAL" "%.1f")
R_BOUNDED=$(ratio "$TPS_CHEAPEST" "$TPS_BOUNDED" "%.1f")
R_BEST=$(ratio "$TPS_CHEAPEST" "$TPS_BEST" "%.1f")
R_SAME=$(ratio "$TPS_CHEAPEST" "$TPS_SAME")
R_SCAN=$(ratio "$REFRESH_MS" "$SCAN_MS")
R_NIGHT=$(ratio "$ARENA_USED" "$(( ROOMS * NDAYS ))")
DENSITY=$(ratio "$RATES" "$(( ROOMS * NDAYS ))")
R_CPU_SAME=$(ratio "${CPU_US[same_rows]}" "${CPU_US[cheapest]}")
R_CPU_BOUNDED=$(ratio "${CPU_US[bounded]}" "${CPU_US[cheapest]}" "%.1f")
R_REFRESH=$(ratio "$REFRESH_MS" "$COPY_MS")
R_ARENA=$(ratio "$ARENA_USED" "$RATES")
R_P99=$(ratio "$REF_P99" "$IDLE_P99")
R_P99_FEWER=$(ratio "${F_REF_P99:-0}" "${F_IDLE_P99:-0}")
R_CPU_TEN=$(ratio "${CPU_US[ten_rows]}" "${CPU_US[cheapest]}")
R_CPU_RIVAL=$(ratio "${CPU_US[rival]}" "${CPU_US[cheapest]}" "%.1f")
R_S_TEN=$(ratio "$TPS_SEARCH" "$TPS_SEARCH_TEN")
R_S_BOUNDED=$(ratio "$TPS_SEARCH" "$TPS_SEARCH_BOUNDED" "%.1f")
R_S_CEILING=$(ratio "$TPS_SEARCH_TEN" "$TPS_SEARCH_BOUNDED" "%.1f")
R_S_CHEAPEST=$(ratio "$TPS_SEARCH" "$TPS_CHEAPEST")
R_CPU_S_TEN=$(ratio "${CPU_US[search_ten]}" "${CPU_US[search]}")
R_CPU_S_BOUNDED=$(ratio "${CPU_US[search_bounded]}" "${CPU_US[search]}" "%.1f")
R_CAL_EXEC=$(ratio "${EXEC_US[calendar_server]}" "${EXEC_US[searches_server]}")
R_CAL_CPU=$(ratio "${CPU_US[calendar_server]}" "${CPU_US[searches_server]}")
R_CAL_RIVAL=$(ratio "$TPS_CALENDAR" "$TPS_CALENDAR_RIVAL" "%.1f")
R_CAL_CEILING=$(ratio "$TPS_CALENDAR_ROWS" "$TPS_CALENDAR_RIVAL" "%.1f")
R_CAL_ROWS=$(ratio "$TPS_CALENDAR" "$TPS_CALENDAR_ROWS")
R_CPU_CAL_RIVAL=$(ratio "${CPU_US[calendar_rival]}" "${CPU_US[calendar]}" "%.1f")

MAIN_ROWS=$(cat <<EOF
| cheapest tps / constant rows of the same count tps ($MEAN_ROWS rows on average) | $R_SAME | ≥ 0.7 (aim 0.9) | $(verdict "$R_SAME" ">=" 0.7) |
| cheapest tps / ten constant rows tps | $R_TEN | ≥ 0.85 | $(verdict "$R_TEN" ">=" 0.85) |
| cheapest tps / SELECT 1 tps | $R_ONE | reported | |
| cheapest tps / ten constant rows tps when pgbench draws no parameters for the latter | $R_TEN_BARE | reported | |
| cheapest tps / best plain SQL tps ($BEST_NAME) | ${R_BEST}× | ≥ 40× | $(verdict "$R_BEST" ">=" 40) |
| cheapest tps / plain SQL over the tables (rival.sql) | ${R_RIVAL}× | reported | |
| cheapest tps / plain SQL with a bounds summary (rival_bounded.sql) | ${R_BOUNDED}× | reported | |
| search tps / ten constant rows of search's result shape tps (search returns $S_MEAN_ROWS rows on average) | $R_S_TEN | ≥ 0.75 | $(verdict "$R_S_TEN" ">=" 0.75) |
| search tps / best plain SQL tps (rival_search_bounded.sql: bounds summary, two passes) | ${R_S_BOUNDED}× | ≥ 30× | $(verdict "$R_S_BOUNDED" ">=" 30) |
| the ceiling of that ratio: ten constant rows of search's shape tps / rival_search_bounded.sql tps | ${R_S_CEILING}× | reported | |
| search tps / cheapest tps | $R_S_CHEAPEST | reported | |
| calendar (30 check-in dates) / the 30 calls of search(..., max_results => 1) it stands for: server execution time (pg_stat_statements, one client) | $R_CAL_EXEC | ≤ 0.25 | $(verdict "$R_CAL_EXEC" "<=" 0.25) |
| the same in server CPU per transaction (the backend's CPU, the protocol included) | $R_CAL_CPU | reported | |
| calendar tps / best plain SQL tps (rival_calendar.sql: per date, the offering hotels' count and the best of them by bounds) | ${R_CAL_RIVAL}× | ≥ 100× | $(verdict "$R_CAL_RIVAL" ">=" 100) |
| the ceiling of that ratio: 30 constant rows of calendar's shape tps / rival_calendar.sql tps | ${R_CAL_CEILING}× | reported | |
| calendar tps / 30 constant rows of its shape tps (calendar returns $C_MEAN_ROWS rows on average) | $R_CAL_ROWS | reported | |
| hotel_calendar over 90 check-in dates: latency p50 / p99 ($CLIENTS clients) | $HCAL_P50 ms / $HCAL_P99 ms | reported | |
| full refresh / COPY of every source table ($SOURCE_ROWS rows) | $R_REFRESH | ≤ 0.5 | $(verdict "$R_REFRESH" "<=" 0.5) |
| full refresh / sequential scan reading the rates' columns | $R_SCAN | reported | |
| arena bytes per rate (at $DENSITY rates per room-night of the window) | $R_ARENA | ≤ 10 (aim 8) | $(verdict "$R_ARENA" "<=" 10) |
| arena bytes per room-night of the window ($NDAYS nights) | $R_NIGHT | reported | |
| p99 during continuous refresh / idle p99 ($CLIENTS clients; $N_REFRESH refreshes in $LAT_SECONDS s) | $R_P99 | ≤ 1.25 | $(verdict "$R_P99" "<=" 1.25) |
| the same, each round | $SPREAD_ALL | | |
| p99 during back-to-back refreshes / idle p99 (${FEWER:-no} client(s): a core left to the worker; ${N_REFRESH_FEWER:-0} refreshes in $LAT_SECONDS s) | $R_P99_FEWER | reported | |
| the same, each round | ${SPREAD_FEWER:-} | | |
| server CPU per transaction: ten constant rows / cheapest | $R_CPU_TEN | reported | |
| server CPU per transaction: constant rows of the same count / cheapest | $R_CPU_SAME | reported | |
| server CPU per transaction: rival.sql / cheapest | ${R_CPU_RIVAL}× | reported | |
| server CPU per transaction: rival_bounded.sql / cheapest | ${R_CPU_BOUNDED}× | reported | |
| server CPU per transaction: ten constant rows of search's shape / search | $R_CPU_S_TEN | reported | |
| server CPU per transaction: rival_search_bounded.sql / search | ${R_CPU_S_BOUNDED}× | reported | |
| server CPU per transaction: rival_calendar.sql / calendar | ${R_CPU_CAL_RIVAL}× | reported | |
| LOCK TABLE ... ACCESS EXCLUSIVE behind a refresh: wait idle / under load | $(fmt "$LOCK_IDLE_MS") ms / $(fmt "$LOCK_LOADED_MS") ms | reported | |
| the bounds summary's upkeep (rival_bounds.sql, both bounded rivals): full build / per one-hotel week update | ${BOUNDS_BUILD_MS} ms / ${UPKEEP_MS} ms | reported | |
EOF
)

MAIN_DETAILS=$(cat <<EOF
| run | throughput | server CPU per transaction |
| --- | ---: | ---: |
| SELECT 1 | $(fmt "$TPS_SELECT1") tps | ${CPU_US[select1]} µs |
| ten constant rows | $(fmt "$TPS_TEN") tps | ${CPU_US[ten_rows]} µs |
| ten constant rows, no parameter draws | $(fmt "$TPS_TEN_BARE") tps | ${CPU_US[ten_bare]} µs |
| constant rows, as many as cheapest returns | $(fmt "$TPS_SAME") tps | ${CPU_US[same_rows]} µs |
| pricing.cheapest | $(fmt "$TPS_CHEAPEST") tps | ${CPU_US[cheapest]} µs |
| plain SQL over the tables (rival.sql) | $(fmt "$TPS_RIVAL" %.1f) tps | ${CPU_US[rival]} µs |
| plain SQL with a bounds summary (rival_bounded.sql) | $(fmt "$TPS_BOUNDED" %.1f) tps | ${CPU_US[bounded]} µs |
| ten constant rows of search's result shape | $(fmt "$TPS_SEARCH_TEN") tps | ${CPU_US[search_ten]} µs |
| pricing.search (one child, in EUR) | $(fmt "$TPS_SEARCH") tps | ${CPU_US[search]} µs |
| plain SQL for search with a bounds summary (rival_search_bounded.sql) | $(fmt "$TPS_SEARCH_BOUNDED" %.1f) tps | ${CPU_US[search_bounded]} µs |
| thirty constant rows of calendar's result shape | $(fmt "$TPS_CALENDAR_ROWS") tps | ${CPU_US[calendar_rows]} µs |
| pricing.calendar (30 dates, 3 nights, one child, in EUR) | $(fmt "$TPS_CALENDAR") tps | ${CPU_US[calendar]} µs |
| plain SQL for calendar (rival_calendar.sql) | $(fmt "$TPS_CALENDAR_RIVAL" %.1f) tps | ${CPU_US[calendar_rival]} µs |
| pricing.hotel_calendar (90 dates) | $(fmt "$TPS_HOTEL_CALENDAR") tps | ${CPU_US[hotel_calendar]} µs |

| server time, one client | execution time per transaction (pg_stat_statements) | server CPU per transaction | throughput |
| --- | ---: | ---: | ---: |
| one pricing.calendar call (30 dates) | ${EXEC_US[calendar_server]} µs | ${CPU_US[calendar_server]} µs | $(fmt "$(echo "${TPS[calendar_server]}" | best)") tps |
| 30 calls of pricing.search(..., max_results => 1), the same dates | ${EXEC_US[searches_server]} µs | ${CPU_US[searches_server]} µs | $(fmt "$(echo "${TPS[searches_server]}" | best)") tps |

| each round | SELECT 1 | ten constant rows | same row count | cheapest | rival.sql | rival_bounded.sql | ten rows, no draws |
| --- | --- | --- | --- | --- | --- | --- | --- |
| tps | $(rounds "${TPS[select1]}") | $(rounds "${TPS[ten_rows]}") | $(rounds "${TPS[same_rows]}") | $(rounds "${TPS[cheapest]}") | $(rounds "${TPS[rival]}" %.1f) | $(rounds "${TPS[bounded]}" %.1f) | $(rounds "${TPS[ten_bare]}") |
| server CPU µs per transaction | $(rounds "${CPU[select1]}" %.1f) | $(rounds "${CPU[ten_rows]}" %.1f) | $(rounds "${CPU[same_rows]}" %.1f) | $(rounds "${CPU[cheapest]}" %.1f) | $(rounds "${CPU[rival]}") | $(rounds "${CPU[bounded]}") | $(rounds "${CPU[ten_bare]}" %.1f) |

| each round | ten constant rows of search's shape | search | rival_search_bounded.sql |
| --- | --- | --- | --- |
| tps | $(rounds "${TPS[search_ten]}") | $(rounds "${TPS[search]}") | $(rounds "${TPS[search_bounded]}" %.1f) |
| server CPU µs per transaction | $(rounds "${CPU[search_ten]}" %.1f) | $(rounds "${CPU[search]}" %.1f) | $(rounds "${CPU[search_bounded]}") |

| each round | thirty constant rows of calendar's shape | calendar | rival_calendar.sql | hotel_calendar |
| --- | --- | --- | --- | --- |
| tps | $(rounds "${TPS[calendar_rows]}") | $(rounds "${TPS[calendar]}") | $(rounds "${TPS[calendar_rival]}" %.1f) | $(rounds "${TPS[hotel_calendar]}") |
| server CPU µs per transaction | $(rounds "${CPU[calendar_rows]}" %.1f) | $(rounds "${CPU[calendar]}" %.1f) | $(rounds "${CPU[calendar_rival]}") | $(rounds "${CPU[hotel_calendar]}" %.1f) |

| each round, one client | calendar | 30 search calls |
| --- | --- | --- |
| execution µs per transaction (pg_stat_statements) | $(rounds "${EXEC[calendar_server]}" %.1f) | $(rounds "${EXEC[searches_server]}" %.1f) |
| server CPU µs per transaction | $(rounds "${CPU[calendar_server]}" %.1f) | $(rounds "${CPU[searches_server]}" %.1f) |

| latency of cheapest | p50 | p99 |
| --- | ---: | ---: |
| $CLIENTS clients, idle | $IDLE_P50 ms | $IDLE_P99 ms |
| $CLIENTS clients, refreshing ($N_REFRESH refreshes) | $REF_P50 ms | $REF_P99 ms |
| ${FEWER:-no} client(s), idle | ${F_IDLE_P50:-} ms | ${F_IDLE_P99:-} ms |
| ${FEWER:-no} client(s), refreshing (${N_REFRESH_FEWER:-0} refreshes) | ${F_REF_P50:-} ms | ${F_REF_P99:-} ms |

| latency of hotel_calendar (90 check-in dates) | p50 | p99 |
| --- | ---: | ---: |
| $CLIENTS clients, idle ($HCAL_N calls) | $HCAL_P50 ms | $HCAL_P99 ms |

| refresh | time |
| --- | ---: |
| full refresh, \`pricing.refresh(true)\` (the worker's own time) | $(fmt "$REFRESH_MS") ms ($(fmt "$WORKER_MS") ms) |
| COPY of every source table to /dev/null ($SOURCE_ROWS rows, $RATES of them rates) | $(fmt "$COPY_MS") ms |
| sequential scan of the rates, every column the refresh reads | $(fmt "$SCAN_MS") ms |
| arena bytes used (committed) by the serving generation | $ARENA_USED ($ARENA_COMMITTED) |
EOF
)

MAIN_CHECKS=$(cat <<EOF
The plain-SQL rivals against \`pricing.cheapest\`: $CHECK_RESULT.
The plain-SQL search rival against \`pricing.search\`: $S_CHECK_RESULT.
The plain-SQL calendar rival against \`pricing.calendar\`: $C_CHECK_RESULT.
EOF
)
MAIN_HOW=$(cat <<EOF
- The data (\`test/bench/generate.sql\`, seed 1): hotels spread over cities
  by Zipf's law (at scale 1 the largest city has ~2,670 hotels, the
  smallest 2 or 3), two rooms each, a year of nightly rates from today with
  sold-out nights, minimum stays and closed arrivals, discounts at a quarter
  of the hotels and fees at a third.  Version 1.1: every hotel has a plan-0
  row (standard, free cancellation until 0-7 days before), a
  non-refundable plan at -10 % and a breakfast plan (a board fee, min_stay
  2); room 1 has a single-use price (1 occupant at -15 %), room 2 of half
  the hotels an extra_child_fee; a third of the hotels, at random within
  their cities, price in USD, GBP or CHF, at prices of the same value, and
  \`pricing.exchange_rate\` has all four currencies.  cheapest runs on the
  same data (it applies the occupancy rows too).
- The query mix (\`test/bench/params.pgbench\`, the same for cheapest, the
  rival and the check): half the queries pick a city by its size (Zipf),
  half uniformly among all cities; check-in 0-358 days ahead, skewed to the
  near future (exponential); 1-7 nights; 1-4 guests, mostly 2.  search
  draws the same and asks for \`adults => least(guests, 3), children =>
  '{7}', currency => 'EUR'\` (\`test/bench/search_params.pgbench\`,
  \`test/bench/search.pgbench\`): 2 to 4 occupants, one a young child, and
  every total converted to EUR (search returned $S_MEAN_ROWS rows on
  average in the check).
- Two plain-SQL rivals, each one prepared statement; before the runs, each
  must return exactly cheapest's rows (same order, same text) for $CHECKS
  parameter sets of the mix.  \`test/bench/rival.sql\` prices every hotel
  of the city from the tables, with the covering indexes of
  \`test/bench/rival_indexes.sql\` (index-only scans).
  \`test/bench/rival_bounded.sql\` borrows the index's idea: a summary
  table of per-hotel lower bounds of a night's price per period of 14
  check-in nights (\`test/bench/rival_bounds.sql\`, kept right by statement
  triggers on every source table), a first pass pricing the 20 hotels with
  the lowest bounds to get the tenth-best total, a second pass pricing only
  the hotels whose bound times the nights can beat it.  Its upkeep: the
  full build of the summary, and what its triggers add to a one-hotel
  update of a week of rates (pgbench, one client, with and without them).
  The headline ratio is against the faster of the two.  (Both rivals
  apply the occupancy rows, the one feature of 1.1 that the data gives
  cheapest; the summary's bound takes the lowest occupancy adjustment.)
- search's rival, \`test/bench/rival_search_bounded.sql\`, is the bounded
  design carried over to search's question: the same summary table holds,
  per hotel and period, a bound for each number of occupants (over the
  rooms that take them, every plan: lowest occupancy and plan adjustments,
  lowest board fee, extra guest or child fees) in the pivot currency of
  \`pricing.exchange_rate\`, so that one bound serves every target
  currency; the query takes each hotel's bound for the party (its
  occupants counted with the hotel's infant_age), prices the 20 hotels
  with the lowest (\`rival.hotel_offer\`: every room under every plan,
  children, occupancy, plan restrictions, discounts by plan, board fees,
  closed departures) and converts, then only the hotels whose bound can
  beat the tenth-best converted total.  Before the runs it must return exactly search's rows
  for $CHECKS parameter sets of the mix.  Its ceiling, ten constant rows of
  search's shape over it, is what no implementation through PostgreSQL's
  protocol could beat it by.
- Flexible dates (\`test/bench/calendar_params.pgbench\`, after the
  draws of \`params.pgbench\`): the city as drawn for cheapest, thirty
  check-in dates from the drawn one (at most 332 days ahead, so that every
  stay lies in the data's year), 3 nights, 2 adults and a child aged 7,
  totals in EUR (\`test/bench/calendar.pgbench\`; calendar returned
  $C_MEAN_ROWS dates on average in the check, with $C_MEAN_HOTELS hotels
  with an offer per date).
  - Against the thirty calls of \`pricing.search(..., max_results => 1)\`
    for the same dates (one prepared statement each, in one pgbench
    transaction), in server time: the execution time that
    pg_stat_statements records (\`total_exec_time\` over \`calls\`, reset
    before each run; preloaded, but tracking only the sessions of these
    runs, through \`PGOPTIONS\`, so that no other run pays for its
    timing), per transaction, one client (the backend has a core to itself,
    pgbench the other), the least of the rounds.  Execution time is the
    executor's run (ExecutorRun and ExecutorFinish: the function's call,
    the sending of its rows); it leaves out the executor's start and end,
    parsing, planning (the statements are prepared) and the protocol's
    round trips, fixed costs which thirty calls pay thirty times: so it is
    the measure least kind to calendar (the server CPU of the same runs,
    which includes them, is shown beside it).
    pg_stat_statements rather than a PL/pgSQL loop because it times the
    calls as an application would make them, each its own statement.
    calendar does more than the thirty calls: per date it also counts every
    hotel of the city with an offer (\`hotels\`), which search with
    \`max_results => 1\` never does.
  - Against the best plain SQL, \`test/bench/rival_calendar.sql\`, in
    throughput ($CLIENTS clients): one statement; per date, the count from
    one pass over the city's rates (window frames over the dates: every
    night of the stay sellable, the arrival open, the departure not closed,
    a plan that fits), and the best offer from the bounds summary of
    \`rival_bounds.sql\`, pricing (\`rival.hotel_offer\`) only hotels with an
    offer that date: the 3 with the lowest bounds, then those whose bound
    can beat the best of them.  Before the runs it must return exactly
    calendar's rows for $CHECKS parameter sets.  Its ceiling: thirty constant
    rows of calendar's shape (\`test/bench/calendar_rows.pgbench\`) over it.
  - \`pricing.hotel_calendar\` (\`test/bench/hotel_calendar.pgbench\`): a
    hotel drawn uniformly, ninety check-in dates from the drawn one (at most
    272 days ahead), 3 nights, the same party; p50 and p99 of the
    per-transaction pgbench logs of every round ($CLIENTS clients).
- Constant rows of the same count: the ten constant rows cut, by a pgbench
  draw, to a count drawn from the row counts cheapest returned in the
  check (mean $MEAN_ROWS), so that the baseline sends the same number of
  rows on average.
- Ten constant rows (\`test/bench/ten_rows.pgbench\`) have cheapest's result
  shape (bigint, text, smallint, int, numeric, char(3)), and
  \`test/bench/search_ten_rows.pgbench\` search's (bigint, text, smallint,
  int, int, text, text, date, numeric, char(3)), each a VALUES list with the
  same parameter draws as the function it stands beside.
- Every script but one starts with the same parameter draws
  (\`params.pgbench\`), used or not: pgbench shares the cores with the
  server, and its draws (the Zipfian city above all) cost it as much CPU
  per transaction as a short query costs the server, so the baselines
  would otherwise measure pgbench doing less work.  The one exception,
  "ten rows, no draws", shows what that difference is.
- Before the runs, every table and index of the schema is loaded into
  shared buffers (pg_prewarm), and cheapest, search, calendar, the thirty
  search calls, hotel_calendar and the rivals run unmeasured for
  ${WARM:-10} s each.
- Throughput is the best of the rounds (what else runs on the machine only
  ever lowers it; every round is shown); "server CPU per transaction" is
  the CPU time (user and system) of a run's backends over its
  transactions, median of the rounds: it leaves out pgbench and the time a
  backend waits for a core, but not what other processes do to the
  caches.
- Latency: per-transaction pgbench logs of cheapest, $ROUNDS pairs of runs,
  idle then while another session calls \`pricing.refresh(true)\` in a loop;
  p50 and p99 over all transactions of each kind. With as many clients as
  cores, the clients keep every core busy and the worker, at a lower
  priority (nice 10, for its autogroup too), refreshes with the CPU they
  leave: the number of refreshes shows how much that was.  The run with
  one client fewer leaves it a core.
- Refresh: wall time of \`SELECT pricing.refresh(true)\` against
  \`COPY pricing.<table> TO '/dev/null'\` of every source table the
  refresh reads, the 1.1 tables included ($SOURCE_ROWS rows, every rate in
  the index's window), alternating, after one
  unmeasured round of each; the fastest of $ROUNDS of each (all:
  refresh ${REFRESH_MS_ALL# } ms; COPY ${COPY_MS_ALL# } ms).
- Arena bytes per rate: bytes used by the serving generation
  (\`pricing.generations()\`) over the rates it holds.  The index keeps a
  fixed cost per room and night of its window whether a rate exists or
  not, so bytes per rate depend on how full the window is: here $DENSITY
  rates per room-night ($RATES rates, $ROOMS rooms, $NDAYS nights);
  bytes per room-night are the figure that does not depend on it.
- Refresh against a sequential scan: \`SELECT count(*) FROM pricing.rate\`
  with a condition on the row of every rate column the refresh reads, so
  each one is deformed: the floor of reading the rates at all.
- The p99 ratio is shown for each round too (refreshing run over the idle
  run before it), so that its spread can be compared with its margin; the
  number of refreshes says how much refreshing the clients met.
- An exclusive lock behind a refresh: \`pricing.refresh(false)\`, until
  the worker is in the refresh, then 0.05 s, then the wait of \`LOCK TABLE pricing.fee IN ACCESS EXCLUSIVE MODE\`
  (the worker holds ACCESS SHARE on the source tables for the whole
  refresh), median of three, idle and while cheapest keeps every core busy
  (idle: $LOCK_IDLE ms; loaded: $LOCK_LOADED ms).
EOF
)
fi # --- end of the main part

# --- freshness under write load (BENCH_ONLY=freshness runs this part alone) -------
# One client commits single-hotel rate updates at WRITE_RATE a second
# (write_rates.pgbench, pgbench -R) while the other cores' clients run
# cheapest without pause and a probe (bench.probe below) commits a marker
# price on one room-night of a random hotel and polls pricing.quote until it
# is served: commit -> served, cheapest's p99 against a run of the same
# readers without writes, and the worker's CPU per applied update against
# one full rebuild.
# Then UPDATES updates at UPDATE_RATE, and the arena bytes they leave against a
# full rebuild's.
if want freshness; then
say "freshness under write load (scale $SCALE): $WRITE_RATE updates/s for ${FRESH_SECONDS}s, $PROBES probes; then $UPDATES updates for the arena"
FRESH_READERS=${BENCH_FRESH_READERS:-$(( CLIENTS > 1 ? CLIENTS - 1 : 1 ))}
[[ $FRESH_READERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_FRESH_READERS must be a positive integer (it is '$FRESH_READERS')"
FRESH_PROBE_SECONDS=$(( FRESH_SECONDS > 4 ? FRESH_SECONDS - 2 : FRESH_SECONDS ))
PROBE_TIMEOUT_S=30
cp "$BENCH/write_rates.pgbench" "$DIR/write_rates.pgbench"
chown "$RUN_AS": "$DIR/write_rates.pgbench"
# The main part's rivals keep their summary table by triggers on the source
# tables, and their covering index on the rates holds the price (no HOT
# update): every write would pay for them.  The main part is done with them.
if [ -n "$(psql_value "SELECT to_regnamespace('rival')")" ]; then
	echo "dropping the main part's rivals (schema rival, rival_indexes.sql) so that writes do not pay for them"
	psql -c 'SET client_min_messages = warning' -c 'DROP SCHEMA rival CASCADE' >/dev/null
	for idx in $(sed -n 's/^CREATE INDEX \([a-z_]*\) .*/\1/p' "$BENCH/rival_indexes.sql"); do
		psql -c "DROP INDEX IF EXISTS pricing.$idx" >/dev/null
	done
fi
psql -c 'VACUUM (ANALYZE) pricing.rate' >/dev/null
psql <<'SQL' >/dev/null
CREATE SCHEMA IF NOT EXISTS bench;
CREATE SEQUENCE bench.marker_seq;
-- one row per probe: served_ms is NULL when the marker was not served
-- within the timeout (waited_ms is then how long the probe waited), or
-- when the writer overwrote it first (overwritten)
CREATE TABLE bench.fresh_probe (probe int, hotel_id bigint, night date, marker numeric,
	committed_at timestamptz, served_ms float8, waited_ms float8, polls int,
	overwritten boolean);
-- whether pricing.quote shows the marker price for room 1 on that night
CREATE FUNCTION bench.marker_served(h bigint, d date, m numeric) RETURNS boolean
LANGUAGE sql VOLATILE AS $$
	SELECT EXISTS (SELECT FROM pricing.quote(h, d, d + 1) q WHERE q.room_id = 1 AND q.base = m)
$$;
-- a marker: a price no rate has (50001.00, 50002.00, ...) on room 1 of
-- hotel h for night d, made sellable for a one-night stay; committed by the
-- caller
CREATE FUNCTION bench.set_marker(h bigint, d date) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	m numeric := 50000 + nextval('bench.marker_seq');
BEGIN
	UPDATE pricing.rate SET price = m, available = greatest(available, 1), min_stay = 1,
		   max_stay = NULL, closed_to_arrival = false
	 WHERE hotel_id = h AND room_id = 1 AND stay_date = d;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no rate for hotel %, room 1, night %', h, d;
	END IF;
	RETURN m;
END
$$;
-- polls (every ~1 ms) until the marker is served or timeout_s has passed;
-- served_ms: the milliseconds from t0, NULL on timeout or when a write
-- stream's update overwrote the marker's night first (looked at every
-- 100 polls and at the end: the marker gone from the table, or the night
-- no longer sellable)
CREATE FUNCTION bench.await_marker(h bigint, d date, m numeric, t0 timestamptz, timeout_s float8,
								   OUT served_ms float8, OUT waited_ms float8, OUT polls int,
								   OUT overwritten boolean)
LANGUAGE plpgsql AS $$
DECLARE
	seen boolean;
	t1 timestamptz;
BEGIN
	polls := 0;
	overwritten := false;
	LOOP
		polls := polls + 1;
		seen := bench.marker_served(h, d, m);
		t1 := clock_timestamp();
		waited_ms := extract(epoch FROM t1 - t0) * 1000;
		IF seen THEN
			served_ms := waited_ms;
			RETURN;
		END IF;
		IF polls % 100 = 0 OR waited_ms > timeout_s * 1000 THEN
			overwritten := NOT EXISTS (SELECT FROM pricing.rate
										WHERE hotel_id = h AND room_id = 1 AND stay_date = d
										  AND price = m AND available >= 1);
			EXIT WHEN overwritten;
		END IF;
		EXIT WHEN waited_ms > timeout_s * 1000;
		-- a poll every ~1 ms: pg_sleep(0.001) takes 2 ms (its loop waits
		-- 1 ms, finds a little of it left and waits 1 ms more)
		PERFORM pg_sleep(0.0005);
	END LOOP;
END
$$;
-- nprobes probes spread over seconds: probe i starts at a random moment of
-- the first half of its slot (seconds / nprobes), or as soon as the one
-- before it is done if that is later; none starts after the end.  Each
-- commits a marker on a random hotel (1..nhotels) and night (1..300 days
-- ahead), then times from just after its COMMIT to the first poll that
-- sees it.
CREATE PROCEDURE bench.probe(nprobes int, seconds float8, nhotels int, timeout_s float8)
LANGUAGE plpgsql AS $$
DECLARE
	t_start timestamptz := clock_timestamp();
	slot float8 := seconds / nprobes;
	due timestamptz;
	h bigint;
	d date;
	m numeric;
	t0 timestamptz;
	r record;
BEGIN
	FOR i IN 1 .. nprobes LOOP
		due := t_start + ((i - 1) + random() * 0.5) * slot * interval '1 second';
		IF due > clock_timestamp() THEN
			PERFORM pg_sleep(extract(epoch FROM due - clock_timestamp()));
		END IF;
		EXIT WHEN clock_timestamp() > t_start + seconds * interval '1 second';
		h := 1 + floor(random() * nhotels)::bigint;
		d := current_date + 1 + floor(random() * 300)::int;
		m := bench.set_marker(h, d);
		COMMIT;
		t0 := clock_timestamp();
		r := bench.await_marker(h, d, m, t0, timeout_s);
		INSERT INTO bench.fresh_probe VALUES (i, h, d, m, t0, r.served_ms, r.waited_ms, r.polls,
											  r.overwritten);
		COMMIT;
	END LOOP;
END
$$;
-- the probe's polls without its markers, for seconds: beside the idle run
-- of the readers, so that the runs differ by the writes alone (and not by
-- a session waking every millisecond, which on a VM changes the readers'
-- latency by itself)
CREATE PROCEDURE bench.poll(seconds float8, nhotels int)
LANGUAGE plpgsql AS $$
DECLARE
	t_end timestamptz := clock_timestamp() + seconds * interval '1 second';
	seen boolean;
BEGIN
	WHILE clock_timestamp() < t_end LOOP
		seen := bench.marker_served(1 + floor(random() * nhotels)::bigint,
									current_date + 1 + floor(random() * 300)::int, -1);
		PERFORM pg_sleep(0.0005);
	END LOOP;
END
$$;
-- until the worker has applied every change committed before the call: a
-- marker served, the change log (of incremental refresh, when there is one)
-- empty, then the generation unchanged and the worker idle for 0.5 s.
-- Returns the milliseconds until the marker was served; NULL on timeout.
CREATE PROCEDURE bench.settle(nhotels int, timeout_s float8, INOUT served_ms float8 DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
	h bigint := 1 + floor(random() * nhotels)::bigint;
	d date := current_date + 1 + floor(random() * 300)::int;
	m numeric;
	t0 timestamptz;
	deadline timestamptz;
	r record;
	pending boolean;
	g bigint;
	g_seen bigint := -1;
	still_since timestamptz;
BEGIN
	m := bench.set_marker(h, d);
	COMMIT;
	t0 := clock_timestamp();
	deadline := t0 + timeout_s * interval '1 second';
	r := bench.await_marker(h, d, m, t0, timeout_s);
	served_ms := r.served_ms;
	IF served_ms IS NULL THEN
		RETURN;
	END IF;
	IF to_regclass('pricing.change_log') IS NOT NULL THEN
		LOOP
			EXECUTE 'SELECT EXISTS (SELECT FROM pricing.change_log)' INTO pending;
			EXIT WHEN NOT pending;
			IF clock_timestamp() > deadline THEN
				served_ms := NULL;
				RETURN;
			END IF;
			PERFORM pg_sleep(0.01);
		END LOOP;
	END IF;
	LOOP
		SELECT CASE WHEN worker_state = 'idle' THEN generation END INTO g FROM pricing.status;
		IF g IS DISTINCT FROM g_seen OR g IS NULL THEN
			g_seen := g;
			still_since := clock_timestamp();
		ELSIF clock_timestamp() - still_since >= interval '0.5 s' THEN
			EXIT;
		END IF;
		IF clock_timestamp() > deadline THEN
			served_ms := NULL;
			RETURN;
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
END
$$;
-- until one generation is live (the retired one released), or timeout_s;
-- returns whether it came to that
CREATE FUNCTION bench.one_generation(timeout_s float8) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + timeout_s * interval '1 second';
BEGIN
	WHILE (SELECT generations FROM pricing.status) <> 1 LOOP
		IF clock_timestamp() > deadline THEN
			RETURN false;
		END IF;
		PERFORM pg_sleep(0.01);
	END LOOP;
	RETURN true;
END
$$;
SQL
# the columns incremental refresh adds to pricing.status (each may be missing)
STATUS_COLUMNS=" $(psql_value "SELECT string_agg(attname, ' ') FROM pg_attribute WHERE attrelid = 'pricing.status'::regclass AND attnum > 0 AND NOT attisdropped") "
has_status() { [[ $STATUS_COLUMNS == *" $1 "* ]]; }
# status_of column: its value, or nothing when pricing.status lacks it
status_of() { if has_status "$1"; then psql_value "SELECT $1 FROM pricing.status"; fi; }
FRESH_MISSING=$(for c in incremental_refreshes changes_applied last_change_ms last_refresh; do has_status "$c" || echo "$c"; done | paste -sd' ')
[ -z "$FRESH_MISSING" ] || echo "pricing.status has no column $FRESH_MISSING (yet): the measures that need them fall back"
# the refresh worker's CPU time (user + system, ms) from /proc/pid/stat:
# fields 14 and 15, counted after the command name (which may hold spaces)
worker_pid() { psql_value "SELECT worker_pid FROM pricing.status"; }
cpu_ms() { awk -v hz="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.0f\n", ($12 + $13) * 1000 / hz }' "/proc/$1/stat"; }
processed() { sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$DIR/$1.out"; }
tps_of() { sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$DIR/$1.out"; }

if ! want main; then
	WARM=$(( DURATION < 10 ? DURATION : 10 ))
	echo "warming up: cheapest, ${WARM}s"
	run_pgbench fresh-warm cheapest.pgbench -c "$FRESH_READERS" -j "$FRESH_READERS" -T "$WARM" >/dev/null
fi

# one full rebuild's CPU: the worker's CPU over FULL_REBUILDS explicit
# refreshes (pricing.refresh(true) always rebuilds whole), nothing else running
FULL_REBUILDS=5
echo "the worker's CPU for one full rebuild: $FULL_REBUILDS of them"
psql -c 'SELECT pricing.refresh(true)' >/dev/null
psql_value 'SELECT bench.one_generation(10)' >/dev/null
WPID=$(worker_pid)
c0=$(cpu_ms "$WPID")
FULL_WALL_ALL=""
for i in $(seq "$FULL_REBUILDS"); do
	psql -c 'SELECT pricing.refresh(true)' >/dev/null
	FULL_WALL_ALL="$FULL_WALL_ALL $(psql_value "SELECT round(refresh_ms::numeric, 1) FROM pricing.status")"
done
psql_value 'SELECT bench.one_generation(10)' >/dev/null
c1=$(cpu_ms "$WPID")
[ "$(worker_pid)" = "$WPID" ] || die "the refresh worker restarted during the full rebuilds"
FULL_CPU_MS=$(awk -v a="$c0" -v b="$c1" -v n="$FULL_REBUILDS" 'BEGIN { printf "%.1f", (b - a) / n }')
FULL_WALL_MS=$(echo "$FULL_WALL_ALL" | median)
echo "one full rebuild: $FULL_CPU_MS ms of worker CPU (refresh_ms: ${FULL_WALL_ALL# })"

# cheapest without writes: the same readers for as long as the write
# stream, and the probe's polls without its markers
echo "cheapest without writes: $FRESH_READERS client(s) and the probe's polls, ${FRESH_SECONDS}s"
psql -c "CALL bench.poll($FRESH_SECONDS, $HOTELS)" >/dev/null &
POLL_PID=$!
FRESH_PIDS=$POLL_PID
run_pgbench fresh-idle cheapest.pgbench -c "$FRESH_READERS" -j "$FRESH_READERS" -T "$FRESH_SECONDS" \
	-l --log-prefix="$DIR/log/fresh-idle" >/dev/null
wait "$POLL_PID" || die "the idle run's poller failed"
FRESH_PIDS=

# the write stream, the readers and the probe
echo "the write stream: $WRITE_RATE updates/s, $FRESH_READERS reader client(s) and the probe, ${FRESH_SECONDS}s"
WPID=$(worker_pid)
W_CPU0=$(cpu_ms "$WPID")
W_APPLIED0=$(status_of changes_applied)
W_REFRESHES0=$(status_of refreshes)
W_INCREMENTAL0=$(status_of incremental_refreshes)
W_GEN0=$(status_of generation)
fresh_pgbench fresh-writer write_rates.pgbench -c 1 -j 1 --max-tries=10 -R "$WRITE_RATE" -T "$FRESH_SECONDS" -D nhotels="$HOTELS"
WRITER_PID=$!
fresh_pgbench fresh-readers cheapest.pgbench -c "$FRESH_READERS" -j "$FRESH_READERS" -T "$FRESH_SECONDS" \
	-l --log-prefix="$DIR/log/fresh-write"
READERS_PID=$!
FRESH_PIDS="$WRITER_PID $READERS_PID"
sleep 1
psql -c "CALL bench.probe($PROBES, $FRESH_PROBE_SECONDS, $HOTELS, $PROBE_TIMEOUT_S)" >/dev/null
fresh_wait fresh-writer "$WRITER_PID"
fresh_wait fresh-readers "$READERS_PID"
FRESH_PIDS=
STREAM_SETTLE_MS=$(psql_value "CALL bench.settle($HOTELS, 300)")
[ -z "$STREAM_SETTLE_MS" ] || STREAM_SETTLE_MS=$(fmt "$STREAM_SETTLE_MS")
[ -n "$STREAM_SETTLE_MS" ] || echo "warning: the worker had not applied the write stream 300 s after its end"
W_CPU1=$(cpu_ms "$WPID")
W_APPLIED1=$(status_of changes_applied)
W_REFRESHES1=$(status_of refreshes)
W_INCREMENTAL1=$(status_of incremental_refreshes)
W_GEN1=$(status_of generation)
W_LAST_CHANGE_MS=$(status_of last_change_ms)
W_LAST_REFRESH=$(status_of last_refresh)
WRITER_N=$(processed fresh-writer)
WRITER_TPS=$(fmt "$(tps_of fresh-writer)" %.1f)
WRITER_LAG=$(sed -n 's/^rate limit schedule lag: avg \([0-9.]*\) .*max \([0-9.]*\).*/avg \1 ms, max \2 ms/p' "$DIR/fresh-writer.out")
# a probe whose marker the writer overwrote before it was served says
# nothing: left out (and counted)
read -r PROBES_DONE PROBES_OVERWRITTEN PROBES_SERVED PROBE_P50 PROBE_P90 PROBE_P99 PROBE_MAX PROBE_POLLS POLL_MS <<<"$(psql_value "
	SELECT (SELECT count(*) FROM bench.fresh_probe), (SELECT count(*) FROM bench.fresh_probe WHERE overwritten),
		   count(served_ms),
		   round(percentile_disc(0.50) WITHIN GROUP (ORDER BY coalesce(served_ms, waited_ms))::numeric, 1),
		   round(percentile_disc(0.90) WITHIN GROUP (ORDER BY coalesce(served_ms, waited_ms))::numeric, 1),
		   round(percentile_disc(0.99) WITHIN GROUP (ORDER BY coalesce(served_ms, waited_ms))::numeric, 1),
		   round(max(coalesce(served_ms, waited_ms))::numeric, 1),
		   round(avg(polls)::numeric, 0),
		   round((sum(waited_ms) / nullif(sum(polls), 0))::numeric, 2)
	FROM bench.fresh_probe WHERE NOT overwritten" | tr '|' ' ')"
PROBES_LOST=$(( PROBES_DONE - PROBES_OVERWRITTEN - PROBES_SERVED ))
if [ "$(worker_pid)" != "$WPID" ]; then
	echo "warning: the refresh worker restarted during the write stream: no CPU figure"
	W_CPU_MS=n/a
else
	W_CPU_MS=$(( W_CPU1 - W_CPU0 ))
fi
# updates applied: the worker's own count, else every committed update
# (the writer's, the probes' markers and settle's)
COMMITTED=$(( WRITER_N + PROBES_DONE + 1 ))
if has_status changes_applied; then
	APPLIED=$(( W_APPLIED1 - W_APPLIED0 ))
	APPLIED_SOURCE="pricing.status.changes_applied; $COMMITTED updates committed"
else
	APPLIED=$COMMITTED
	APPLIED_SOURCE="the committed updates: the writer's $WRITER_N, the $PROBES_DONE probes' markers and settle's; pricing.status has no changes_applied"
fi
UPDATE_CPU_MS=$(ratio "$W_CPU_MS" "$APPLIED" "%.3f")
COMMITTED_CPU_MS=$(ratio "$W_CPU_MS" "$COMMITTED" "%.3f")
if [ "$W_CPU_MS" = n/a ]; then UPDATE_CPU_MS=n/a; COMMITTED_CPU_MS=n/a; fi
R_UPDATE_CPU=$(ratio "$UPDATE_CPU_MS" "$FULL_CPU_MS" "%.4f")
[ "$UPDATE_CPU_MS" = n/a ] && R_UPDATE_CPU=n/a
read -r FI_P50 FI_P99 FI_N <<<"$(percentiles fresh-idle.)"
read -r FW_P50 FW_P99 FW_N <<<"$(percentiles fresh-write.)"
R_FRESH_P99=$(ratio "$FW_P99" "$FI_P99")
echo "writer: $WRITER_N updates ($WRITER_TPS tps; schedule lag ${WRITER_LAG:-?})"
echo "probes: $PROBES_DONE of $PROBES, $PROBES_OVERWRITTEN overwritten by the writer first, $PROBES_SERVED served; commit -> served p50 $PROBE_P50 ms, p90 $PROBE_P90 ms, p99 $PROBE_P99 ms, max $PROBE_MAX ms ($PROBE_POLLS polls per probe on average)"
echo "cheapest, $FRESH_READERS client(s): without writes p50 $FI_P50 ms p99 $FI_P99 ms ($FI_N); under the write stream p50 $FW_P50 ms p99 $FW_P99 ms ($FW_N): p99 ratio $R_FRESH_P99"
echo "worker: $W_CPU_MS ms of CPU for $APPLIED updates applied ($APPLIED_SOURCE): $UPDATE_CPU_MS ms each, $R_UPDATE_CPU of a full rebuild's $FULL_CPU_MS ms"

# many updates, at a rate the worker applies them one refresh after another
# (unthrottled, a refresh would find more than 1000 changed hotels and
# rebuild in full, which says nothing of incremental memory), then the arena
# against a full rebuild's
echo "$UPDATES updates, one client, $UPDATE_RATE/s"
U_REFRESHES0=$(status_of refreshes)
U_INCREMENTAL0=$(status_of incremental_refreshes)
read -r UPD_TPS UPD_N _ <<<"$(run_pgbench fresh-updates write_rates.pgbench -c 1 -j 1 -R "$UPDATE_RATE" --max-tries=10 -t "$UPDATES" -D nhotels="$HOTELS")"
UPD_SETTLE_MS=$(psql_value "CALL bench.settle($HOTELS, 600)")
[ -z "$UPD_SETTLE_MS" ] || UPD_SETTLE_MS=$(fmt "$UPD_SETTLE_MS")
[ -n "$UPD_SETTLE_MS" ] || echo "warning: the worker had not applied the updates 600 s after the last"
U_REFRESHES1=$(status_of refreshes)
U_INCREMENTAL1=$(status_of incremental_refreshes)
[ "$(psql_value 'SELECT bench.one_generation(60)')" = t ] || echo "warning: two generations still live 60 s after the updates"
read -r ARENA_AFTER_UPDATES GEN_AFTER_UPDATES <<<"$(psql_value "SELECT arena_bytes_used, generation FROM pricing.status" | tr '|' ' ')"
psql -c 'SELECT pricing.refresh(true)' >/dev/null
[ "$(psql_value 'SELECT bench.one_generation(60)')" = t ] || echo "warning: two generations still live 60 s after the full rebuild"
ARENA_AFTER_FULL=$(psql_value "SELECT arena_bytes_used FROM pricing.status")
R_ARENA_UPDATES=$(ratio "$ARENA_AFTER_UPDATES" "$ARENA_AFTER_FULL" "%.3f")
echo "arena bytes used after $UPD_N updates: $ARENA_AFTER_UPDATES (generation $GEN_AFTER_UPDATES); after a full rebuild: $ARENA_AFTER_FULL; ratio $R_ARENA_UPDATES"

# the rows
# verdict_n value op target: verdict, or "not measured" for a non-number
if [ "$PROBES_SERVED" -eq 0 ]; then
	FRESH_VERDICT="not measured"
elif [ "$(verdict_n "$PROBE_P50" "<=" 100)" = met ] && [ "$(verdict_n "$PROBE_P99" "<=" 300)" = met ] && [ "$PROBES_LOST" -eq 0 ]; then
	FRESH_VERDICT=met
else
	FRESH_VERDICT="**not met**"
fi
PROBE_NOTE=
[ "$PROBES_LOST" -eq 0 ] || PROBE_NOTE="; $PROBES_LOST not served within $PROBE_TIMEOUT_S s, counted at their wait"
[ "$PROBES_OVERWRITTEN" -eq 0 ] || PROBE_NOTE="$PROBE_NOTE; $PROBES_OVERWRITTEN overwritten by the writer first, left out"
[ "$PROBES_DONE" -eq "$PROBES" ] || PROBE_NOTE="$PROBE_NOTE; $PROBES_DONE of $PROBES planned fitted in the run"
FRESH_ROWS=$(cat <<EOF
| freshness at scale $SCALE, $(fmt "$WRITE_RATE") single-hotel updates/s: commit → served p50 / p99 (a marker price, pricing.quote polled every ms; $(( PROBES_DONE - PROBES_OVERWRITTEN )) probes$PROBE_NOTE) | $PROBE_P50 ms / $PROBE_P99 ms | ≤ 100 ms / ≤ 300 ms | $FRESH_VERDICT |
| cheapest p99 under the write stream / p99 without writes ($FRESH_READERS client(s); the probe's polls in both runs) | $R_FRESH_P99 | ≤ 1.25 | $(verdict_n "$R_FRESH_P99" "<=" 1.25) |
| worker CPU per applied update / CPU of one full rebuild (scale $SCALE: $HOTELS hotels, $RATES rates) | $UPDATE_CPU_MS ms / $FULL_CPU_MS ms = $R_UPDATE_CPU | reported (not to grow with the scale) | |
| arena bytes after $UPD_N updates / after a full rebuild | $R_ARENA_UPDATES | ≤ 1.05 | $(verdict_n "$R_ARENA_UPDATES" "<=" 1.05) |
EOF
)
status_note() { if has_status "$1"; then echo "$2"; else echo "n/a (no $1 in pricing.status)"; fi; }
delta() { if [ -n "$1" ] && [ -n "$2" ]; then echo $(( $2 - $1 )); else echo "n/a"; fi; }
FRESH_DETAILS=$(cat <<EOF
| freshness under write load, scale $SCALE ($HOTELS hotels, $RATES rates) | |
| --- | ---: |
| writer: write_rates.pgbench, one client, -R $WRITE_RATE, ${FRESH_SECONDS} s | $WRITER_N updates, $WRITER_TPS tps (schedule lag ${WRITER_LAG:-n/a}) |
| probes: done of planned / overwritten by the writer before served (left out) / served (timeout $PROBE_TIMEOUT_S s) | $PROBES_DONE of $PROBES / $PROBES_OVERWRITTEN / $PROBES_SERVED |
| commit → served: p50 / p90 / p99 / max | $PROBE_P50 / $PROBE_P90 / $PROBE_P99 / $PROBE_MAX ms |
| polls of pricing.quote per probe (mean) / time per poll | $PROBE_POLLS / ${POLL_MS:-n/a} ms |
| cheapest, $FRESH_READERS client(s), without writes: p50 / p99 (calls) | $FI_P50 ms / $FI_P99 ms ($FI_N) |
| cheapest, $FRESH_READERS client(s), under the write stream: p50 / p99 (calls) | $FW_P50 ms / $FW_P99 ms ($FW_N) |
| worker CPU over the stream until all was applied (settled ${STREAM_SETTLE_MS:-n/a} ms after its end) | $W_CPU_MS ms |
| updates applied | $APPLIED ($APPLIED_SOURCE) |
| worker CPU per update applied / per update committed | $UPDATE_CPU_MS ms / $COMMITTED_CPU_MS ms |
| refreshes during the stream / of them incremental / generations published | $(delta "$W_REFRESHES0" "$W_REFRESHES1") / $(status_note incremental_refreshes "$(delta "$W_INCREMENTAL0" "$W_INCREMENTAL1")") / $(delta "$W_GEN0" "$W_GEN1") |
| last_change_ms / last_refresh after the stream | $(status_note last_change_ms "$W_LAST_CHANGE_MS") / $(status_note last_refresh "$W_LAST_REFRESH") |
| one full rebuild: worker CPU (mean of $FULL_REBUILDS) / refresh_ms (median) | $FULL_CPU_MS ms / $FULL_WALL_MS ms |
| $UPD_N updates, one client at $UPDATE_RATE/s: throughput / all applied (a marker served) after the last / refreshes (incremental) | $(fmt "$UPD_TPS") tps / ${UPD_SETTLE_MS:-n/a} ms / $(delta "$U_REFRESHES0" "$U_REFRESHES1") ($(status_note incremental_refreshes "$(delta "$U_INCREMENTAL0" "$U_INCREMENTAL1")")) |
| arena bytes used: after the updates (generation $GEN_AFTER_UPDATES) / after a full rebuild | $ARENA_AFTER_UPDATES / $ARENA_AFTER_FULL |
EOF
)
FRESH_HOW=$(cat <<EOF
- Freshness under write load (at scale $SCALE; \`BENCH_ONLY=freshness\` runs
  this part alone, \`test/bench/freshness.sh\` at several scales): one
  client commits single-hotel updates at $WRITE_RATE a second (\`pgbench -R\`,
  \`test/bench/write_rates.pgbench\`: the rates of one random hotel for 1-30
  consecutive nights, one room or both, a new price and availability) for
  $FRESH_SECONDS s, while $FRESH_READERS client(s) run cheapest without pause
  and a probe (\`bench.probe\`, a PL/pgSQL procedure) commits, $PROBES times
  spread over the run (as many as fit), a marker price on room 1 of a random
  hotel for one night (made sellable for one night) and calls
  \`pricing.quote\` for that stay every millisecond until it shows it:
  commit → served is from just after COMMIT returns to the end of the first
  call that shows it (nearest-rank percentiles; a marker not served within
  $PROBE_TIMEOUT_S s counts at its wait; one that the writer overwrote, or
  sold out, before it was served is left out and counted).  cheapest's p99 is against a run of
  the same readers just before, without writes: beside them a session
  polls as the probe does, without markers (on this kind of VM a session
  that wakes every millisecond changes the readers' latency by itself, and
  so does a worker that keeps a core busy: with fewer readers than cores,
  the run with writes can have the lower p99;
  \`BENCH_FRESH_READERS=$CLIENTS\` compares with every core taken by readers);
  p99 from pgbench's per-transaction logs (nearest rank).
- The worker's CPU is user + system time from \`/proc/<worker_pid>/stat\`
  ($CLK_TCK ticks a second): over the write stream until the worker has
  applied it all (a marker served, \`pricing.change_log\` empty if there is
  one, the generation unchanged for 0.5 s), over the updates it applied
  ($APPLIED_SOURCE); one full rebuild's is the mean over $FULL_REBUILDS
  \`pricing.refresh(true)\` calls (an explicit refresh always rebuilds whole)
  on the idle server, before the stream.
- The arena after many updates: $UPD_N updates of the same kind, one
  client at $UPDATE_RATE a second (unthrottled, the worker would find more
  than 1000 changed hotels per refresh and rebuild in full), then until the worker has applied them, one
  generation live, \`pricing.status.arena_bytes_used\`; then
  \`pricing.refresh(true)\`, one generation live, the same figure.
$(want main && echo "- The freshness part runs last, on the data the main part leaves, without the rivals' summary triggers and covering indexes (dropped, so that writes do not pay for them).")
EOF
)
fi # --- end of the freshness part

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# the table: the rows of the parts that ran
# --- booking (BENCH_ONLY=booking runs this part alone) -------------------------
if want booking; then
	# shellcheck source=test/bench/booking_part.sh
	. "$BENCH/booking_part.sh"
fi

TABLE=$(printf '| measure | result | target | |\n| --- | ---: | --- | --- |\n'; printf '%s\n' "${MAIN_ROWS:-}" "${FRESH_ROWS:-}" "${BOOK_ROWS:-}" | grep .)
# blocks "text"...: the non-empty ones, a blank line between two
blocks() { local b first=1; for b in "$@"; do [ -n "$b" ] || continue; [ -n "$first" ] || printf '\n'; printf '%s\n' "$b"; first=; done; }
DETAILS=$(blocks "${MAIN_DETAILS:-}" "${FRESH_DETAILS:-}" "${BOOK_DETAILS:-}")
HOW=$(printf '%s\n' "${MAIN_HOW:-}" "${FRESH_HOW:-}" "${BOOK_HOW:-}" | grep .)
NOTES=$(blocks "${MAIN_CHECKS:-}" "$(printf 'How each figure is made:\n\n%s' "$HOW")")

CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
PG_VERSION=$(psql_value "SELECT version()")
# BENCH_COMMIT names the source when it is not a git checkout (git archive)
COMMIT="commit ${BENCH_COMMIT:-$(git -c safe.directory='*' -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [ -z "${BENCH_COMMIT:-}" ] && [ -n "$(git -c safe.directory='*' -C "$SRC" status --porcelain -- src sql Makefile 2>/dev/null)" ]; then
	COMMIT="$COMMIT (with uncommitted changes in src, sql or Makefile)"
fi
COMMAND="BENCH_SCALE=$SCALE BENCH_SECONDS=$DURATION BENCH_ROUNDS=$ROUNDS BENCH_CLIENTS=$CLIENTS"
want booking && COMMAND="$COMMAND BENCH_BOOK_CLIENTS=$BOOK_CLIENTS BENCH_BOOK_RATE=$BOOK_RATE"
want freshness && COMMAND="$COMMAND BENCH_FRESH_SECONDS=$FRESH_SECONDS BENCH_PROBES=$PROBES BENCH_UPDATES=$UPDATES BENCH_UPDATE_RATE=$UPDATE_RATE BENCH_WRITE_RATE=$WRITE_RATE BENCH_FRESH_READERS=$FRESH_READERS"
[ -n "$ONLY" ] && COMMAND="$COMMAND BENCH_ONLY=$ONLY"
[ "$INSTALL" = 0 ] && COMMAND="$COMMAND BENCH_INSTALL=0"
COMMAND="$COMMAND sudo make bench"
PART_LINES="- parts: $(for part in main freshness booking; do if want $part; then echo $part; fi; done | paste -sd, | sed 's/,/, /g')"
want main && PART_LINES="$PART_LINES
- pgbench: prepared protocol, $CLIENTS clients, $DURATION s per run; throughput is the best of $ROUNDS interleaved rounds"
want freshness && PART_LINES="$PART_LINES
- freshness: $WRITE_RATE single-hotel updates/s (one client) for $FRESH_SECONDS s beside $FRESH_READERS reader client(s) and $PROBES probes; then $UPD_N updates for the arena"
if [ "$INSTALL" = 0 ]; then
	COMMIT="the installed library (BENCH_INSTALL=0: not built from the checkout, at $COMMIT)"
fi
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')

say "results"
echo
echo "$TABLE"
echo
echo "$DETAILS"

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# pricing benchmark

Written by \`test/bench/run.sh\` (\`make bench\`).

- date: $WHEN
- machine: $NPROC × $CPU_MODEL, $(( MEM_KB / 1024 / 1024 )) GiB RAM, Linux $(uname -r)
- load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER
- PostgreSQL: $PG_VERSION
- pricing: $COMMIT
- data: scale $SCALE: $HOTELS hotels in $NCITIES cities, $ROOMS rooms, $RATES rates, $DISCOUNTS discounts, $FEES fees, $PLANS rate plans, $OCCUPANCY occupancy rows; hotels by currency: $CURRENCIES (generated in ${LOAD_S} s)
$PART_LINES
- command: \`$COMMAND\`

$TABLE

$DETAILS

$NOTES
EOF
chown --reference="$SRC" "$OUT" 2>/dev/null || true
echo
echo "written to $OUT"

if [ "${MISMATCHES:-0}" -ne 0 ]; then
	die "the plain-SQL rival and pricing.cheapest disagree on $MISMATCHES of $CHECKED parameter sets (see above)"
fi
if [ "${S_MISMATCHES:-0}" -ne 0 ]; then
	die "the plain-SQL search rival and pricing.search disagree on $S_MISMATCHES of $S_CHECKED parameter sets (see above)"
fi
if [ "${C_MISMATCHES:-0}" -ne 0 ]; then
	die "the plain-SQL calendar rival and pricing.calendar disagree on $C_MISMATCHES of $C_CHECKED parameter sets (see above)"
fi
