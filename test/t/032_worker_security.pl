# What the worker runs and whom the index answers.
#
# - The worker runs as a superuser.  Whoever may create objects in a schema
#   on its search_path (the public schema, or a schema named after its
#   user) must not get code of theirs run by it: the worker's queries
#   resolve to the system's operators only.
# - A database other than pricing.database that also has the extension is
#   never answered from the index: it gets an error naming the database the
#   index serves (status still shows it).
# - A reader's arguments never reach the worker: it runs nothing but its
#   own fixed queries, whatever the city a reader asks for.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('worker_security');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');

my $worker_user = $node->safe_psql('postgres',
	q{SELECT usename FROM pg_stat_activity WHERE backend_type = 'pricing refresh worker'});
note("the worker runs as $worker_user");

# --- objects planted on the worker's search_path ------------------------------
# mallory may create in public (as a database owner may) and has a schema
# named after the worker's user, first on the default search_path.  The
# loader multiplies numeric amounts by integers (amount * 100): an operator
# numeric * integer is an exact match where the system has only numeric *
# numeric, so it would be chosen if the worker could see it.  It computes the
# right product and leaves a trace in the log, so only the trace can tell.
$node->safe_psql(
	'postgres', qq{
CREATE ROLE mallory LOGIN;
GRANT CREATE ON SCHEMA public TO mallory;
CREATE SCHEMA "$worker_user" AUTHORIZATION mallory;
SET ROLE mallory;
CREATE FUNCTION public.planted_mul(numeric, integer) RETURNS numeric
LANGUAGE plpgsql AS \$\$
BEGIN
  RAISE WARNING 'planted code ran in % as %',
    (SELECT backend_type FROM pg_stat_activity WHERE pid = pg_backend_pid()), current_user;
  RETURN \$1 * \$2::numeric;
END
\$\$;
CREATE OPERATOR public.* (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = public.planted_mul);
CREATE FUNCTION "$worker_user".planted_mul(numeric, integer) RETURNS numeric
LANGUAGE sql AS \$\$ SELECT public.planted_mul(\$1, \$2) \$\$;
CREATE OPERATOR "$worker_user".* (LEFTARG = numeric, RIGHTARG = integer,
                                  FUNCTION = "$worker_user".planted_mul);
RESET ROLE;
});
# (the operator is real: a plain session does pick it)
my ($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT 1.5 * 2');
like($err, qr/planted code ran in client backend as/,
	'a session with the default search_path runs the planted operator');

my $offset = -s $node->logfile;
my $gen = status_of($node, 'postgres', 'generation');
$node->safe_psql('postgres',
	'UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2');
my $expected = '2:2:297.00,1:1:309.00,3:1:430.00';
wait_serving($node, 'postgres', $expected, 'a change refreshes by itself');
cmp_ok($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	'>', $gen, 'and refresh(true) succeeds');
is(status_of($node, 'postgres', 'last_error IS NULL'), 't', 'no error');
# a search_path set for the database or the worker's role changes nothing
$node->safe_psql('postgres', qq{
ALTER DATABASE postgres SET search_path = public;
ALTER ROLE "$worker_user" SET search_path = "$worker_user", public;
ALTER SYSTEM SET search_path = public;
SELECT pg_reload_conf();
});
my $old_worker = worker_pid($node);
$node->safe_psql('postgres', "SELECT pg_terminate_backend($old_worker)");
ok( $node->poll_query_until(
		'postgres',
		"SELECT worker_pid IS NOT NULL AND worker_pid <> $old_worker FROM pricing.status"),
	'a new worker connects, with those settings');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'last_error IS NULL'), 't', 'its refresh succeeds');
is(cheapest($node, 'postgres'), $expected, 'and serves the same prices');
my $log = slurp_file($node->logfile, $offset);
unlike($log, qr/planted code ran in pricing refresh worker/,
	'the worker never ran the planted operator');
$node->safe_psql('postgres', qq{
ALTER DATABASE postgres RESET search_path;
ALTER ROLE "$worker_user" RESET search_path;
ALTER SYSTEM RESET search_path;
SELECT pg_reload_conf();
DROP SCHEMA "$worker_user" CASCADE;
DROP OPERATOR public.* (numeric, integer);
DROP FUNCTION public.planted_mul(numeric, integer);
});

# --- nothing a reader sends is run ---------------------------------------------
# The city is only a key: text that reads like SQL finds no hotel, runs
# nothing, and the worker's next refresh sees the tables unchanged.
my $sneaky = q{'); DELETE FROM pricing.rate; SELECT ('};
is( $node->safe_psql(
		'postgres',
		qq{SELECT count(*) FROM pricing.cheapest(\$x\$$sneaky\$x\$, current_date + 5, current_date + 8)}),
	'0', 'a city that reads like SQL finds no hotel');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'rates'), '160', 'every rate is still loaded');
is(cheapest($node, 'postgres'), $expected, 'and the answers are unchanged');

# --- another database with the extension ----------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE elsewhere');
load_sample_data($node, 'elsewhere');
for my $call (
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8)},
	q{SELECT * FROM pricing.quote(2, current_date + 5, current_date + 8)})
{
	my ($rc, $out, $err) = sql_error($node, 'elsewhere', $call);
	isnt($rc, 0, "another database: $call fails");
	like($err, qr/ERROR:  55000: pricing index serves another database/,
		'another database: 55000, the index serves another database');
	like($err, qr/DETAIL:  The index is loaded from database "postgres" \(pricing.database\)/,
		'another database: the detail names the database it serves');
	is($out, '', 'another database: no rows');
}
is(status_of($node, 'elsewhere', 'database'),
	'postgres', 'another database: pricing.status names the database served');
# what pricing.status shows there: the index of another database only to
# superusers and pg_read_all_stats, not to pricing_admin (cluster-wide)
$node->safe_psql('elsewhere', 'CREATE ROLE elsewhere_admin IN ROLE pricing_admin');
is( $node->safe_psql('elsewhere',
		"SET ROLE elsewhere_admin; SELECT generation IS NULL, hotels IS NULL, worker_pid IS NULL, (SELECT count(*) FROM pricing.generations()) FROM pricing.status"),
	't|t|t|0', 'another database: a pricing_admin member does not see the index of postgres');
$node->safe_psql('elsewhere', 'CREATE ROLE elsewhere_stats IN ROLE pg_read_all_stats');
is( $node->safe_psql('elsewhere',
		"SET ROLE elsewhere_stats; SELECT generation IS NOT NULL, worker_pid IS NOT NULL FROM pricing.status"),
	't|t', 'another database: a pg_read_all_stats member does');
# a pricing_reader there passes the privilege check and gets the same error
$node->safe_psql('elsewhere', 'CREATE ROLE elsewhere_reader IN ROLE pricing_reader');
($rc, $out, $err) = sql_error($node, 'elsewhere',
	"SET ROLE elsewhere_reader;\n" . cheapest_query());
like($err, qr/ERROR:  55000: pricing index serves another database/,
	'another database: a pricing_reader gets the same error');
# a change there neither reaches nor disturbs the index of postgres
$node->safe_psql('elsewhere',
	'UPDATE pricing.rate SET price = 1.00 WHERE hotel_id = 1');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($node, 'postgres'), $expected,
	'a change in another database does not reach the index');

$log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/, 'no process crashed');

$node->stop;
done_testing();
