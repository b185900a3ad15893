# A fuzz run: sqlsmith sends random queries to a server that holds the
# extension and the sample data (test/data/sample.sql), as a role that may
# read prices and write the source tables.  No server process may crash;
# afterwards the index still answers, correctly, and nothing stays pinned.
#
#   PRICING_FUZZ_SECONDS   how long to fuzz (default 30)
#   PRICING_FUZZ_SEED      sqlsmith's seed (default fixed; "random" for a new
#                          one each run, which the test log then names)
#
# sqlsmith leaves out set-returning functions, so the extension's readers are
# reached through views and through scalar wrappers (schema fuzz), whose
# arguments it fills with column values (table fuzz.stays holds extremes)
# and expressions of its own.  Each query runs in a transaction sqlsmith
# rolls back, with a statement_timeout of 1 s.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $sqlsmith;
for my $dir (split(/:/, $ENV{PATH} // ''), '/usr/bin', '/usr/local/bin')
{
	if (-x "$dir/sqlsmith")
	{
		$sqlsmith = "$dir/sqlsmith";
		last;
	}
}
if (!defined $sqlsmith)
{
	# CI installs it (test/setup.sh); elsewhere the fuzz run is optional
	if ($ENV{CI})
	{
		fail('sqlsmith is installed (apt-get install sqlsmith)');
		done_testing();
		exit;
	}
	plan skip_all => 'sqlsmith is not installed (apt-get install sqlsmith)';
}

my $seconds = $ENV{PRICING_FUZZ_SECONDS} // 30;
my $seed = $ENV{PRICING_FUZZ_SEED} // 20261124;
$seed = int(rand(1 << 30)) if $seed eq 'random';
note("sqlsmith for $seconds s with --seed=$seed");

my $node = new_pricing_node(
	'sqlsmith',
	# keep the log to what matters: no statements, no query errors
	log_statement => "'none'",
	log_min_messages => "'log'",
	log_min_error_statement => "'panic'",
	# the whole query of a crashed process in "Failed process was running"
	track_activity_query_size => "'64kB'",
	# so that the calls of the extension's functions can be counted
	track_functions => "'all'",
	# a crash would restart the server, so sqlsmith goes on and the log
	# collects every crashing query
	restart_after_crash => 'on',
	max_connections => '20');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
$node->safe_psql('postgres', slurp_file("$FindBin::RealBin/../data/sample.sql"));
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'hotels'), '60', 'the sample data is loaded');

$node->safe_psql(
	'postgres', q{
CREATE ROLE fuzzer LOGIN IN ROLE pricing_reader, pricing_admin;
CREATE SCHEMA fuzz;
GRANT USAGE ON SCHEMA fuzz TO fuzzer;

-- every argument, as a scalar
CREATE FUNCTION fuzz.cheapest_total(city text, checkin date, checkout date, guests int,
                                    max_results int, min_stars int, max_total numeric,
                                    booking_date date)
RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT sum(c.total) FROM pricing.cheapest(city, checkin, checkout, guests, max_results,
                                                min_stars, max_total, booking_date) AS c $$;
CREATE FUNCTION fuzz.cheapest_first(city text, checkin date, checkout date)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT c.hotel_id FROM pricing.cheapest(city, checkin, checkout) AS c LIMIT 1 $$;
CREATE FUNCTION fuzz.cheapest_count(city text, nights int, guests int)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT count(*) FROM pricing.cheapest(city, current_date + 10, current_date + 10 + nights, guests) $$;
CREATE FUNCTION fuzz.quote_total(hotel_id bigint, checkin date, checkout date, guests int,
                                 booking_date date)
RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT min(q.total) FROM pricing.quote(hotel_id, checkin, checkout, guests, booking_date) AS q $$;
CREATE FUNCTION fuzz.quote_rooms(hotel_id bigint, nights int)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT count(*) FROM pricing.quote(hotel_id, current_date + 20, current_date + 20 + nights) $$;
CREATE FUNCTION fuzz.generation() RETURNS bigint LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$ SELECT generation FROM pricing.status() $$;

-- values to feed them: ordinary stays, and every extreme
CREATE TABLE fuzz.stays (city text, checkin date, checkout date, guests int,
                         max_results int, min_stars int, max_total numeric,
                         booking_date date, hotel_id bigint, nights int);
INSERT INTO fuzz.stays VALUES
  ('Berlin', current_date + 10, current_date + 13, 2, 10, 0, NULL, current_date, 1, 3),
  ('Paris', current_date + 1, current_date + 8, 1, 3, 4, 800, current_date - 30, 2, 7),
  ('Lisbon', current_date, current_date + 30, 4, 10000, 5, 'NaN', 'infinity', 60, 30),
  ('Rome', current_date + 50, current_date + 52, 3, 0, -1, 'Infinity', '-infinity', 0, 2),
  ('Vienna', current_date - 1, current_date, 2147483647, 1, 2147483647, '-Infinity', current_date + 100, -1, 1),
  ('', '-infinity', 'infinity', -2147483648, -2147483648, -2147483648, -1e100, '4713-01-01 BC', -9223372036854775808, -2147483648),
  (repeat('x', 100000), '4713-01-01 BC', '5874897-12-31', 0, 2147483647, 0, 1e100, '5874897-12-31', 9223372036854775807, 2147483647),
  (E'O\'Brien "\\x"', 'infinity', 'infinity', 1, 10001, 6, 0, current_date, 5, 0),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
GRANT SELECT ON fuzz.stays TO fuzzer;

-- views over the readers, which sqlsmith joins, filters and nests
CREATE VIEW fuzz.berlin AS
  SELECT * FROM pricing.cheapest('Berlin', current_date + 10, current_date + 13);
CREATE VIEW fuzz.cities AS
  SELECT h.city, c.* FROM (SELECT DISTINCT city FROM pricing.hotel) AS h,
         LATERAL pricing.cheapest(h.city, current_date + 3, current_date + 5, 2, 5) AS c;
CREATE VIEW fuzz.quotes AS
  SELECT h.hotel_id AS hotel, q.* FROM pricing.hotel AS h,
         LATERAL pricing.quote(h.hotel_id, current_date + 20, current_date + 23, 2) AS q;
CREATE VIEW fuzz.generations AS SELECT * FROM pricing.generations();
-- every row of fuzz.stays as arguments (the rows with bad ones fail the
-- query, unless sqlsmith's own conditions filter them out first)
CREATE VIEW fuzz.stay_prices AS
  SELECT s.*, c.hotel_id AS found_hotel, c.room_id, c.total
    FROM fuzz.stays AS s,
         LATERAL pricing.cheapest(s.city, s.checkin, s.checkout, s.guests, s.max_results,
                                  s.min_stars, s.max_total, s.booking_date) AS c;
CREATE VIEW fuzz.stay_quotes AS
  SELECT s.*, q.room_id, q.nights AS quoted_nights, q.total
    FROM fuzz.stays AS s,
         LATERAL pricing.quote(s.hotel_id, s.checkin, s.checkout, s.guests, s.booking_date) AS q;
GRANT SELECT ON fuzz.berlin, fuzz.cities, fuzz.quotes, fuzz.generations,
                fuzz.stay_prices, fuzz.stay_quotes TO fuzzer;
});

my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
my $offset = -s $node->logfile;
my $target = $node->connstr('postgres') . ' user=fuzzer';
my ($out, $err) = ('', '');
my @cmd = (
	'timeout', '--signal=INT', '--kill-after=10', $seconds,
	$sqlsmith, "--target=$target", '--exclude-catalog', "--seed=$seed",
	'--verbose');
note("running: @cmd");
IPC::Run::run(\@cmd, '<', \undef, '>', \$out, '2>', \$err);
my $rc = $? >> 8;
my $report = "$out\n$err";
open(my $fh, '>', "${PostgreSQL::Test::Utils::log_path}/034_sqlsmith_output.txt");
print $fh $report;
close($fh);
ok($rc == 124 || $rc == 0, "sqlsmith ran until stopped (exit code $rc)")
  or diag(substr($report, -3000));
my @counts = $report =~ /queries: (\d+)/g;
my $queries = @counts ? $counts[-1] : 0;
note("sqlsmith sent about $queries queries");
cmp_ok($queries, '>', 0, 'sqlsmith sent queries');

# --- no crash ---------------------------------------------------------------
my $log = slurp_file($node->logfile, $offset);
my @crashed = $log =~ /(server process \(PID \d+\) was terminated by signal[^\n]*\n[^\n]*DETAIL:  Failed process was running: [^\n]*(?:\n\t[^\n]*)*)/g;
is(scalar(@crashed), 0, 'no server process crashed') or diag(join("\n\n", @crashed));
unlike($log, qr/terminated by signal|all server processes terminated|PANIC|TRAP:/,
	'the server never restarted') or diag(substr($log, 0, 5000));
is((split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0],
	$postmaster, 'the postmaster is the same');

# --- the fuzz reached the extension -------------------------------------------
# (statistics of function calls, flushed when sqlsmith's backends exit)
ok( $node->poll_query_until(
		'postgres',
		q{SELECT count(*) = 2 FROM pg_stat_user_functions
		   WHERE schemaname = 'pricing' AND funcname IN ('cheapest', 'quote') AND calls > 0}),
	'sqlsmith made pricing.cheapest and pricing.quote run');
note($node->safe_psql('postgres',
	q{SELECT string_agg(schemaname || '.' || funcname || ': ' || calls, ', ' ORDER BY schemaname, funcname)
	    FROM pg_stat_user_functions WHERE schemaname IN ('pricing', 'fuzz')}));

# --- the index still answers, correctly, and nothing stays pinned ---------------
my $gen = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
cmp_ok($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	'>', $gen, 'refresh(true) still works, twice (no generation stays pinned)');
is(status_of($node, 'postgres', 'readers'), '0', 'no reader holds a pin');
is(status_of($node, 'postgres', 'last_error IS NULL AND hotels = 60'),
	't', 'the index holds the sample data and no error');
for my $city ('Berlin', 'Paris', 'Vienna')
{
	my %stay = (city => $city, from => 10, to => 13);
	my $answer = cheapest($node, 'postgres', %stay);
	isnt($answer, '', "$city: the index answers");
	is($answer, reference($node, 'postgres', %stay),
		"$city: and agrees with the reference computed from the tables");
}

$node->stop;
done_testing();
