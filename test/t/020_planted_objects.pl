# Nothing planted on a search_path runs with the extension's rights.
#
# Every statement the extension runs with rights other than its caller's:
#   - the extension script (CREATE EXTENSION, as a superuser);
#   - pricing.book, pricing.cancel and pricing.has_hotel (1.2), SECURITY
#     DEFINER functions run as the extension's owner for a member of
#     pricing_booker: booking, a repeated reference, the refusals (PR001
#     with explain's reason, PR002), cancelling and PR003;
#   - the change trigger's update of pricing.change_counter (as the table's
#     owner, for any writer of a source table);
#   - the refresh worker's queries (as the extension's owner), on a primary
#     and on a hot standby (where it also reads the change counter).
# A role that may write the source tables and create objects in a schema of
# its own plants, in that schema, operators for every pair of the types the
# extension's statements use, functions and aggregates named like the
# system's, and an implicit cast; and puts its schema first, before
# pg_catalog, on its own search_path, the database's and the server's.  Each
# planted object raises a WARNING naming the user it runs as.  Then the
# whole life of the index runs: install, writes of every kind on every
# source table, refreshes by change and by request, a worker restart, the
# standby.  The planted code may run as the intruder itself (its own
# statements use its own operators), never as anyone else.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

# The test's own sessions keep the system's path; the intruder's get the
# planted one (PGOPTIONS is emptied for them).
$ENV{PGOPTIONS} = '-c search_path=pg_catalog,public';
my $primary = new_pricing_node('planted', init => { allows_streaming => 1 });
$primary->start;

my $types = [ 'smallint', 'integer', 'bigint', 'numeric', 'text', 'date', 'boolean', 'name' ];
my $ops = [ '+', '-', '*', '/', '=', '<>', '<', '>', '<=', '>=' ];

$primary->safe_psql('postgres', q{
CREATE ROLE intruder LOGIN;
CREATE SCHEMA planted AUTHORIZATION intruder;
});
# the battery, created by the intruder
my $battery = q{
SET ROLE intruder;
CREATE FUNCTION planted.trace(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE WARNING 'planted % ran as %', what, current_user;
END
$$;
};
for my $l (@$types)
{
	for my $r (@$types)
	{
		for my $op (@$ops)
		{
			my $cmp = $op =~ /^[=<>]/ ? 1 : 0;
			my $ret = $cmp ? 'boolean' : $l;
			my $fn = 'op_' . unpack('H*', $op) . "_\Q$l\E_\Q$r\E";
			$fn =~ s/[^a-z0-9_]/_/g;
			$battery .= qq{
CREATE FUNCTION planted.$fn($l, $r) RETURNS $ret LANGUAGE plpgsql AS \$\$
BEGIN PERFORM planted.trace('operator $l $op $r'); RETURN NULL; END \$\$;
CREATE OPERATOR planted.$op (LEFTARG = $l, RIGHTARG = $r, FUNCTION = planted.$fn);
};
		}
	}
}
for my $t ('smallint', 'integer', 'bigint', 'numeric', 'text', 'date')
{
	(my $n = $t) =~ s/ /_/g;
	$battery .= qq{
CREATE FUNCTION planted.agg_$n($t, $t) RETURNS $t LANGUAGE plpgsql AS \$\$
BEGIN PERFORM planted.trace('aggregate over $t'); RETURN \$1; END \$\$;
CREATE AGGREGATE planted.sum($t) (SFUNC = planted.agg_$n, STYPE = $t);
CREATE AGGREGATE planted.max($t) (SFUNC = planted.agg_$n, STYPE = $t);
CREATE AGGREGATE planted.min($t) (SFUNC = planted.agg_$n, STYPE = $t);
CREATE FUNCTION planted.coalesce($t, $t) RETURNS $t LANGUAGE plpgsql AS \$\$
BEGIN PERFORM planted.trace('function coalesce($t)'); RETURN \$1; END \$\$;
CREATE FUNCTION planted.text($t) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN PERFORM planted.trace('function text($t)'); RETURN NULL; END \$\$;
};
}
$battery .= q{
CREATE FUNCTION planted.count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function count()'); RETURN 0; END $$;
CREATE FUNCTION planted.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function round'); RETURN $1; END $$;
CREATE FUNCTION planted.int8(numeric) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function int8'); RETURN 0; END $$;
CREATE FUNCTION planted.int4(numeric) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function int4'); RETURN 0; END $$;
CREATE FUNCTION planted.current_database() RETURNS name LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function current_database'); RETURN 'x'; END $$;
CREATE TYPE planted.evil AS (x integer);
CREATE FUNCTION planted.to_evil(integer) RETURNS planted.evil LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('cast integer to evil'); RETURN ROW($1); END $$;
CREATE CAST (integer AS planted.evil) WITH FUNCTION planted.to_evil(integer) AS IMPLICIT;
CREATE FUNCTION planted.evil_plus(bigint, planted.evil) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('operator bigint + evil'); RETURN $1; END $$;
CREATE OPERATOR planted.+ (LEFTARG = bigint, RIGHTARG = planted.evil, FUNCTION = planted.evil_plus);
CREATE FUNCTION planted.op_eq_int_array(integer[], integer[]) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('operator integer[] = integer[]'); RETURN NULL; END $$;
CREATE OPERATOR planted.= (LEFTARG = integer[], RIGHTARG = integer[], FUNCTION = planted.op_eq_int_array);
CREATE FUNCTION planted.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function now()'); RETURN NULL; END $$;
CREATE FUNCTION planted.has_hotel(bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM planted.trace('function has_hotel'); RETURN NULL; END $$;
RESET ROLE;
};
$primary->safe_psql('postgres', $battery);

my $path = 'planted, pg_catalog, public';
# (the battery is real: a session with the path runs it)
my ($rc, $out, $err) = sql_error($primary, 'postgres', "SET search_path = $path; SELECT 1 + 2::bigint");
like($err, qr/planted operator integer \+ bigint ran as/, 'a session with the planted path runs the planted operator');

# everyone's path
$primary->safe_psql('postgres', qq{
ALTER ROLE intruder SET search_path = $path;
ALTER DATABASE postgres SET search_path = $path;
ALTER SYSTEM SET search_path = '$path';
SELECT pg_reload_conf();
});
my $offset = -s $primary->logfile;

# --- the extension script, run by a superuser with the planted path ----------------
$primary->safe_psql('postgres', "SET search_path = $path; CREATE EXTENSION pricing");
$primary->safe_psql('postgres', q{
GRANT pricing_admin, pricing_booker TO intruder;
GRANT USAGE, CREATE ON SCHEMA public TO intruder;
});

# --- the intruder writes every source table, every way ----------------------------
# (its statements run its own operators, which return NULL: that is its
# business; what matters is what runs with other rights meanwhile)
load_sample_data($primary, 'postgres');
wait_serving($primary, 'postgres', $SAMPLE_CHEAPEST, 'the sample serves');
{
	local $ENV{PGUSER} = 'intruder';
	local $ENV{PGOPTIONS} = '';
	is($primary->safe_psql('postgres', 'SHOW search_path'), $path,
		'the intruder\'s sessions have the planted path');
	for my $sql (
		q{UPDATE pricing.hotel SET stars = stars},
		q{UPDATE pricing.room SET name = name},
		q{UPDATE pricing.rate SET price = price},
		q{UPDATE pricing.discount SET percent = percent},
		q{UPDATE pricing.fee SET amount = amount},
		q{INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (99, 'Gone', 'Gone')},
		q{DELETE FROM pricing.hotel WHERE hotel_id = 99},
		q{INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (4, 2, 'Extra', 2)},
		q{DELETE FROM pricing.room WHERE room_id = 2},
		q{BEGIN; SAVEPOINT s; UPDATE pricing.rate SET available = available; RELEASE s; COMMIT},
		q{BEGIN; CREATE TEMP TABLE keep AS SELECT * FROM pricing.fee; TRUNCATE pricing.fee;
		  INSERT INTO pricing.fee SELECT * FROM keep; COMMIT},
		q{BEGIN; CREATE TEMP TABLE keepd AS SELECT * FROM pricing.discount; DELETE FROM pricing.discount;
		  INSERT INTO pricing.discount SELECT * FROM keepd; COMMIT},
		q{INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, adjust_percent)
		  VALUES (4, 1, 'Half board', 'half_board', 20, -5)},
		q{UPDATE pricing.rate_plan SET name = name},
		q{INSERT INTO pricing.occupancy SELECT hotel_id, room_id, 1, -10 FROM pricing.room},
		q{UPDATE pricing.occupancy SET adjust_percent = adjust_percent},
		q{DELETE FROM pricing.occupancy},
		q{INSERT INTO pricing.exchange_rate VALUES ('EUR', 1), ('USD', 0.9)},
		q{UPDATE pricing.exchange_rate SET per_unit = per_unit},
		q{UPDATE pricing.hotel SET infant_age = infant_age, child_age = child_age},
		q{UPDATE pricing.room SET max_infants = max_infants, extra_child_fee = extra_child_fee},
		q{UPDATE pricing.rate SET max_stay = max_stay, closed_to_departure = closed_to_departure},
		q{UPDATE pricing.discount SET plan_id = plan_id},
		q{BEGIN; CREATE TEMP TABLE keepp AS SELECT * FROM pricing.rate_plan; TRUNCATE pricing.rate_plan;
		  INSERT INTO pricing.rate_plan SELECT * FROM keepp; COMMIT},
		q{SELECT FROM pricing.search('Berlin', current_date OPERATOR(pg_catalog.+) 3,
		  current_date OPERATOR(pg_catalog.+) 5,
		  children => '{4}', currency => 'EUR', min_board => 'half_board')},
		# booking (1.2): hotel 1's 3 nights cost 309.00; the refusals are
		# caught by the intruder's own block (which uses no operator)
		q{SELECT pricing.book(1, 1, 0, current_date OPERATOR(pg_catalog.+) 5,
		  current_date OPERATOR(pg_catalog.+) 8, 2, '{}', 309.00, 'planted-ref')},
		q{SELECT pricing.book(1, 1, 0, current_date OPERATOR(pg_catalog.+) 5,
		  current_date OPERATOR(pg_catalog.+) 8, 2, '{}', 309.00, 'planted-ref')},
		q{DO $$ BEGIN
		    PERFORM pricing.book(1, 1, 0, current_date OPERATOR(pg_catalog.+) 5,
		                         current_date OPERATOR(pg_catalog.+) 8, 2, '{}', 1.00);
		  EXCEPTION WHEN SQLSTATE 'PR002' THEN RAISE NOTICE 'PR002 as expected';
		  END $$},
		q{DO $$ BEGIN
		    PERFORM pricing.book(1, 1, 0, current_date OPERATOR(pg_catalog.+) 5,
		                         current_date OPERATOR(pg_catalog.+) 8, 3, '{4}', 309.00);
		  EXCEPTION WHEN SQLSTATE 'PR001' THEN RAISE NOTICE 'PR001 as expected';
		  END $$},
		q{DO $$ BEGIN
		    PERFORM pricing.book(1, 1, 0, current_date OPERATOR(pg_catalog.+) 500,
		                         current_date OPERATOR(pg_catalog.+) 501, 2, '{}', 309.00);
		  EXCEPTION WHEN SQLSTATE 'PR001' THEN RAISE NOTICE 'PR001 as expected';
		  END $$},
		q{DO $$ BEGIN
		    PERFORM pricing.book(12345, 1, 0, current_date OPERATOR(pg_catalog.+) 5,
		                         current_date OPERATOR(pg_catalog.+) 8, 2, '{}', 309.00);
		  EXCEPTION WHEN SQLSTATE 'PR001' THEN RAISE NOTICE 'PR001 as expected';
		  END $$},
		q{SELECT pricing.has_hotel(1), pricing.has_hotel(12345)},
		q{SELECT pricing.cancel(b.booking_id) FROM pricing.booking b
		   WHERE b.reference OPERATOR(pg_catalog.=) 'planted-ref'},
		q{DO $$ BEGIN
		    PERFORM pricing.cancel(b.booking_id) FROM pricing.booking b
		      WHERE b.reference OPERATOR(pg_catalog.=) 'planted-ref';
		  EXCEPTION WHEN SQLSTATE 'PR003' THEN RAISE NOTICE 'PR003 as expected';
		  END $$},
		q{SELECT pricing.refresh(true)},
		q{SELECT pricing.refresh(false)})
	{
		my ($rc, $out, $err) = sql_error($primary, 'postgres', $sql);
		is($rc, 0, "the intruder runs: $sql") or diag($err);
		like($err, qr/NOTICE:  00000: $1 as expected/, "and gets $1") if $sql =~ /SQLSTATE '(PR00\d)'/;
	}
}
is($primary->safe_psql('postgres',
		q{SELECT count(*) || ' ' || count(cancelled_at) || ' ' || min(total) FROM pricing.booking}),
	'1 1 309.00', 'the intruder booked once (the reference repeated), at 309.00, and cancelled');
is($primary->safe_psql('postgres',
		q{SELECT count(*) FROM pricing.rate WHERE hotel_id = 1 AND available <> 5}),
	'0', 'and its nights are back');
$primary->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($primary, 'postgres'), reference($primary, 'postgres'),
	'the index serves what the tables say');

# --- a new worker, which reads the server's, database's and role's settings ---------
my $old = worker_pid($primary);
$primary->safe_psql('postgres', "SELECT pg_terminate_backend($old)");
ok( $primary->poll_query_until('postgres',
		"SELECT worker_pid IS NOT NULL AND worker_pid <> $old FROM pricing.status"),
	'a new worker starts');
$primary->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($primary, 'postgres'), reference($primary, 'postgres'), 'and serves what the tables say');

# --- a hot standby, whose worker reads the change counter ----------------------------
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('planted_standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->safe_psql('postgres',
	'UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2');
{
	local $ENV{PGUSER} = 'intruder';
	local $ENV{PGOPTIONS} = '';
	$primary->safe_psql('postgres', 'UPDATE pricing.rate SET available = available');
}
$primary->wait_for_catchup($standby);
wait_serving($standby, 'postgres', reference($primary, 'postgres'),
	'the standby follows the changes');

# --- what ran, as whom --------------------------------------------------------------
my $log = slurp_file($primary->logfile, $offset) . slurp_file($standby->logfile);
my @ran = ($log =~ /planted (.*?) ran as (\S+)/g);
my %as;
while (my ($what, $who) = splice(@ran, 0, 2))
{
	push @{ $as{$who} }, $what;
}
my @others = grep { $_ ne 'intruder' } sort keys %as;
is(join(', ', map { "$_: " . join('; ', @{ $as{$_} }) } @others), '',
	'no planted object ran as anyone but the intruder');
is($primary->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'intruder'}),
	'f', 'the intruder is no superuser');

$standby->stop;
$primary->stop;
done_testing();
