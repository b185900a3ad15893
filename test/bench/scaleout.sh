#!/usr/bin/env bash
# test/bench/scaleout.sh: the figures of the README's "Scaling out" section.
#
#   sudo bash test/bench/scaleout.sh        (or: sudo make scaleout)
#
# Installs what is missing, builds and installs the extensions (as root, like
# test/demo.sh), then, as the postgres user, starts throwaway servers on Unix
# sockets in a temporary directory and measures:
#
#  (a) a primary and a streaming hot standby, pricing.refresh_interval = 0 on
#      both: for CHANGES committed changes (one every 0-0.5 s, so that they
#      land anywhere in the standby's polling cycle), the delay from the
#      commit on the primary (its commit timestamp) to the moment the
#      standby's first generation that includes it was loaded (its
#      pricing.status.loaded_at); the standby's index is polled to see the
#      change, nobody calls pricing.refresh() there;
#  (b) two shards and a PL/Proxy router (pricing_proxy): pgbench, prepared
#      statements, nproc clients, SECONDS seconds per run, of
#      pricing.cheapest on a shard directly against pricing_proxy.cheapest
#      through the router for the same cities (that shard's), and the same
#      for quote (the router asks every shard: RUN ON ALL).
#
# The results go to stdout and to doc/scaleout.md.  Settings:
#   CHANGES (default 30), SECONDS_PER_RUN (default 10), CLIENTS (default nproc)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SRC=$(pwd)
PG_BINDIR=/usr/lib/postgresql/15/bin
RUN_AS=postgres
CHANGES=${CHANGES:-30}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
CLIENTS=${CLIENTS:-$(nproc)}
OUT=$SRC/doc/scaleout.md

if [ "$(id -u)" -ne 0 ]; then
	echo "test/bench/scaleout.sh needs root to install packages and the extension: run it as 'sudo bash test/bench/scaleout.sh'" >&2
	exit 2
fi

. test/setup.sh
pricing_install

DIR=$(mktemp -d /tmp/pricing-scaleout.XXXXXX)
chown "$RUN_AS": "$DIR"
chmod 755 "$DIR"
cp test/data/sample.sql "$DIR/sample.sql"
as_pg() { runuser -u "$RUN_AS" -- "$@"; }
NODES=()
stop() {
	local n
	for n in "${NODES[@]}"; do
		as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/$n" -m immediate stop >/dev/null 2>&1 || true
	done
	rm -rf "$DIR"
}
trap stop EXIT

# unset the caller's PG* settings: every connection names its server
for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

declare -A PORT=([primary]=5601 [standby]=5602 [shard0]=5603 [shard1]=5604 [router]=5605)
PRICING_CONF="shared_preload_libraries = 'pricing'
pricing.database = 'postgres'
pricing.refresh_interval = '0'
pricing.horizon_days = 130"

start() {	# start <name>
	as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/$1" -l "$DIR/$1.log" -w start >/dev/null
	NODES+=("$1")
}
new_node() {	# new_node <name> <extra postgresql.conf lines>
	as_pg "$PG_BINDIR/initdb" -D "$DIR/$1" -A trust >/dev/null
	cat >>"$DIR/$1/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
port = ${PORT[$1]}
max_connections = 200
$2
CONF
	start "$1"
}
psql_on() {	# psql_on <name> <psql arguments>
	local n=$1
	shift
	as_pg "$PG_BINDIR/psql" -h "$DIR" -p "${PORT[$n]}" -d postgres -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}
median_max() {	# numbers on stdin -> "median min max"
	sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "%.0f %.0f %.0f\n", m, v[1], v[NR] }'
}
now() { date +%s.%N; }

LOAD_BEFORE=$(cut -d ' ' -f 1-3 /proc/loadavg)
echo
echo "=== (a) a hot standby follows the primary: $CHANGES changes"
new_node primary "$PRICING_CONF
track_commit_timestamp = on"
psql_on primary -c 'CREATE EXTENSION pricing' -f "$DIR/sample.sql" >/dev/null
# the night the changes are made on: sellable, so that quote() shows it
psql_on primary -c "UPDATE pricing.rate SET available = 5, min_stay = 1, closed_to_arrival = false
                     WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 5" >/dev/null
psql_on primary -c 'SELECT pricing.refresh(true)' >/dev/null
as_pg "$PG_BINDIR/pg_basebackup" -h "$DIR" -p "${PORT[primary]}" -D "$DIR/standby" -R -X stream -c fast
sed -i "s/^port = .*/port = ${PORT[standby]}/" "$DIR/standby/postgresql.conf"
start standby
for _ in $(seq 300); do
	[ "$(psql_on standby -c 'SELECT generation > 0 FROM pricing.status' 2>/dev/null)" = t ] && break
	sleep 0.1
done

: >"$DIR/delays"
for i in $(seq "$CHANGES"); do
	price=$((100 + i)).00
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 500) / 1000 }')"
	commit=$(psql_on primary -c "UPDATE pricing.rate SET price = $price
	                             WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 5
	                             RETURNING xmin" |
		{ read -r xid; psql_on primary -c "SELECT extract(epoch FROM pg_xact_commit_timestamp('$xid'::xid))"; })
	deadline=$(($(date +%s) + 30))
	loaded=
	while [ "$(date +%s)" -lt "$deadline" ]; do
		loaded=$(psql_on standby -c "SELECT extract(epoch FROM s.loaded_at) FROM pricing.status s
		                             WHERE (SELECT q.base FROM pricing.quote(1, current_date + 5, current_date + 6, 1) q
		                                     WHERE q.room_id = 1) = $price")
		[ -n "$loaded" ] && break
		sleep 0.01
	done
	[ -n "$loaded" ] || { echo "change $i did not reach the standby's index within 30 s" >&2; exit 1; }
	awk -v c="$commit" -v l="$loaded" 'BEGIN { printf "%.1f\n", (l - c) * 1000 }' >>"$DIR/delays"
done
read -r d_median d_min d_max < <(median_max <"$DIR/delays")
s_refresh=$(psql_on standby -c 'SELECT round(refresh_ms::numeric, 1) FROM pricing.status')
s_refreshes=$(psql_on standby -c 'SELECT refreshes FROM pricing.status')
echo "commit-to-index delay on the standby (ms): $(tr '\n' ' ' <"$DIR/delays")"
echo "median $d_median ms, min $d_min ms, max $d_max ms; a standby refresh of the sample takes $s_refresh ms"
for n in standby primary; do
	as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/$n" -m fast stop >/dev/null
done
NODES=()

echo
echo "=== (b) a PL/Proxy router in front of two shards"
new_node shard0 "$PRICING_CONF"
new_node shard1 "$PRICING_CONF"
new_node router ""
psql_on router <<SQL
CREATE EXTENSION plproxy;
CREATE EXTENSION pricing_proxy;
CREATE SERVER pricing_cluster FOREIGN DATA WRAPPER plproxy OPTIONS (
  partition_0 'host=$DIR port=${PORT[shard0]} dbname=postgres',
  partition_1 'host=$DIR port=${PORT[shard1]} dbname=postgres');
CREATE USER MAPPING FOR PUBLIC SERVER pricing_cluster OPTIONS (user '$RUN_AS');
SQL
# each shard loads the sample and keeps the hotels of the cities the router
# gives it
for k in 0 1; do
	cities=$(psql_on router -c "SELECT string_agg(quote_literal(c), ',') FROM
	           unnest(ARRAY['Berlin', 'Paris', 'Lisbon', 'Rome', 'Vienna']) c
	           WHERE pricing_proxy.shard_of(c) = $k")
	psql_on "shard$k" -c 'CREATE EXTENSION pricing' -f "$DIR/sample.sql" \
		-c "DELETE FROM pricing.hotel WHERE city <> ALL (ARRAY[$cities]::text[])" \
		-c 'SELECT pricing.refresh(true)' >/dev/null
	echo "shard $k: $(psql_on "shard$k" -c "SELECT string_agg(DISTINCT city, ', ') || ': ' || count(*) || ' hotels' FROM pricing.hotel")"
done
# the benchmark asks for shard 0's cities and hotels, directly and routed
cities=$(psql_on shard0 -c "SELECT string_agg(DISTINCT quote_literal(city), ',') FROM pricing.hotel")
ncities=$(psql_on shard0 -c 'SELECT count(DISTINCT city) FROM pricing.hotel')
hotels=$(psql_on shard0 -c "SELECT string_agg(hotel_id::text, ',' ORDER BY hotel_id) FROM pricing.hotel")
nhotels=$(psql_on shard0 -c 'SELECT count(*) FROM pricing.hotel')
for fn in pricing pricing_proxy; do
	cat >"$DIR/cheapest_$fn.pgbench" <<SCRIPT
\\set c random(1, $ncities)
\\set d random(0, 60)
\\set n random(1, 7)
\\set g random(1, 4)
SELECT * FROM $fn.cheapest((ARRAY[$cities])[:c::int], current_date + :d::int, current_date + :d::int + :n::int, :g::int);
SCRIPT
	cat >"$DIR/quote_$fn.pgbench" <<SCRIPT
\\set h random(1, $nhotels)
\\set d random(0, 60)
\\set n random(1, 7)
\\set g random(1, 4)
SELECT * FROM $fn.quote((ARRAY[$hotels])[:h::int]::bigint, current_date + :d::int, current_date + :d::int + :n::int, :g::int);
SCRIPT
done
chown "$RUN_AS": "$DIR"/*.pgbench
# every query of the scripts answers the same through the router
for q in cheapest quote; do
	if [ $q = cheapest ]; then arg="(ARRAY[$cities])[1]"; else arg="(ARRAY[$hotels])[1]::bigint"; fi
	check="SELECT count(*) || ' ' || md5(string_agg(c::text, ';')) FROM generate_series(0, 60, 7) d,
	         LATERAL FN.$q($arg, current_date + d, current_date + d + 3, 2) c"
	a=$(psql_on shard0 -c "${check//FN/pricing}")
	b=$(psql_on router -c "${check//FN/pricing_proxy}")
	[ "$a" = "$b" ] && [ "${a%% *}" -gt 0 ] || { echo "the router's $q differs from the shard's: $a / $b" >&2; exit 1; }
done

bench() {	# bench <node> <script> -> "tps latency_ms"
	local out
	out=$(as_pg "$PG_BINDIR/pgbench" -h "$DIR" -p "${PORT[$1]}" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" \
		-T "$SECONDS_PER_RUN" -f "$DIR/$2.pgbench" postgres 2>&1) || { echo "$out" >&2; return 1; }
	echo "$out" | awk '/^latency average/ { lat = $4 } /^tps/ { tps = $3 } END { printf "%.0f %.3f\n", tps, lat }'
}
declare -A TPS LAT
for q in cheapest quote; do
	# warm up the connections and caches of both paths
	SECONDS_PER_RUN=2 bench shard0 "${q}_pricing" >/dev/null
	SECONDS_PER_RUN=2 bench router "${q}_pricing_proxy" >/dev/null
	read -r "TPS[${q}_direct]" "LAT[${q}_direct]" < <(bench shard0 "${q}_pricing")
	read -r "TPS[${q}_routed]" "LAT[${q}_routed]" < <(bench router "${q}_pricing_proxy")
	echo "$q: direct on shard 0 ${TPS[${q}_direct]} tps, ${LAT[${q}_direct]} ms;" \
		"through the router ${TPS[${q}_routed]} tps, ${LAT[${q}_routed]} ms"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# --- the report ------------------------------------------------------------------
mkdir -p "$SRC/doc"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "# Scaling out: measured figures"
	echo
	echo "Produced by \`sudo make scaleout\` (test/bench/scaleout.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), at commit $(git -c safe.directory='*' -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo
	echo "- machine: $(uname -srm), ${cpu:-unknown CPU}, $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
	echo "- PostgreSQL: $("$PG_BINDIR/postgres" --version | sed 's/^postgres (PostgreSQL) //'), PL/Proxy $(dpkg-query -W -f='${Version}' postgresql-15-plproxy 2>/dev/null || echo '?')"
	echo "- load average when the run began: $LOAD_BEFORE (other work on the machine shows here)"
	echo "- every server on this machine, on Unix sockets; data: test/data/sample.sql"
	echo "  (5 cities, 60 hotels, 150 rooms, 120 nights)"
	echo
	echo "## A hot standby follows the primary"
	echo
	echo "Primary and streaming standby, \`pricing.refresh_interval = 0\` on both, no"
	echo "\`pricing.refresh()\` on the standby. $CHANGES committed changes, one every 0-0.5 s;"
	echo "the delay runs from the commit timestamp on the primary to the \`loaded_at\` of"
	echo "the standby's first generation that includes the change."
	echo
	echo "| changes | median | min | max | standby refresh of the sample |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	echo "| $CHANGES | $d_median ms | $d_min ms | $d_max ms | $s_refresh ms |"
	echo
	echo "Every delay, in ms: $(tr '\n' ' ' <"$DIR/delays" | sed 's/ $//')."
	echo
	echo "## The router's overhead"
	echo
	echo "pgbench -M prepared, $CLIENTS clients, $SECONDS_PER_RUN s per run, random stays (check-in"
	echo "0-60 days ahead, 1-7 nights, 1-4 guests) of shard 0's cities and hotels: the"
	echo "function on shard 0 directly, and the router's function in front of two shards."
	echo "The router, the shards and pgbench share the machine's $(nproc) CPUs."
	echo
	echo "| query | direct tps | direct latency | routed tps | routed latency | tps ratio | latency added |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for q in cheapest quote; do
		echo "| $q | ${TPS[${q}_direct]} | ${LAT[${q}_direct]} ms | ${TPS[${q}_routed]} | ${LAT[${q}_routed]} ms |" \
			"$(ratio "${TPS[${q}_direct]}" "${TPS[${q}_routed]}")x | $(added "${LAT[${q}_routed]}" "${LAT[${q}_direct]}") ms |"
	done
	echo
	echo "cheapest runs on the one shard that owns the city (PL/Proxy's RUN ON"
	echo "city_hash(city), which picks the partition shard_of(city)); quote runs on every"
	echo "shard (RUN ON ALL), since a hotel id does not say which shard holds it."
} >"$OUT"
echo
cat "$OUT"
echo
echo "written to ${OUT#"$SRC"/}"
