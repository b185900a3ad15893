# test/bench/booking_part.sh: make bench's booking part (7), sourced by
# test/bench/run.sh (BENCH_ONLY=booking runs it alone), with run.sh's
# cluster, data, settings and helpers.
#
#   - bookings per second with BOOK_CLIENTS (8) clients booking random
#     stays of 1-3 nights of random hotels (distinct hotels, hardly ever the
#     same nights), and with the same clients all on one hot hotel (the
#     same rooms and nights: they queue on the rate rows' locks).  Each
#     transaction prices the stay with pricing.offers and books it with
#     pricing.book at that total (bench.book_one); the hot hotel's rooms
#     have availability enough never to sell out, so that every call books;
#   - pricing.search's p99 while bookings run (one client at
#     BOOK_RATE a second, as a site books a small share of what it
#     searches) over its p99 without them (target 1.25), with as many
#     search clients as cores less one.
#
# Sets BOOK_ROWS (the result table's rows), BOOK_DETAILS and BOOK_HOW.

BOOK_CLIENTS=${BENCH_BOOK_CLIENTS:-8}
BOOK_RATE=${BENCH_BOOK_RATE:-50}
BOOK_SECONDS=${BENCH_BOOK_SECONDS:-$DURATION}
BOOK_READERS=$(( CLIENTS > 1 ? CLIENTS - 1 : 1 ))

say "booking (scale $SCALE): $BOOK_CLIENTS clients on distinct hotels and on one hot hotel, ${BOOK_SECONDS}s each; search p99 with bookings at $BOOK_RATE/s"

psql <<'SQL' >/dev/null
CREATE SCHEMA IF NOT EXISTS bench;
-- book a stay of hotel h, room r, checking in d days from today for n
-- nights, at the total pricing.offers gives for it: 'booked', or why not
CREATE OR REPLACE FUNCTION bench.book_one(h bigint, r int, d int, n int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	t numeric;
BEGIN
	SELECT o.total INTO t
	  FROM pricing.offers(h, current_date + d, current_date + d + n, 2) AS o
	 WHERE o.room_id = r AND o.plan_id = 0;
	IF t IS NULL THEN
		RETURN 'not offered';
	END IF;
	PERFORM pricing.book(h, r, 0, current_date + d, current_date + d + n, 2, '{}', t);
	RETURN 'booked';
EXCEPTION
	WHEN SQLSTATE 'PR001' THEN RETURN 'PR001';
	WHEN SQLSTATE 'PR002' THEN RETURN 'PR002';
END
$$;
SQL

# search's script, as the main part makes it (when it did not run)
[ -f "$DIR/search.pgbench" ] ||
	cat "$BENCH/params.pgbench" "$BENCH/search_params.pgbench" "$BENCH/search.pgbench" >"$DIR/search.pgbench"
chown "$RUN_AS": "$DIR/search.pgbench"

cat >"$DIR/book_distinct.pgbench" <<'EOF'
\set h random(1, :nhotels)
\set r random(1, 2)
\set d random(1, 300)
\set n random(1, 3)
SELECT bench.book_one(:h, :r, :d, :n);
EOF
cat >"$DIR/book_hot.pgbench" <<'EOF'
\set r random(1, 2)
\set d random(1, 20)
\set n random(1, 3)
SELECT bench.book_one(:hot, :r, :d, :n);
EOF
chown "$RUN_AS": "$DIR/book_distinct.pgbench" "$DIR/book_hot.pgbench"

# the hot hotel: the first one, with availability that never runs out
HOT=1
psql -c "UPDATE pricing.rate SET available = 1000000 WHERE hotel_id = $HOT AND stay_date <= current_date + 30" >/dev/null
sleep 2	# the worker applies the change

outcomes() { psql_value "SELECT count(*) FROM pricing.booking"; }

B0=$(outcomes)
read -r BOOK_TPS_DISTINCT BOOK_N_DISTINCT _ <<<"$(run_pgbench book-distinct book_distinct.pgbench \
	-c "$BOOK_CLIENTS" -j "$CLIENTS" -T "$BOOK_SECONDS" -D nhotels="$HOTELS")"
B1=$(outcomes)
read -r BOOK_TPS_HOT BOOK_N_HOT _ <<<"$(run_pgbench book-hot book_hot.pgbench \
	-c "$BOOK_CLIENTS" -j "$CLIENTS" -T "$BOOK_SECONDS" -D hot="$HOT")"
B2=$(outcomes)
BOOKED_DISTINCT=$(( B1 - B0 ))
BOOKED_HOT=$(( B2 - B1 ))
BOOK_RATE_DISTINCT=$(awk -v n="$BOOKED_DISTINCT" -v s="$BOOK_SECONDS" 'BEGIN { printf "%.0f", n / s }')
BOOK_RATE_HOT=$(awk -v n="$BOOKED_HOT" -v s="$BOOK_SECONDS" 'BEGIN { printf "%.0f", n / s }')
echo "distinct hotels: $BOOK_TPS_DISTINCT calls/s, $BOOKED_DISTINCT booked ($BOOK_RATE_DISTINCT/s)"
echo "one hot hotel: $BOOK_TPS_HOT calls/s, $BOOKED_HOT booked ($BOOK_RATE_HOT/s)"
DEADLOCKS=$(grep -c 'deadlock detected' "$DIR/server.log" || true)

# search's p99 without bookings, then with bookings at BOOK_RATE a second
run_pgbench book-search-idle search.pgbench -c "$BOOK_READERS" -j "$BOOK_READERS" -T "$BOOK_SECONDS" \
	-l --log-prefix="$DIR/log/book-search-idle" >/dev/null
fresh_pgbench book-stream book_distinct.pgbench -c 1 -j 1 -R "$BOOK_RATE" -T "$BOOK_SECONDS" -D nhotels="$HOTELS"
BOOK_STREAM_PID=$!
run_pgbench book-search-busy search.pgbench -c "$BOOK_READERS" -j "$BOOK_READERS" -T "$BOOK_SECONDS" \
	-l --log-prefix="$DIR/log/book-search-busy" >/dev/null
fresh_wait book-stream "$BOOK_STREAM_PID"
read -r BS_IDLE_P50 BS_IDLE_P99 BS_IDLE_N <<<"$(percentiles book-search-idle.)"
read -r BS_BUSY_P50 BS_BUSY_P99 BS_BUSY_N <<<"$(percentiles book-search-busy.)"
R_BOOK_P99=$(ratio "$BS_BUSY_P99" "$BS_IDLE_P99")
echo "search, $BOOK_READERS client(s): without bookings p50 $BS_IDLE_P50 ms p99 $BS_IDLE_P99 ms; with bookings at $BOOK_RATE/s p50 $BS_BUSY_P50 ms p99 $BS_BUSY_P99 ms: ratio $R_BOOK_P99"

BOOK_ROWS=$(cat <<EOF
| bookings per second, $BOOK_CLIENTS clients on distinct hotels (offers, then book at its total; committed bookings) | $BOOK_RATE_DISTINCT | reported | |
| bookings per second, $BOOK_CLIENTS clients on one hot hotel (the same rooms and nights) | $BOOK_RATE_HOT | reported | |
| search p99 while bookings run ($BOOK_RATE/s) / without ($BOOK_READERS client(s)) | $R_BOOK_P99 | ≤ 1.25 | $(verdict_n "$R_BOOK_P99" "<=" 1.25) |
EOF
)
BOOK_DETAILS=$(cat <<EOF
| booking, scale $SCALE | |
| --- | ---: |
| distinct hotels, $BOOK_CLIENTS clients, ${BOOK_SECONDS} s: calls/s / committed bookings (per second) | $(fmt "$BOOK_TPS_DISTINCT") / $BOOKED_DISTINCT ($BOOK_RATE_DISTINCT) |
| one hot hotel, $BOOK_CLIENTS clients, ${BOOK_SECONDS} s: calls/s / committed bookings (per second) | $(fmt "$BOOK_TPS_HOT") / $BOOKED_HOT ($BOOK_RATE_HOT) |
| deadlocks detected in the server log | $DEADLOCKS |
| search without bookings: p50 / p99 (calls) | $BS_IDLE_P50 ms / $BS_IDLE_P99 ms ($BS_IDLE_N) |
| search with bookings at $BOOK_RATE/s: p50 / p99 (calls) | $BS_BUSY_P50 ms / $BS_BUSY_P99 ms ($BS_BUSY_N) |
EOF
)
BOOK_HOW=$(cat <<EOF
- Booking (\`BENCH_ONLY=booking\` runs it alone): each transaction calls
  \`bench.book_one\`, which prices a stay of room 1 or 2 under plan 0 with
  \`pricing.offers\` and books it with \`pricing.book\` at that total (PR001
  and PR002 are counted, not raised); $BOOK_CLIENTS clients for
  ${BOOK_SECONDS} s on random hotels and nights (1–3 nights within 300 days),
  then on hotel $HOT alone (nights within 20 days, availability raised so
  that it never sells out: every call books, and the clients queue on the
  same rate rows); a booking per second is a committed row of
  \`pricing.booking\`. Then \`search\` ($BOOK_READERS client(s), ${BOOK_SECONDS} s)
  alone and beside one client booking at $BOOK_RATE a second.
EOF
)
