# Refresh failures of every kind: a statement timeout during the load, a
# lock the worker cannot get, source tables altered and dropped, rows that
# break a dropped constraint (CHECK, NOT NULL, foreign or primary key).  Each time
# the old generation keeps serving, the error is clear in the log, in
# pricing.status and through refresh(true) (with its own SQLSTATE), the
# worker stays up, and it recovers once the cause is gone.  (A renamed
# column is in 003_failed_refresh.pl, the arena running full elsewhere.)
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('refresh_faults');
$node->start;
load_sample_data($node, 'postgres');
# enough rows that a refresh takes well over a millisecond
load_bulk_data($node, 'postgres', 400);
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'hotels'), '404', 'the bulk data is loaded too');

my $worker = worker_pid($node);
$node->safe_psql('postgres', 'CREATE ROLE faults_reader IN ROLE pricing_reader');

# The answer after hotel 2's room 2 is repriced to $price a night.
sub repriced
{
	my ($price) = @_;
	my $total = sprintf('%.2f', 3 * $price * 1.1);
	return $total < 309 ? "2:2:$total,1:1:309.00,3:1:430.00" : $SAMPLE_CHEAPEST;
}

# Call refresh(true) until it fails with $sqlstate (the worker picks up a
# reloaded setting asynchronously); returns its stderr.
sub refresh_until_fails
{
	my ($sqlstate, $what) = @_;
	my $err = '';
	for my $i (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		my ($rc, $out, $e) =
		  sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
		if ($rc != 0)
		{
			$err = $e;
			last;
		}
		select(undef, undef, undef, 0.1);
	}
	like($err, qr/ERROR:  $sqlstate: pricing refresh failed: /,
		"$what: refresh(true) fails with SQLSTATE $sqlstate");
	return $err;
}

# Everything about a failed refresh that must hold whatever the cause.
sub old_generation_serves
{
	my ($gen, $expected, $cause, $what) = @_;
	is(status_of($node, 'postgres', 'generation'),
		$gen, "$what: the old generation is still serving");
	is(cheapest($node, 'postgres'), $expected,
		"$what: the old generation answers as before");
	like(status_of($node, 'postgres', 'last_error'),
		$cause, "$what: pricing.status.last_error tells the cause");
	is(worker_pid($node), $worker, "$what: the worker did not exit");
	is(worker_pid_from_activity($node), $worker, "$what: and it is the only worker");
	return;
}

my $log_offset = -s $node->logfile;

# --- statement_timeout -----------------------------------------------------
# The worker reads its settings like any session, and rereads them on
# SIGHUP: a statement_timeout set with ALTER SYSTEM and a reload applies to
# its refreshes.  This test's own sessions set theirs to 0.
{
	local $ENV{PGOPTIONS} = '-c statement_timeout=0';
	$node->safe_psql('postgres',
		"ALTER SYSTEM SET statement_timeout = '1ms'; SELECT pg_reload_conf();");
	my $err = refresh_until_fails('57014', 'statement_timeout');
	my $gen = status_of($node, 'postgres', 'generation');
	like($err, qr/canceling statement due to statement timeout/,
		'statement_timeout: the error says so');
	# a change committed meanwhile wakes the worker, whose refresh fails too
	my $failed = status_of($node, 'postgres', 'failed_refreshes');
	$node->safe_psql('postgres',
		'UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2');
	ok( $node->poll_query_until(
			'postgres',
			"SELECT failed_refreshes > $failed FROM pricing.status"),
		'statement_timeout: the refresh a change wakes fails too');
	old_generation_serves($gen, $SAMPLE_CHEAPEST,
		qr/canceling statement due to statement timeout/,
		'statement_timeout');

	$node->safe_psql('postgres',
		'ALTER SYSTEM RESET statement_timeout; SELECT pg_reload_conf();');
	ok( $node->poll_query_until(
			'postgres', "SELECT pricing.refresh(true) > $gen"),
		'statement_timeout: once it is reset, refresh(true) succeeds');
	is(cheapest($node, 'postgres'), repriced(90),
		'statement_timeout: the change made meanwhile is served');
	is(status_of($node, 'postgres', 'last_error IS NULL'),
		't', 'statement_timeout: last_error is NULL again');
	is(worker_pid($node), $worker, 'statement_timeout: the same worker throughout');
}

# --- a lock the worker cannot get ------------------------------------------
# A session holds ACCESS EXCLUSIVE on pricing.rate (and changes a price in
# that transaction); the worker has lock_timeout.  Readers never touch the
# tables, so they keep getting the old generation while the table is locked.
{
	local $ENV{PGOPTIONS} = '-c lock_timeout=0';
	$node->safe_psql('postgres',
		"ALTER SYSTEM SET lock_timeout = '100ms'; SELECT pg_reload_conf();");
	my $bg = $node->background_psql('postgres');
	$bg->query_safe('BEGIN');
	$bg->query_safe('LOCK TABLE pricing.rate IN ACCESS EXCLUSIVE MODE');
	$bg->query_safe(
		'UPDATE pricing.rate SET price = 80.00 WHERE hotel_id = 2 AND room_id = 2');
	my $err = refresh_until_fails('55P03', 'lock_timeout');
	my $gen = status_of($node, 'postgres', 'generation');
	like($err, qr/canceling statement due to lock timeout/,
		'lock_timeout: the error says so');
	old_generation_serves($gen, repriced(90),
		qr/canceling statement due to lock timeout/, 'lock_timeout');
	my ($rc, $out, $e) = sql_error($node, 'postgres',
		"SET lock_timeout = '10ms'; SELECT count(*) FROM pricing.rate");
	like($e, qr/55P03/, 'lock_timeout: (the table really is locked to others)');

	# the cause goes: the commit of the locking transaction wakes the worker,
	# whose refresh gets the lock and brings the change, with no refresh call
	$bg->query_safe('COMMIT');
	$bg->quit;
	wait_serving($node, 'postgres', repriced(80),
		'lock_timeout: once the lock is released the worker recovers by itself');
	is(status_of($node, 'postgres', 'last_error IS NULL'),
		't', 'lock_timeout: last_error is NULL again');
	$node->safe_psql('postgres',
		'ALTER SYSTEM RESET lock_timeout; SELECT pg_reload_conf();');
	is(worker_pid($node), $worker, 'lock_timeout: the same worker throughout');
}

# --- a column of pricing.rate changes type ---------------------------------
# The worker reads pricing.rate straight from the heap and checks each
# column's type first.
{
	$node->safe_psql('postgres',
		'ALTER TABLE pricing.rate ALTER COLUMN available TYPE bigint');
	my $err = refresh_until_fails('42804', 'rate.available bigint');
	my $gen = status_of($node, 'postgres', 'generation');
	like($err, qr/column "available" of relation "pricing.rate" has type bigint instead of integer/,
		'rate.available bigint: the error names the column and both types');
	old_generation_serves($gen, repriced(80),
		qr/"available" of relation "pricing.rate" has type bigint/,
		'rate.available bigint');
	$node->safe_psql('postgres',
		'ALTER TABLE pricing.rate ALTER COLUMN available TYPE int');
	cmp_ok($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
		'>', $gen, 'rate.available bigint: refresh succeeds once the type is back');
	is(cheapest($node, 'postgres'), repriced(80), 'rate.available bigint: same answer');
}

# --- a text column of pricing.hotel changes type -----------------------------
# The worker's queries cast every column to the type it decodes, so a column
# of another type reaches it converted as SQL converts it (here: names
# become numbers) instead of as a datum of the wrong type.  Before they did,
# this change crashed the worker with a segmentation fault, and every
# crash restart crashed it again.
{
	$node->safe_psql('postgres',
		'ALTER TABLE pricing.hotel ALTER COLUMN name TYPE int USING length(name)');
	my ($rc, $out, $err) =
	  sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
	is($rc, 0, 'hotel.name int: the refresh succeeds') or diag($err);
	is( $node->safe_psql(
			'postgres',
			q{SELECT string_agg(hotel_id || ':' || name, ',' ORDER BY total, hotel_id)
			    FROM pricing.cheapest('Testville', current_date + 5, current_date + 8)}),
		'2:4,1:5,3:5',
		'hotel.name int: the names are served as the numbers they became');
	is(worker_pid($node), $worker, 'hotel.name int: the worker did not exit');
	$node->safe_psql('postgres',
		'ALTER TABLE pricing.hotel ALTER COLUMN name TYPE text');
	$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
	is(cheapest($node, 'postgres'), repriced(80), 'hotel.name int: same prices');
}

# --- a column of pricing.rate dropped, then added back with a default --------
# Rows written before the column came back have no value for it on disk;
# the loader must see the default (here a minimum stay of 4 nights), as a
# query would.
{
	$node->safe_psql('postgres', 'ALTER TABLE pricing.rate DROP COLUMN min_stay');
	my $err = refresh_until_fails('42703', 'rate.min_stay dropped');
	my $gen = status_of($node, 'postgres', 'generation');
	like($err, qr/column "min_stay" of relation "pricing.rate" does not exist/,
		'rate.min_stay dropped: the error names the column');
	old_generation_serves($gen, repriced(80),
		qr/"min_stay" of relation "pricing.rate" does not exist/,
		'rate.min_stay dropped');

	$node->safe_psql('postgres',
		'ALTER TABLE pricing.rate ADD COLUMN min_stay smallint NOT NULL DEFAULT 4 CHECK (min_stay >= 1)');
	$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
	is(status_of($node, 'postgres', 'last_error IS NULL'),
		't', 'rate.min_stay added back: the refresh succeeds');
	is(cheapest($node, 'postgres'), '',
		'rate.min_stay added back: 3 nights are too short for a minimum stay of 4');
	my $four = cheapest($node, 'postgres', to => 9);
	is($four, reference($node, 'postgres', to => 9),
		'rate.min_stay added back: 4 nights agree with the reference');
	isnt($four, '', 'rate.min_stay added back: and there are some');
	$node->safe_psql('postgres',
		'ALTER TABLE pricing.rate ALTER COLUMN min_stay SET DEFAULT 1; UPDATE pricing.rate SET min_stay = 1');
	wait_serving($node, 'postgres', repriced(80),
		'rate.min_stay back to 1: the change refreshes by itself');
}

# --- a source table gone -----------------------------------------------------
# pricing.fee is renamed away: for the worker the table is gone.  (A real
# DROP TABLE needs DROP EXTENSION, as the extension depends on its tables.)
# The refresh fails with 42P01; the old generation keeps serving; a change
# to another table meanwhile refreshes and fails again; the table coming
# back is the repair, and the next change refreshes by itself.
{
	$node->safe_psql('postgres', 'ALTER TABLE pricing.fee RENAME TO fee_gone');
	my $err = refresh_until_fails('42P01', 'pricing.fee gone');
	like($err, qr/relation "pricing.fee" does not exist/,
		'pricing.fee gone: the error names the table');
	my $gen = status_of($node, 'postgres', 'generation');
	my $failed = status_of($node, 'postgres', 'failed_refreshes');
	$node->safe_psql('postgres',
		'UPDATE pricing.rate SET price = 70.00 WHERE hotel_id = 2 AND room_id = 2');
	ok( $node->poll_query_until(
			'postgres',
			"SELECT failed_refreshes > $failed FROM pricing.status"),
		'pricing.fee gone: the refresh a change wakes fails too');
	old_generation_serves($gen, repriced(80),
		qr/relation "pricing.fee" does not exist/, 'pricing.fee gone');
	# (those sessions are a superuser's, who would pass any privilege check;
	# a reader who is not cannot show SELECT on a table that is not there)
	my ($rc, $out, $e) = sql_error($node, 'postgres',
		"SET ROLE faults_reader;\n" . cheapest_query());
	like($e, qr/ERROR:  42P01: relation "pricing.fee" does not exist/,
		'pricing.fee gone: a pricing_reader gets a clean error');

	$node->safe_psql('postgres', 'ALTER TABLE pricing.fee_gone RENAME TO fee');
	$node->safe_psql('postgres',
		'UPDATE pricing.rate SET price = 60.00 WHERE hotel_id = 2 AND room_id = 2');
	wait_serving($node, 'postgres', repriced(60),
		'pricing.fee back: the next change refreshes by itself');
	is(status_of($node, 'postgres', 'last_error IS NULL'),
		't', 'pricing.fee back: last_error is NULL again');
	is($node->safe_psql('postgres', "SET ROLE faults_reader;\n" . cheapest_query()),
		repriced(60), 'pricing.fee back: a pricing_reader reads again');
	is(cheapest($node, 'postgres'), reference($node, 'postgres'),
		'index agrees with the reference computed from the tables');
}

# --- a constraint dropped, and a row that breaks it --------------------------
# The index relies on the tables' constraints (cheapest's bounds assume no
# amount is negative and no percent over 100; a hotel, a room, a NOT NULL
# value exist once): a refresh refuses a row that breaks a dropped one,
# names it with the constraint's own SQLSTATE, and the old generation
# serves until the row is corrected and the constraint restored.
for my $case (
	[ 'CHECK on hotel.vat_percent', '23514',
		q{ALTER TABLE pricing.hotel DROP CONSTRAINT hotel_vat_percent_check;
		  UPDATE pricing.hotel SET vat_percent = 120 WHERE hotel_id = 3},
		q{UPDATE pricing.hotel SET vat_percent = 0 WHERE hotel_id = 3;
		  ALTER TABLE pricing.hotel ADD CONSTRAINT hotel_vat_percent_check CHECK (vat_percent BETWEEN 0 AND 100)},
		'pricing.hotel.vat_percent holds 120.00, which its CHECK constraint forbids',
		'The row is of hotel 3; the index relies on the constraint.' ],
	[ 'CHECK on fee.amount', '23514',
		q{ALTER TABLE pricing.fee DROP CONSTRAINT fee_amount_check;
		  INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (1, 'refund', -5, 'stay')},
		q{DELETE FROM pricing.fee WHERE name = 'refund';
		  ALTER TABLE pricing.fee ADD CONSTRAINT fee_amount_check CHECK (amount >= 0)},
		'pricing.fee.amount holds -5.00, which its CHECK constraint forbids',
		'The row is of hotel 1; the index relies on the constraint.' ],
	[ 'CHECK on fee.per', '23514',
		q{ALTER TABLE pricing.fee DROP CONSTRAINT fee_per_check;
		  INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (2, 'weekly', 5, 'week')},
		q{DELETE FROM pricing.fee WHERE name = 'weekly';
		  ALTER TABLE pricing.fee ADD CONSTRAINT fee_per_check CHECK (per IN ('stay', 'night', 'guest_night'))},
		'pricing.fee.per holds week, which its CHECK constraint forbids',
		'The row is of hotel 2; the index relies on the constraint.' ],
	[ 'CHECK on discount.percent', '23514',
		q{ALTER TABLE pricing.discount DROP CONSTRAINT discount_percent_check;
		  INSERT INTO pricing.discount (hotel_id, percent) VALUES (2, 150)},
		q{DELETE FROM pricing.discount WHERE percent = 150;
		  ALTER TABLE pricing.discount ADD CONSTRAINT discount_percent_check CHECK (percent > 0 AND percent <= 100)},
		'pricing.discount.percent holds 150.00, which its CHECK constraint forbids',
		'The row is of hotel 2; the index relies on the constraint.' ],
	[ 'CHECK on rate.price', '23514',
		q{ALTER TABLE pricing.rate DROP CONSTRAINT rate_price_check;
		  UPDATE pricing.rate SET price = -1 WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 6},
		q{UPDATE pricing.rate SET price = 100 WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 6;
		  ALTER TABLE pricing.rate ADD CONSTRAINT rate_price_check CHECK (price >= 0)},
		'pricing.rate.price holds a negative value, which its CHECK constraint forbids',
		'The rate is of room 1 of hotel 1 for ' ],
	[ 'NOT NULL on hotel.vat_percent', '23502',
		q{ALTER TABLE pricing.hotel ALTER COLUMN vat_percent DROP NOT NULL;
		  UPDATE pricing.hotel SET vat_percent = NULL WHERE hotel_id = 3},
		q{UPDATE pricing.hotel SET vat_percent = 0 WHERE hotel_id = 3;
		  ALTER TABLE pricing.hotel ALTER COLUMN vat_percent SET NOT NULL},
		'pricing.hotel.vat_percent holds NULL, which its NOT NULL constraint forbids',
		'The index relies on the constraint.' ],
	[ 'NOT NULL on rate.available', '23502',
		q{ALTER TABLE pricing.rate ALTER COLUMN available DROP NOT NULL;
		  UPDATE pricing.rate SET available = NULL WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 6},
		q{UPDATE pricing.rate SET available = 5 WHERE hotel_id = 1 AND room_id = 1 AND stay_date = current_date + 6;
		  ALTER TABLE pricing.rate ALTER COLUMN available SET NOT NULL},
		'pricing.rate.available holds NULL, which its NOT NULL constraint forbids',
		'The index relies on the constraint.' ],
	[ 'foreign key of fee', '23503',
		q{ALTER TABLE pricing.fee DROP CONSTRAINT fee_hotel_id_fkey;
		  INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (999, 'orphan', 5, 'stay')},
		q{DELETE FROM pricing.fee WHERE hotel_id = 999;
		  ALTER TABLE pricing.fee ADD CONSTRAINT fee_hotel_id_fkey FOREIGN KEY (hotel_id) REFERENCES pricing.hotel ON DELETE CASCADE},
		'pricing.fee holds a row of hotel 999, which pricing.hotel does not have',
		'The index relies on the foreign key of pricing.fee.' ],
	[ 'foreign key of rate', '23503',
		q{ALTER TABLE pricing.rate DROP CONSTRAINT rate_hotel_id_room_id_fkey;
		  INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (1, 9, current_date + 6, 10)},
		q{DELETE FROM pricing.rate WHERE room_id = 9;
		  ALTER TABLE pricing.rate ADD CONSTRAINT rate_hotel_id_room_id_fkey FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room ON DELETE CASCADE},
		'pricing.rate holds a rate of room 9 of hotel 1, which pricing.room does not have',
		'The index relies on the foreign key of pricing.rate.' ],
	[ 'primary key of room', '23505',
		q{ALTER TABLE pricing.room DROP CONSTRAINT room_pkey CASCADE;
		  INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests) VALUES (1, 1, 'Twin', 2, 2)},
		q{DELETE FROM pricing.room WHERE name = 'Twin';
		  ALTER TABLE pricing.room ADD PRIMARY KEY (hotel_id, room_id);
		  ALTER TABLE pricing.rate ADD CONSTRAINT rate_hotel_id_room_id_fkey FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room ON DELETE CASCADE},
		'pricing.room holds room 1 of hotel 1 twice',
		'The index relies on the primary key of pricing.room.' ])
{
	my ($what, $sqlstate, $break, $mend, $message, $detail) = @$case;
	$what .= ' dropped';
	my $before = cheapest($node, 'postgres');
	$node->safe_psql('postgres', $break);
	my $err = refresh_until_fails($sqlstate, $what);
	my $gen = status_of($node, 'postgres', 'generation');
	like($err, qr/\Q$message\E/, "$what: the error names the row's fault");
	like($err, qr/\Q$message (${detail}\E/, "$what: and the worker's detail");
	old_generation_serves($gen, $before, qr/\Q$message\E/, $what);

	$node->safe_psql('postgres', $mend);
	cmp_ok($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
		'>', $gen, "$what: once the row is corrected, refresh(true) succeeds");
	is(cheapest($node, 'postgres'), $before, "$what: and the answer is as before");
	is(cheapest($node, 'postgres'), reference($node, 'postgres'),
		"$what: which the reference computed from the tables agrees with");
}

# --- the log -----------------------------------------------------------------
my $log = slurp_file($node->logfile, $log_offset);
for my $cause (
	'canceling statement due to statement timeout',
	'canceling statement due to lock timeout',
	'column "available" of relation "pricing.rate" has type bigint instead of integer',
	'column "min_stay" of relation "pricing.rate" does not exist',
	'relation "pricing.fee" does not exist',
	'pricing.discount.percent holds 150.00, which its CHECK constraint forbids',
	'pricing.room holds room 1 of hotel 1 twice')
{
	like($log, qr/LOG:  pricing refresh failed: \Q$cause\E\n(?:.*DETAIL:  .*\n)?.*HINT:  Generation \d+ keeps serving\./,
		"the log tells: $cause, and which generation keeps serving");
}
unlike($log, qr/terminated by signal|was terminated|PANIC|TRAP:/,
	'no process crashed');
unlike($log, qr/FATAL/, 'no process exited with FATAL');
is(worker_pid($node), $worker, 'one worker process served the whole test');

$node->stop;
done_testing();
