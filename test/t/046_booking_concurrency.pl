# Booking under concurrency (pricing 1.2): nothing is sold twice.
#
# A small hotel (2 rooms, 14 nights, 1 to 3 rooms left per night, 56
# room-nights; two plans, a discount, VAT and city tax) and 16 pgbench
# clients, connected as a member of pricing_booker and pricing_reader, each
# booking random stays of 1 to 4 nights of a random room, plan and party
# until the hotel is nearly full (640 calls).  The expected total comes from
# pricing.offers (the index) for that room and plan, or, when the index no
# longer offers the stay, from the price every stay had when the hotel was
# empty (prices never change here, only availability); one call in eight
# expects a cent more.  A PL/pgSQL wrapper catches PR001 (not available)
# and PR002 (price changed) and records them; any other error aborts the
# client, and pgbench reports it.  Then:
#   - pgbench: no failed transaction, no aborted client;
#   - for every room and night, the rooms booked (non-cancelled bookings
#     covering it) are exactly what its availability went down by, never
#     more than there were; no availability below zero; the booked nights
#     are the inventory minus what is left;
#   - every booking is the stay its call asked for, at the stay's true
#     total; the calls that expected a cent more were all refused; each
#     PR002 gives the current total, each PR001 its reason and a sold-out
#     night of the stay;
#   - the server log has no deadlock and no error at all (PR001 and PR002
#     are caught inside the wrapper);
#   - the index (polled: no refresh call) agrees with the tables, and once
#     the rest of the hotel is booked night by night, offers nothing;
# then 4 clients cancel every booking at once, picking among the same few,
# so that some cancel a booking another has just cancelled (PR003): every
# booking is cancelled exactly once, with the right refund, every night is
# back to its original availability, and the index offers every stay at its
# original total again.  Four rounds: the bookings run in READ COMMITTED
# twice, then in REPEATABLE READ and SERIALIZABLE transactions, where a
# booking of nights booked after its snapshot fails with 40001 and pgbench
# retries it (--max-tries).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use PricingTest;

my $node = new_pricing_node('booking_concurrency',
	log_line_prefix => q{'%m [%p] %e %q%a '},
	deadlock_timeout => q{'100ms'});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.2', 'pricing 1.2 is installed');

# The hotel: nights current_date + 2 .. + 15, availability 1 to 3.
$node->safe_psql(
	'postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
VALUES (1, 'Booktown', 'Small', 3, 'EUR', 7, 1.50);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
VALUES (1, 1, 'Double', 2, 2, 0), (1, 2, 'Twin', 2, 1, 12.50);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT 1, r, current_date + d, 80 + r * 15 + ((d * 7) % 13) * 4.35, 1 + (r * 5 + d) % 3
  FROM generate_series(1, 2) r, generate_series(2, 15) d;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, refundable, cancel_days, adjust_percent)
VALUES (1, 0, 'Flexible', true, NULL, 0), (1, 1, 'Non-refundable', false, NULL, -12.5);
INSERT INTO pricing.discount (hotel_id, percent, min_nights) VALUES (1, 10, 3);
COMMIT;
CREATE TABLE public.orig AS SELECT room_id, stay_date, available FROM pricing.rate;
CREATE ROLE booker LOGIN IN ROLE pricing_booker, pricing_reader;
});
is($node->safe_psql('postgres',
		q{SELECT min(available) || '-' || max(available) || ' ' || sum(available) || ' ' || count(*) FROM public.orig}),
	'1-3 56 28', 'the hotel has 56 room-nights: 28 nights of 1 to 3 rooms');
is($node->safe_psql('postgres',
		q{SELECT pg_get_constraintdef(oid) FROM pg_constraint
		   WHERE conrelid = 'pricing.rate'::regclass AND contype = 'c'
		     AND pg_get_constraintdef(oid) LIKE '%available%'}),
	'CHECK ((available >= 0))', 'rate.available has its CHECK constraint');

# Wait for the index to serve the hotel, then record every stay's price
# while the hotel is empty: room, plan, check-in day, nights, adults.
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 2 FROM pricing.quote(1, current_date + 2, current_date + 3)}),
	'the index serves the hotel');
my $stays = q{generate_series(1, 2) r, generate_series(0, 1) p, generate_series(2, 15) ci,
              generate_series(1, 4) n, generate_series(1, 2) a};
$node->safe_psql(
	'postgres', qq{
CREATE TABLE public.price AS
SELECT r AS room_id, p AS plan_id, ci, n, a AS adults, o.total
  FROM $stays,
       LATERAL pricing.offers(1, current_date + ci, current_date + ci + n, a) o
 WHERE o.room_id = r AND o.plan_id = p;
GRANT SELECT ON public.price TO booker;
});
# stays ending after the last night (ci + n > 16) have no offer
is($node->safe_psql('postgres', 'SELECT count(*) FROM public.price'),
	2 * 2 * 2 * (14 + 13 + 12 + 11), 'every stay inside the rated nights has a price');
is($node->safe_psql('postgres',
		q{SELECT count(DISTINCT total) > 200 FROM public.price}),
	't', 'and the prices differ by room, plan, dates and party');

# The clients' wrapper: book, record the outcome; PR001 and PR002 are
# caught, anything else goes through to pgbench.
$node->safe_psql(
	'postgres', q{
CREATE TABLE public.attempt (
  id bigserial, room_id int, plan_id int, ci int, n int, adults int, wrong boolean,
  expected numeric, from_index boolean, outcome text, detail text, booking_id bigint);
GRANT INSERT ON public.attempt TO booker;
GRANT USAGE ON SEQUENCE public.attempt_id_seq TO booker;
CREATE FUNCTION public.try_book(p_room int, p_plan int, p_ci int, p_n int, p_adults int,
                                p_wrong boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_ci date := current_date + p_ci;
  v_co date := current_date + p_ci + p_n;
  v_expected numeric;
  v_from_index boolean := true;
  v_id bigint;
  v_state text;
  v_detail text;
BEGIN
  SELECT o.total INTO v_expected
    FROM pricing.offers(1, v_ci, v_co, p_adults) o
   WHERE o.room_id = p_room AND o.plan_id = p_plan;
  IF v_expected IS NULL THEN
    v_from_index := false;
    SELECT pr.total INTO v_expected FROM public.price pr
     WHERE pr.room_id = p_room AND pr.plan_id = p_plan AND pr.ci = p_ci AND pr.n = p_n
       AND pr.adults = p_adults;
  END IF;
  -- a stay past the last rated night: any total
  v_expected := coalesce(v_expected, 100.00);
  IF p_wrong THEN
    v_expected := v_expected + 0.01;
  END IF;
  BEGIN
    v_id := pricing.book(1, p_room, p_plan, v_ci, v_co, p_adults, '{}', v_expected);
    INSERT INTO public.attempt (room_id, plan_id, ci, n, adults, wrong, expected, from_index,
                                outcome, booking_id)
    VALUES (p_room, p_plan, p_ci, p_n, p_adults, p_wrong, v_expected, v_from_index, 'booked', v_id);
    RETURN 'booked';
  EXCEPTION WHEN SQLSTATE 'PR001' OR SQLSTATE 'PR002' THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_detail = PG_EXCEPTION_DETAIL;
    INSERT INTO public.attempt (room_id, plan_id, ci, n, adults, wrong, expected, from_index,
                                outcome, detail)
    VALUES (p_room, p_plan, p_ci, p_n, p_adults, p_wrong, v_expected, v_from_index, v_state,
            v_detail);
    RETURN v_state;
  END;
END
$$;
});

# Run pgbench as the booker; returns (exit status, stdout, stderr, seconds).
sub run_pgbench
{
	my ($clients, $transactions, $script_text, @extra) = @_;
	my $script = $node->basedir . "/script_$clients.sql";
	open my $fh, '>', $script or die "cannot write $script: $!";
	print $fh $script_text;
	close $fh;
	my ($out, $err) = ('', '');
	my $t0 = time;
	IPC::Run::run(
		[
			$node->installed_command('pgbench'), '-n', '-c', $clients, '-j', '2',
			'-t', $transactions, '-f', $script, '-h', $node->host, '-p', $node->port,
			'-U', 'booker', @extra, 'postgres'
		],
		'>', \$out, '2>', \$err);
	my $rc = $?;
	my $secs = time - $t0;
	note("pgbench -c $clients -t $transactions ($rc, " . sprintf('%.1f s', $secs) . "):\n$out\n$err");
	return ($rc, $out, $err, $secs);
}

# The errors and deadlocks in the server log since $offset, but for those
# of SQLSTATE $allowed (a regular expression).
sub log_errors
{
	my ($offset, $allowed) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @errors = grep { /\s(ERROR|FATAL|PANIC):/ } split /\n/, $log;
	@errors = grep { !/\] $allowed ([^ ]+ )?ERROR:/ } @errors if defined $allowed;
	my $deadlocks = () = $log =~ /deadlock detected/g;
	return (\@errors, $deadlocks);
}

# Per room and night: original availability, what is left, the rooms the
# non-cancelled bookings hold.
my $nights_sql = q{
SELECT o.room_id, o.stay_date, o.available AS orig, r.available AS remaining,
       (SELECT count(*) FROM pricing.booking b
         WHERE b.hotel_id = 1 AND b.room_id = o.room_id AND b.cancelled_at IS NULL
           AND o.stay_date >= b.checkin AND o.stay_date < b.checkout) AS held
  FROM public.orig o JOIN pricing.rate r
    ON r.hotel_id = 1 AND r.room_id = o.room_id AND r.stay_date = o.stay_date};

# The cancelling clients' wrapper: cancel one of the four lowest bookings
# not cancelled (so that clients often pick the same one); PR003 is caught
# and recorded.
$node->safe_psql(
	'postgres', q{
CREATE TABLE public.cancel_attempt (booking_id bigint, outcome text, refund numeric);
GRANT INSERT ON public.cancel_attempt TO booker;
CREATE FUNCTION public.try_cancel() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_refund numeric;
BEGIN
  SELECT x.booking_id INTO v_id
    FROM (SELECT b.booking_id FROM pricing.booking b WHERE b.cancelled_at IS NULL
           ORDER BY b.booking_id LIMIT 4) x
   ORDER BY random() LIMIT 1;
  IF v_id IS NULL THEN
    RETURN 'none left';
  END IF;
  BEGIN
    v_refund := pricing.cancel(v_id);
    INSERT INTO public.cancel_attempt VALUES (v_id, 'cancelled', v_refund);
    RETURN 'cancelled';
  EXCEPTION WHEN SQLSTATE 'PR003' THEN
    INSERT INTO public.cancel_attempt VALUES (v_id, 'PR003', NULL);
    RETURN 'PR003';
  END;
END
$$;
});

# The index offers a one-night stay exactly when its night has a room left.
my $agree = q{
SELECT count(*) FROM public.orig o JOIN pricing.rate r
    ON r.hotel_id = 1 AND r.room_id = o.room_id AND r.stay_date = o.stay_date
 WHERE (r.available > 0) <> EXISTS (SELECT FROM pricing.offers(1, o.stay_date, o.stay_date + 1, 1) x
                                     WHERE x.room_id = o.room_id AND x.plan_id = 0)};
# The index offers every stay at the total it had when the hotel was empty.
my $as_empty = qq{
SELECT count(*) FROM (
  (SELECT r, p, ci, n, a, o.total FROM $stays,
          LATERAL pricing.offers(1, current_date + ci, current_date + ci + n, a) o
    WHERE o.room_id = r AND o.plan_id = p
   EXCEPT ALL
   SELECT room_id, plan_id, ci, n, adults, total FROM public.price)
  UNION ALL
  (SELECT room_id, plan_id, ci, n, adults, total FROM public.price
   EXCEPT ALL
   SELECT r, p, ci, n, a, o.total FROM $stays,
          LATERAL pricing.offers(1, current_date + ci, current_date + ci + n, a) o
    WHERE o.room_id = r AND o.plan_id = p)) d};

# Four rounds of: 16 clients book, the rest is filled, 4 clients cancel it
# all.  The bookings run in READ COMMITTED in the first two rounds, then in
# REPEATABLE READ and in SERIALIZABLE transactions, where a booking of
# nights that another transaction booked after its snapshot fails with
# 40001, which pgbench retries.
my ($all_pr002, $all_pr003, $all_raced, $all_retried) = (0, 0, 0, 0);
my @isolation = ('READ COMMITTED', 'READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE');
for my $round (1 .. 4)
{
	my $iso = $isolation[ $round - 1 ];
	my $r = "round $round ($iso)";
	$node->safe_psql('postgres', 'TRUNCATE public.attempt, public.cancel_attempt');

	# --- 16 clients book ------------------------------------------------------------
	my $offset = -s $node->logfile;
	my ($rc, $out, $err, $secs) = run_pgbench(16, 40, qq{
\\set room random(1, 2)
\\set plan random(0, 1)
\\set ci random(2, 15)
\\set n random(1, 4)
\\set adults random(1, 2)
\\set wrong random(1, 8)
BEGIN ISOLATION LEVEL $iso;
SELECT public.try_book(:room, :plan, :ci, :n, :adults, :wrong = 1);
END;
}, '--max-tries=1000');
	is($rc, 0, "$r: pgbench (16 clients booking) exits 0: no client aborted");
	like($out, qr/^number of transactions actually processed: 640\/640$/m,
		"$r: every client ran its 40 transactions");
	like($out, qr/^number of failed transactions: 0 /m, "$r: no failed transaction");
	unlike($err, qr/abort|error/i, "$r: pgbench reports no error");
	my ($retried) = $out =~ /^number of transactions retried: (\d+)/m;
	$retried //= 0;
	if ($iso eq 'READ COMMITTED')
	{
		is($retried, 0, "$r: no transaction was retried");
	}
	else
	{
		note("$r: $retried transactions retried after a serialization failure");
		$all_retried += $retried;
	}

	my ($booked, $pr001, $pr002, $other) = split /\|/, $node->safe_psql('postgres',
		q{SELECT count(*) FILTER (WHERE outcome = 'booked'), count(*) FILTER (WHERE outcome = 'PR001'),
		         count(*) FILTER (WHERE outcome = 'PR002'),
		         count(*) FILTER (WHERE outcome NOT IN ('booked', 'PR001', 'PR002'))
		    FROM public.attempt});
	note("$r, 16 clients: $booked booked, $pr001 PR001, $pr002 PR002 in " . sprintf('%.1f s', $secs));
	$all_pr002 += $pr002;
	is($booked + $pr001 + $pr002 + $other, 640, "$r: every call is recorded");
	is($other, 0, "$r: every call booked or was refused with PR001 or PR002");
	cmp_ok($booked, '>=', 10, "$r: calls booked ($booked)");
	cmp_ok($pr001, '>=', 50, "$r: calls found the stay sold out ($pr001)");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM pricing.booking WHERE cancelled_at IS NULL'),
		$booked, "$r: pricing.booking holds exactly the bookings the calls got");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt a JOIN pricing.booking b USING (booking_id)
			   WHERE a.outcome = 'booked' AND b.room_id = a.room_id AND b.plan_id = a.plan_id
			     AND b.checkin = current_date + a.ci AND b.checkout = current_date + a.ci + a.n
			     AND b.adults = a.adults AND b.children = '{}' AND b.total = a.expected
			     AND b.currency = 'EUR' AND b.cancelled_at IS NULL
			     AND b.free_cancel_until IS NOT DISTINCT FROM
			         CASE a.plan_id WHEN 0 THEN current_date + a.ci END}),
		$booked, "$r: each booking is the stay its call asked for, at the total it expected");

	# the numbers
	my $nights = $node->safe_psql('postgres',
		qq{SELECT count(*) FILTER (WHERE remaining < 0) || ' ' || count(*) FILTER (WHERE held > orig)
		          || ' ' || count(*) FILTER (WHERE orig - remaining <> held)
		          || ' ' || sum(orig) || ' ' || sum(remaining) || ' ' || sum(held)
		     FROM ($nights_sql) x});
	my ($negative, $oversold, $mismatch, $total_orig, $total_left, $total_held) = split / /, $nights;
	is($negative, 0, "$r: no night's availability went below zero");
	is($oversold, 0, "$r: no night is held by more bookings than it had rooms: nothing sold twice");
	is($mismatch, 0, "$r: every night's availability went down by exactly the bookings that hold it");
	is($node->safe_psql('postgres',
			q{SELECT sum(checkout - checkin) FROM pricing.booking WHERE cancelled_at IS NULL}),
		$total_orig - $total_left,
		"$r: the booked nights ($total_held) are the inventory ($total_orig) minus what is left ($total_left)");

	# the prices
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM pricing.booking b
			   WHERE NOT EXISTS (SELECT FROM public.price p
			                      WHERE p.room_id = b.room_id AND p.plan_id = b.plan_id
			                        AND current_date + p.ci = b.checkin
			                        AND current_date + p.ci + p.n = b.checkout
			                        AND p.adults = b.adults AND p.total = b.total)}),
		'0', "$r: every booking is at its stay's true total");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt WHERE wrong AND outcome = 'booked'}),
		'0', "$r: no call that expected a cent more booked");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt WHERE outcome = 'PR002' AND NOT wrong}),
		'0', "$r: PR002 only for the calls that expected a wrong total (prices never changed)");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt a JOIN public.price p USING (room_id, plan_id, ci, n, adults)
			   WHERE a.outcome = 'PR002'
			     AND a.detail = format('The offer costs %s EUR now; %s was expected.', p.total, p.total + 0.01)}),
		$pr002, "$r: each PR002 gives the current total and the expected one in its detail");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt a
			   WHERE a.outcome = 'PR001'
			     AND (a.ci + a.n <= 16 AND a.detail ~ '^The reason is sold_out, on the night of \d{4}-\d\d-\d\d\.$'
			          OR a.ci + a.n > 16 AND a.detail = format('The reason is no_rate, on the night of %s.', current_date + 16))}),
		$pr001, "$r: each PR001 gives its reason: sold_out (or no_rate past the last night) and the night");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.attempt a
			   WHERE a.outcome = 'PR001' AND a.ci + a.n <= 16
			     AND ((SELECT r.available FROM pricing.rate r
			            WHERE r.hotel_id = 1 AND r.room_id = a.room_id
			              AND r.stay_date = substring(a.detail from '\d{4}-\d\d-\d\d')::date) <> 0
			          OR substring(a.detail from '\d{4}-\d\d-\d\d')::date NOT BETWEEN current_date + a.ci
			                                                               AND current_date + a.ci + a.n - 1)}),
		'0', "$r: and the night a PR001 names is a night of the stay, sold out");
	my $raced = $node->safe_psql('postgres',
		q{SELECT count(*) FROM public.attempt WHERE outcome = 'PR001' AND from_index});
	note("$r: $raced calls were refused a stay the index still offered");
	$all_raced += $raced;

	# (in REPEATABLE READ and SERIALIZABLE, the serialization failures
	# pgbench retried)
	my ($errors, $deadlocks) = log_errors($offset, $iso eq 'READ COMMITTED' ? undef : '40001');
	is($deadlocks, 0, "$r: no deadlock detected");
	is(join("\n", @$errors), '', "$r: no other error in the server log while the clients booked");

	# The index follows (polled, no refresh call).
	ok($node->poll_query_until('postgres', $agree, '0'),
		"$r: the index offers a night exactly when the tables have a room left for it");

	# Fill what is left, one night at a time: then everything is sold out.
	$node->safe_psql(
		'postgres', q{
SELECT pricing.book(1, r.room_id, 0, r.stay_date, r.stay_date + 1, 2, '{}', p.total)
  FROM pricing.rate r
  JOIN public.price p ON p.room_id = r.room_id AND p.plan_id = 0 AND current_date + p.ci = r.stay_date
                     AND p.n = 1 AND p.adults = 2
  CROSS JOIN LATERAL generate_series(1, r.available)
 WHERE r.hotel_id = 1});
	is($node->safe_psql('postgres', q{SELECT sum(available) FROM pricing.rate WHERE hotel_id = 1}),
		'0', "$r: the hotel is full");
	is($node->safe_psql('postgres',
			q{SELECT sum(checkout - checkin) FROM pricing.booking WHERE cancelled_at IS NULL}),
		$total_orig, "$r: its bookings hold every room-night it had");
	my ($brc, $bout, $berr) = sql_error($node, 'postgres',
		q{SELECT pricing.book(1, 1, 0, current_date + 2, current_date + 3, 2, '{}', 1)});
	like($berr, qr/ERROR:  PR001: offer not available\nDETAIL:  The reason is sold_out, on the night of /,
		"$r: one more booking: PR001, sold out");
	ok($node->poll_query_until('postgres',
			q{SELECT count(*) FROM generate_series(2, 15) d,
			         LATERAL pricing.offers(1, current_date + d, current_date + d + 1, 1)}, '0'),
		"$r: the index offers nothing");

	# --- 4 clients cancel everything ------------------------------------------------
	my $nbookings = $node->safe_psql('postgres',
		'SELECT count(*) FROM pricing.booking WHERE cancelled_at IS NULL');
	$offset = -s $node->logfile;
	($rc, $out, $err, $secs) = run_pgbench(4, int($nbookings / 2) + 40, q{
SELECT public.try_cancel();
});
	is($rc, 0, "$r: pgbench (4 clients cancelling) exits 0: no client aborted");
	like($out, qr/^number of failed transactions: 0 /m, "$r: no failed transaction");
	unlike($err, qr/abort|error/i, "$r: pgbench reports no error");
	my ($cancelled, $pr003) = split /\|/, $node->safe_psql('postgres',
		q{SELECT count(*) FILTER (WHERE outcome = 'cancelled'), count(*) FILTER (WHERE outcome = 'PR003')
		    FROM public.cancel_attempt});
	note("$r, 4 clients: $cancelled cancelled, $pr003 PR003 in " . sprintf('%.1f s', $secs));
	$all_pr003 += $pr003;
	is($node->safe_psql('postgres', 'SELECT count(*) FROM pricing.booking WHERE cancelled_at IS NULL'),
		'0', "$r: every booking is cancelled ($nbookings)");
	is($cancelled, $nbookings, "$r: each by one call");
	is($node->safe_psql('postgres',
			q{SELECT count(DISTINCT booking_id) FROM public.cancel_attempt WHERE outcome = 'cancelled'}),
		$nbookings, "$r: none twice");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM public.cancel_attempt c JOIN pricing.booking b USING (booking_id)
			   WHERE c.outcome = 'cancelled'
			     AND c.refund = CASE b.plan_id WHEN 0 THEN b.total ELSE 0 END
			     AND scale(c.refund) = 2}),
		$nbookings, "$r: each cancel refunds the total of a refundable booking, 0.00 of a non-refundable one");
	is($node->safe_psql('postgres',
			qq{SELECT count(*) FROM ($nights_sql) x WHERE x.remaining <> x.orig OR x.held <> 0}),
		'0', "$r: every night is back to its original availability");
	($errors, $deadlocks) = log_errors($offset);
	is($deadlocks, 0, "$r: no deadlock detected");
	is(join("\n", @$errors), '', "$r: no error in the server log while the clients cancelled");

	# The index offers every stay at its original total again (polled).
	ok($node->poll_query_until('postgres', $as_empty, '0'),
		"$r: the index offers every stay at its original total again");
}
cmp_ok($all_pr002, '>', 0,
	"calls expecting a cent more for a stay still available were refused with PR002 ($all_pr002)");
cmp_ok($all_retried, '>', 0,
	"bookings of nights booked after the snapshot failed with 40001 and were retried ($all_retried)");
cmp_ok($all_pr003, '>', 0,
	"cancelling a booking just cancelled by another client gives PR003 ($all_pr003 times)");
note("$all_raced calls in all were refused a stay the index still offered (booking reads the tables)");
is(status_of($node, 'postgres', q{coalesce(last_error, '') || failed_refreshes}), '0',
	'no refresh failed');

$node->stop;
done_testing();
