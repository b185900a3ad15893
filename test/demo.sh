#!/usr/bin/env bash
# test/demo.sh: see the pricing extension answer, on a fresh Debian 12.
#
#   sudo bash test/demo.sh [city]
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway cluster (as the postgres user, in a temporary directory) with the
# library preloaded, loads test/data/sample.sql, prints the cheapest hotels
# of a city for a three-night stay two weeks from now with the breakdown of
# each price, and stops the cluster again.
#
# The checkout may be anywhere, even where the postgres user cannot enter (a
# home directory of mode 0700): everything that runs as postgres runs from /,
# and the checkout's files reach it only through root's redirections.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$(pwd)
CITY=${1:-Berlin}
PG_BINDIR=/usr/lib/postgresql/15/bin
RUN_AS=postgres

if [ "$(id -u)" -ne 0 ]; then
	echo "test/demo.sh needs root to install packages and the extension: run it as 'sudo bash test/demo.sh'" >&2
	exit 2
fi

. test/setup.sh
pricing_install

DIR=$(mktemp -d /tmp/pricing-demo.XXXXXX)
chown "$RUN_AS": "$DIR"
cd /
as_pg() { runuser -u "$RUN_AS" -- "$@"; }
stop() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ -s "$DIR/server.log" ]; then
		echo "test/demo.sh failed; the end of the server log:" >&2
		tail -n 20 "$DIR/server.log" >&2
	fi
	as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$DIR"
}
trap stop EXIT

as_pg "$PG_BINDIR/initdb" -D "$DIR/data" -A trust >/dev/null
cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$DIR'
shared_preload_libraries = 'pricing'
pricing.database = 'postgres'
CONF
as_pg "$PG_BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w start >/dev/null
psql() { as_pg "$PG_BINDIR/psql" -h "$DIR" -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c 'CREATE EXTENSION pricing' >/dev/null
psql <"$SRC/test/data/sample.sql" >/dev/null
psql -c 'SELECT pricing.refresh(true)' >/dev/null

echo
echo "The index:"
psql -c 'SELECT generation, hotels, rooms, rates, arena_bytes_used, first_date, last_date, refresh_ms FROM pricing.status'
echo "The cheapest hotels in $CITY, checking in two weeks from today for three nights, two guests:"
psql -v city="$CITY" <<'SQL'
SELECT * FROM pricing.cheapest(:'city', current_date + 14, current_date + 17, guests => 2, max_results => 5);
SQL
echo "The breakdown of each price (pricing.quote of the room cheapest() chose):"
psql -v city="$CITY" <<'SQL'
SELECT c.hotel_id, c.name, q.room_id, q.nights, q.base, q.extra, q.discount, q.fees, q.vat, q.city_tax, q.total
FROM pricing.cheapest(:'city', current_date + 14, current_date + 17, guests => 2, max_results => 5) AS c
CROSS JOIN LATERAL pricing.quote(c.hotel_id, current_date + 14, current_date + 17, 2) AS q
WHERE q.room_id = c.room_id
ORDER BY q.total, c.hotel_id;
SQL
