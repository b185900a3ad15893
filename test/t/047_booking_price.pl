# Booking (pricing 1.2): the price holds or is refused.
#
# Session A searches (pricing.search or pricing.offers, from the index) and
# takes a total; session B then changes what that total depends on: the
# price of one of the stay's nights, a discount, the rate plan's
# adjustment, the hotel's VAT, an occupancy row, or it books the last room
# or deletes a night.  A then books with the total it searched: it gets
# PR002 with the current total in the detail, or PR001 with explain's
# reason, never a booking at a price the tables no longer give, and a
# refused booking changes nothing.  The new totals are computed by hand
# here, and the index (polled, never refreshed by a call) comes to the
# same one.
#   - B committed before A books (the rate, discount, plan, VAT and
#     occupancy changes with the refresh worker stopped by SIGSTOP, so
#     that the index still serves the old total: book never reads it);
#   - B's transaction still open when A books: A waits for B's row locks
#     on the stay's nights (B changed a night's price, deleted a night, or
#     booked the last room), then sees B's commit (PR002, PR001) or its
#     rollback (A books at the total it searched);
#   - B's open transaction changes only a discount (no rate row): A does
#     not wait and books at the price in force; once B commits, the old
#     total is refused;
#   - in REPEATABLE READ, a night changed after A's snapshot fails A's
#     booking with 40001;
#   - a retry with the same reference while the first call is still
#     uncommitted waits for it and returns the same booking.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('booking_price');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');

# Hotel 10: VAT 10 %, city tax 2.00 per adult and night.  Room 1 at 100.00
# (5 left every night), room 2 at 80.00 (the last one every night).  Plan 0
# refundable until two days before check-in, plan 1 non-refundable, 10 %
# cheaper.  For 3 nights and 2 adults:
#   room 1, plan 0: 300.00 + VAT 30.00 + city tax 12.00 = 342.00
#   room 1, plan 1: 270.00 + VAT 27.00 + city tax 12.00 = 309.00
#   room 2, plan 1: 216.00 + VAT 21.60 + city tax 12.00 = 249.60 (search's best)
$node->safe_psql(
	'postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
VALUES (10, 'Pricetown', 'Firm', 3, 'EUR', 10, 2.00);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
VALUES (10, 1, 'Double', 3, 2, 0), (10, 2, 'Small double', 2, 2, 0);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT 10, r, current_date + d, CASE r WHEN 1 THEN 100 ELSE 80 END, CASE r WHEN 1 THEN 5 ELSE 1 END
  FROM generate_series(1, 2) r, generate_series(1, 59) d;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, refundable, cancel_days, adjust_percent)
VALUES (10, 0, 'Flexible', true, 2, 0), (10, 1, 'Saver', false, NULL, -10);
COMMIT;
CREATE ROLE guest_a LOGIN IN ROLE pricing_booker, pricing_reader;
CREATE ROLE admin_b LOGIN IN ROLE pricing_admin, pricing_booker;
});
ok($node->poll_query_until('postgres',
		q{SELECT string_agg(room_id || '/' || plan_id || '/' || total, ' ' ORDER BY room_id, plan_id)
		    FROM pricing.offers(10, current_date + 3, current_date + 6)},
		'1/0/342.00 1/1/309.00 2/0/276.00 2/1/249.60'),
	'the index serves the hotel at the totals computed by hand');

# A: a member of pricing_booker and pricing_reader; B: of pricing_admin
# (and pricing_booker).  Errors are shown with their SQLSTATE.
my ($sa, $sb);
{
	local $ENV{PGUSER} = 'guest_a';
	$sa = $node->background_psql('postgres', on_error_stop => 0);
}
{
	local $ENV{PGUSER} = 'admin_b';
	$sb = $node->background_psql('postgres', on_error_stop => 0);
}
$_->query_safe('\set VERBOSITY verbose') for ($sa, $sb);
my $apid = $sa->query_safe('SELECT pg_backend_pid()');
my $bpid = $sb->query_safe('SELECT pg_backend_pid()');

# Run $sql in session $s; returns (stdout, stderr).
sub run
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my $out = $s->query($sql);
	my $err = $s->{stderr};
	$s->{stderr} = '';
	return ($out, $err);
}

# Run $sql in $s without error.
sub ok_run
{
	my ($s, $sql, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($out, $err) = run($s, $sql);
	is($err, '', $what) or diag("$sql:\n$err");
	return $out;
}

# Start $sql in $s and return before it finishes; finish() gets its result.
sub start
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	$s->query_until(qr/started\n/, "\\echo started\n$sql;\n");
	return;
}

sub finish
{
	my ($s) = @_;
	return run($s, '');
}

# Stays of three nights, one per case, so that the cases do not meet.
sub stay
{
	my ($k) = @_;
	return ("current_date + " . (3 * $k), "current_date + " . (3 * $k + 3));
}

# What A searched: the total of room/plan from pricing.offers, or of the
# hotel's best offer from pricing.search.
sub offers_total
{
	my ($k, $room, $plan) = @_;
	my ($ci, $co) = stay($k);
	return ok_run($sa,
		"SELECT total FROM pricing.offers(10, $ci, $co) WHERE room_id = $room AND plan_id = $plan",
		"A searches stay $k with offers");
}

sub book_sql
{
	my ($k, $room, $plan, $total) = @_;
	my ($ci, $co) = stay($k);
	return "SELECT pricing.book(10, $room, $plan, $ci, $co, 2, '{}', $total)";
}

# The index's total for stay $k, room, plan (empty when it has no offer).
sub index_total
{
	my ($k, $room, $plan) = @_;
	my ($ci, $co) = stay($k);
	return $node->safe_psql('postgres',
		"SELECT total FROM pricing.offers(10, $ci, $co) WHERE room_id = $room AND plan_id = $plan");
}

sub wait_index_total
{
	my ($k, $room, $plan, $total, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($ci, $co) = stay($k);
	ok($node->poll_query_until('postgres',
			"SELECT coalesce((SELECT total FROM pricing.offers(10, $ci, $co)
			                   WHERE room_id = $room AND plan_id = $plan)::text, 'none')",
			$total),
		$what);
}

# The bookings and availability of the hotel, to see that a refusal changed nothing.
my $state_sql = q{
SELECT (SELECT count(*) FROM pricing.booking) || ' '
       || (SELECT sum(available) FROM pricing.rate WHERE hotel_id = 10)};
sub hotel_state { return $node->safe_psql('postgres', $state_sql); }

sub pr002
{
	my ($total, $expected) = @_;
	return qr/^(?:psql:<stdin>:\d+: )?ERROR:  PR002: price changed\nDETAIL:  The offer costs \Q$total\E EUR now; \Q$expected\E was expected\.\nHINT:  Search again, and book at the new price\./m;
}

sub pr001
{
	my ($reason) = @_;
	return qr/^(?:psql:<stdin>:\d+: )?ERROR:  PR001: offer not available\nDETAIL:  The reason is \Q$reason\E\./m;
}

# The refresh worker, stopped so that the index cannot follow a change.
my $worker = worker_pid($node);
my $stopped = 0;
END { kill 'CONT', $worker if $stopped; }
sub stop_worker
{
	ok($node->poll_query_until('postgres', q{SELECT worker_state = 'idle' FROM pricing.status}),
		'the worker is idle');
	ok(kill('STOP', $worker), 'SIGSTOP the refresh worker');
	$stopped = 1;
	return status_of($node, 'postgres', 'generation');
}
sub cont_worker
{
	ok(kill('CONT', $worker), 'SIGCONT the refresh worker');
	$stopped = 0;
}

# --- B committed before A books ------------------------------------------------------

# 1. the price of the stay's middle night, the worker running: 353.00
{
	my $t = offers_total(1, 1, 0);
	is($t, '342.00', 'case 1: A searched 342.00');
	my $before = hotel_state();
	ok_run($sb, q{UPDATE pricing.rate SET price = 110 WHERE hotel_id = 10 AND room_id = 1
	                AND stay_date = current_date + 4}, 'case 1: B raises the middle night to 110.00');
	my ($out, $err) = run($sa, book_sql(1, 1, 0, $t));
	like($err, pr002('353.00', '342.00'), 'case 1: A\'s booking at 342.00 gets PR002, the offer costs 353.00 now');
	is($out, '', 'case 1: and no booking id');
	is(hotel_state(), $before, 'case 1: nothing was booked, no availability changed');
	wait_index_total(1, 1, 0, '353.00', 'case 1: the index comes to 353.00 too');
	$out = ok_run($sa, book_sql(1, 1, 0, '353.00'), 'case 1: A books at 353.00');
	is($node->safe_psql('postgres',
			"SELECT total || ' ' || free_cancel_until - current_date FROM pricing.booking WHERE booking_id = '$out'"),
		'353.00 1', 'case 1: the booking is at 353.00, free cancellation until two days before check-in');
}

# The cases with the worker stopped: B's change commits, the index still
# serves the old total, A books with it and gets PR002 with the new one.
sub stale_case
{
	my (%c) = @_;
	my $n = $c{name};
	my $t = offers_total($c{k}, $c{room}, $c{plan});
	is($t, $c{old}, "$n: A searched $c{old}");
	my $gen = stop_worker();
	my $before = hotel_state();
	ok_run($sb, $c{change}, "$n: B commits the change");
	is(index_total($c{k}, $c{room}, $c{plan}), $c{old}, "$n: the index still serves $c{old}");
	my ($out, $err) = run($sa, book_sql($c{k}, $c{room}, $c{plan}, $t));
	like($err, pr002($c{new}, $c{old}), "$n: A's booking gets PR002, the offer costs $c{new} now");
	is($out, '', "$n: and no booking id");
	is(hotel_state(), $before, "$n: nothing was booked, no availability changed");
	is(status_of($node, 'postgres', 'generation'), $gen,
		"$n: the index did not change meanwhile: book did not read it");
	cont_worker();
	wait_index_total($c{k}, $c{room}, $c{plan}, $c{new}, "$n: then the index comes to $c{new} too");
	ok_run($sb, $c{undo}, "$n: B undoes the change");
	wait_index_total($c{k}, $c{room}, $c{plan}, $c{old}, "$n: and the index is back to $c{old}");
	return;
}

# 2. a discount: 10 % off stays of 3 nights: 270.00 + 27.00 + 12.00
stale_case(
	name => 'case 2 (a discount)', k => 2, room => 1, plan => 0, old => '342.00', new => '309.00',
	change => q{INSERT INTO pricing.discount (hotel_id, percent, min_nights) VALUES (10, 10, 3)},
	undo => q{DELETE FROM pricing.discount WHERE hotel_id = 10});
# 3. the rate plan's adjustment, -10 % to -5 %: 285.00 + 28.50 + 12.00
stale_case(
	name => 'case 3 (a rate plan\'s adjustment)', k => 3, room => 1, plan => 1, old => '309.00',
	new => '325.50',
	change => q{UPDATE pricing.rate_plan SET adjust_percent = -5 WHERE hotel_id = 10 AND plan_id = 1},
	undo => q{UPDATE pricing.rate_plan SET adjust_percent = -10 WHERE hotel_id = 10 AND plan_id = 1});
# 4. the hotel's VAT, 10 % to 20 %: 300.00 + 60.00 + 12.00
stale_case(
	name => 'case 4 (the VAT)', k => 4, room => 1, plan => 0, old => '342.00', new => '372.00',
	change => q{UPDATE pricing.hotel SET vat_percent = 20 WHERE hotel_id = 10},
	undo => q{UPDATE pricing.hotel SET vat_percent = 10 WHERE hotel_id = 10});
# 5. an occupancy row, +20 % for two: 360.00 + 36.00 + 12.00
stale_case(
	name => 'case 5 (an occupancy row)', k => 5, room => 1, plan => 0, old => '342.00', new => '408.00',
	change => q{INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES (10, 1, 2, 20)},
	undo => q{DELETE FROM pricing.occupancy WHERE hotel_id = 10});
# 6. the price of a night, as in case 1, but the index cannot follow: 353.00
stale_case(
	name => 'case 6 (a night\'s price, index stale)', k => 6, room => 1, plan => 0, old => '342.00',
	new => '353.00',
	change => q{UPDATE pricing.rate SET price = 110 WHERE hotel_id = 10 AND room_id = 1
	              AND stay_date = current_date + 19},
	undo => q{UPDATE pricing.rate SET price = 100 WHERE hotel_id = 10 AND room_id = 1
	            AND stay_date = current_date + 19});

# 7. B books the last room (one night of A's stay) before A: PR001, sold out
{
	my ($ci, $co) = stay(7);
	my $found = ok_run($sa,
		"SELECT room_id || ' ' || plan_id || ' ' || total FROM pricing.search('Pricetown', $ci, $co)",
		'case 7: A searches the city');
	is($found, '2 1 249.60', 'case 7: search\'s best offer: room 2, plan 1, 249.60');
	my $gen = stop_worker();
	ok_run($sb, "SELECT pricing.book(10, 2, 0, current_date + 22, current_date + 23, 2, '{}', 92.00)",
		'case 7: B books the last room 2 for the middle night');
	is(index_total(7, 2, 1), '249.60', 'case 7: the index still offers it');
	my $before = hotel_state();
	my ($out, $err) = run($sa, book_sql(7, 2, 1, '249.60'));
	like($err, pr001('sold_out, on the night of '
			  . $node->safe_psql('postgres', 'SELECT current_date + 22')),
		'case 7: A\'s booking gets PR001, sold out on the middle night');
	is(hotel_state(), $before, 'case 7: nothing was booked, no availability changed');
	cont_worker();
	wait_index_total(7, 2, 1, 'none', 'case 7: then the index no longer offers it');
	is($node->safe_psql('postgres',
			"SELECT reason || ' ' || (night - current_date) FROM pricing.explain(10, $ci, $co)
			  WHERE room_id = 2 AND plan_id = 1"),
		'sold_out 22', 'case 7: explain gives the same reason');
}

# --- B's transaction still open when A books --------------------------------------------

# A's booking of stay $k starts, and waits for B's locks.
sub book_waits
{
	my ($n, $k, $room, $plan, $t) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	start($sa, book_sql($k, $room, $plan, $t));
	ok($node->poll_query_until('postgres', "SELECT $bpid = ANY (pg_blocking_pids($apid))"),
		"$n: A's booking waits for B");
}

# 8. B raises a night's price and commits: A gets PR002 with B's price
# (100 + 120 + 100 = 320.00 + 32.00 + 12.00)
{
	my $t = offers_total(8, 1, 0);
	my $before = hotel_state();
	ok_run($sb, q{BEGIN; UPDATE pricing.rate SET price = 120 WHERE hotel_id = 10 AND room_id = 1
	                AND stay_date = current_date + 25}, 'case 8: B raises the middle night, uncommitted');
	book_waits('case 8', 8, 1, 0, $t);
	ok_run($sb, 'COMMIT', 'case 8: B commits');
	my ($out, $err) = finish($sa);
	like($err, pr002('364.00', '342.00'), 'case 8: A gets PR002, the offer costs 364.00 now');
	is(hotel_state(), $before, 'case 8: nothing was booked, no availability changed');
	wait_index_total(8, 1, 0, '364.00', 'case 8: the index comes to 364.00 too');
}

# 9. the same, B rolls back: A books at the total it searched
{
	my $t = offers_total(9, 1, 0);
	ok_run($sb, q{BEGIN; UPDATE pricing.rate SET price = 120 WHERE hotel_id = 10 AND room_id = 1
	                AND stay_date = current_date + 28}, 'case 9: B raises the middle night, uncommitted');
	book_waits('case 9', 9, 1, 0, $t);
	ok_run($sb, 'ROLLBACK', 'case 9: B rolls back');
	my ($out, $err) = finish($sa);
	is($err, '', 'case 9: A books');
	like($out, qr/^\d+$/, 'case 9: and gets a booking id');
	is($node->safe_psql('postgres',
			"SELECT total || ' ' || (SELECT string_agg(available::text, ',' ORDER BY stay_date)
			                           FROM pricing.rate WHERE hotel_id = 10 AND room_id = 1
			                            AND stay_date BETWEEN current_date + 27 AND current_date + 29)
			   FROM pricing.booking WHERE booking_id = '$out'"),
		'342.00 4,4,4', 'case 9: at 342.00, and each night has one room less');
}

# 10. B books the last room and commits: A gets PR001
{
	my $t = offers_total(10, 2, 1);
	is($t, '249.60', 'case 10: A searched room 2, plan 1: 249.60');
	my $before = hotel_state();
	ok_run($sb, "BEGIN; SELECT pricing.book(10, 2, 1, current_date + 31, current_date + 32, 2, '{}', 83.20)",
		'case 10: B books the last room 2 for the middle night, uncommitted');
	book_waits('case 10', 10, 2, 1, $t);
	ok_run($sb, 'COMMIT', 'case 10: B commits');
	my ($out, $err) = finish($sa);
	like($err, pr001('sold_out, on the night of '
			  . $node->safe_psql('postgres', 'SELECT current_date + 31')),
		'case 10: A gets PR001, sold out on the middle night');
	my ($nb, $avail) = split / /, $before;
	is(hotel_state(), ($nb + 1) . ' ' . ($avail - 1), 'case 10: only B\'s booking was made');
	wait_index_total(10, 2, 1, 'none', 'case 10: the index no longer offers it either');
}

# 11. the same, B rolls back: A books
{
	my $t = offers_total(11, 2, 1);
	ok_run($sb, "BEGIN; SELECT pricing.book(10, 2, 1, current_date + 34, current_date + 35, 2, '{}', 83.20)",
		'case 11: B books the last room 2 for the middle night, uncommitted');
	book_waits('case 11', 11, 2, 1, $t);
	ok_run($sb, 'ROLLBACK', 'case 11: B rolls back');
	my ($out, $err) = finish($sa);
	is($err, '', 'case 11: A books');
	is($node->safe_psql('postgres',
			"SELECT total || ' ' || (free_cancel_until IS NULL) || ' '
			        || (SELECT string_agg(available::text, ',' ORDER BY stay_date)
			              FROM pricing.rate WHERE hotel_id = 10 AND room_id = 2
			               AND stay_date BETWEEN current_date + 33 AND current_date + 35)
			   FROM pricing.booking WHERE booking_id = '$out'"),
		'249.60 true 0,0,0', 'case 11: at 249.60, non-refundable, and the room is sold out');
}

# 12. B deletes a night and commits: A gets PR001, no rate
{
	my $t = offers_total(12, 1, 0);
	my $before = hotel_state();
	ok_run($sb, q{BEGIN; DELETE FROM pricing.rate WHERE hotel_id = 10 AND room_id = 1
	                AND stay_date = current_date + 37}, 'case 12: B deletes the middle night, uncommitted');
	book_waits('case 12', 12, 1, 0, $t);
	ok_run($sb, 'COMMIT', 'case 12: B commits');
	my ($out, $err) = finish($sa);
	like($err, pr001('no_rate, on the night of '
			  . $node->safe_psql('postgres', 'SELECT current_date + 37')),
		'case 12: A gets PR001, no rate for the middle night');
	my ($nb, $avail) = split / /, $before;
	is(hotel_state(), "$nb " . ($avail - 5), 'case 12: nothing was booked');
}

# 13. B's open transaction adds a discount (no rate row): A does not wait
# for it and books at the price in force; once B commits, a booking at the
# old total is refused.
{
	my $t = offers_total(13, 1, 0);
	my $t2 = offers_total(14, 1, 0);
	ok_run($sb, q{BEGIN; INSERT INTO pricing.discount (hotel_id, percent, min_nights) VALUES (10, 10, 3)},
		'case 13: B adds a 10 % discount, uncommitted');
	my ($out, $err) = run($sa, "SET lock_timeout = '5s'; " . book_sql(13, 1, 0, $t));
	is($err, '', 'case 13: A books without waiting for B');
	is($node->safe_psql('postgres', "SELECT total FROM pricing.booking WHERE booking_id = '$out'"),
		'342.00', 'case 13: at 342.00, the price in force (B\'s discount is not committed)');
	run($sa, 'RESET lock_timeout');
	ok_run($sb, 'COMMIT', 'case 13: B commits');
	($out, $err) = run($sa, book_sql(14, 1, 0, $t2));
	like($err, pr002('309.00', '342.00'), 'case 13: then a booking at 342.00 gets PR002, 309.00 now');
	ok_run($sb, 'DELETE FROM pricing.discount WHERE hotel_id = 10', 'case 13: B removes the discount');
}

# 14. REPEATABLE READ: a night changed after A's snapshot: 40001
{
	my $t = offers_total(14, 1, 0);
	wait_index_total(14, 1, 0, '342.00', 'case 14: the index is back to 342.00');
	ok_run($sa, 'BEGIN ISOLATION LEVEL REPEATABLE READ', 'case 14: A begins in REPEATABLE READ');
	ok_run($sa, 'SELECT count(*) FROM pricing.booking', 'case 14: A takes its snapshot');
	my $before = hotel_state();
	ok_run($sb, q{UPDATE pricing.rate SET price = price WHERE hotel_id = 10 AND room_id = 1
	                AND stay_date = current_date + 43}, 'case 14: B updates the middle night');
	my ($out, $err) = run($sa, book_sql(14, 1, 0, '342.00'));
	like($err, qr/^(?:psql:<stdin>:\d+: )?ERROR:  40001: could not serialize access due to concurrent update/m,
		'case 14: A\'s booking fails with 40001');
	ok_run($sa, 'ROLLBACK', 'case 14: A rolls back');
	is(hotel_state(), $before, 'case 14: nothing was booked');
	($out, $err) = run($sa, book_sql(14, 1, 0, '342.00'));
	is($err, '', 'case 14: A books again, in a new transaction');
}

# Every booking made is at a total the tables gave when it was made, and
# none was made by a call that expected another total.
is($node->safe_psql('postgres',
		q{SELECT string_agg(room_id || '/' || plan_id || '/' || (checkin - current_date) || '/' || total, ' '
		                    ORDER BY booking_id) FROM pricing.booking}),
	'1/0/3/353.00 2/0/22/92.00 1/0/27/342.00 2/1/31/83.20 2/1/33/249.60 1/0/39/342.00 1/0/42/342.00',
	'the bookings: those that were not refused, at their totals');

# 15. A retry with the same reference while the first call's transaction
# is still open (a client that timed out and called again on another
# connection): it waits for the first call's locks, and once that commits
# it must return the same booking, as a retry after the commit does.
{
	my $ref_sql = book_sql(15, 2, 0, '276.00') =~ s/\)$/, 'retry-15')/r;
	my $first = ok_run($sb, "BEGIN; $ref_sql", 'case 15: B books the last room 2 with reference retry-15, uncommitted');
	start($sa, $ref_sql);
	ok($node->poll_query_until('postgres', "SELECT $bpid = ANY (pg_blocking_pids($apid))"),
		'case 15: A\'s retry with the same reference waits for B');
	ok_run($sb, 'COMMIT', 'case 15: B commits');
	my ($out, $err) = finish($sa);
	is("$out$err", $first, 'case 15: the retry returns B\'s booking');
	is($node->safe_psql('postgres',
			q{SELECT count(*) || ' ' || (SELECT sum(available) FROM pricing.rate
			                              WHERE hotel_id = 10 AND room_id = 2
			                                AND stay_date BETWEEN current_date + 45 AND current_date + 47)
			    FROM pricing.booking WHERE reference = 'retry-15'}),
		'1 0', 'case 15: whatever the retry got, the room was booked once');
	($out, $err) = run($sa, $ref_sql);
	is("$out$err", $first, 'case 15: a retry after the commit returns B\'s booking');
}

my $log = slurp_file($node->logfile);
unlike($log, qr/deadlock detected/, 'no deadlock');

$sa->quit;
$sb->quit;
$node->stop;
done_testing();
