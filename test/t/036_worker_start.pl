# How the refresh worker starts, and what it says while it cannot work.
#
# - Before CREATE EXTENSION pricing, the worker waits: one quiet line in the
#   log, no failed refresh counted; the commit of CREATE EXTENSION wakes it.
# - When pricing.database does not exist, each start waits longer before it
#   tries to connect again (1 s, 2 s, 4 s, ... up to 60 s), instead of
#   restarting every second and filling the log.
# - The worker reports its statistics: its reads show in
#   pg_stat_user_tables like any session's.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

# --- before CREATE EXTENSION -----------------------------------------------------
my $node = new_pricing_node('worker_start');
$node->start;
ok( $node->wait_for_log(qr/pricing refresh worker waits for CREATE EXTENSION pricing in database "postgres"/),
	'the worker says once that it waits for CREATE EXTENSION');
# let it look a few more times (a refresh request makes it look at once)
sleep(1);
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'CREATE EXTENSION and the data wake it');
is(status_of($node, 'postgres', 'failed_refreshes'), '0', 'no failed refresh was counted');
is(status_of($node, 'postgres', 'last_error'), '', 'no error is shown');
is(status_of($node, 'postgres', 'worker_state'), 'idle', 'the worker is idle');
my $log = slurp_file($node->logfile);
my @waits = ($log =~ /waits for CREATE EXTENSION/g);
is(scalar(@waits), 1, 'it said so once');
unlike($log, qr/pricing refresh failed/, 'and logged no failure');

# --- its statistics ------------------------------------------------------------------
# nobody but the worker reads pricing.fee (the sample's INSERT does not scan it)
my $scans = $node->safe_psql('postgres',
	q{SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'pricing.fee'::regclass});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
ok( $node->poll_query_until('postgres',
		qq{SELECT seq_scan > $scans FROM pg_stat_user_tables WHERE relid = 'pricing.fee'::regclass}),
	'the worker\'s scans of pricing.fee show in pg_stat_user_tables');
$node->stop;

# --- a pricing.database that does not exist ----------------------------------------
my $lost = new_pricing_node('worker_lost', 'pricing.database' => "'no_such_db'");
$lost->start;
my $since = time;
sleep(12);
$log = slurp_file($lost->logfile);
my @fatals = ($log =~ /FATAL:  database "no_such_db" does not exist/g);
note(scalar(@fatals) . ' connection attempts in ' . (time - $since) . ' s');
# without the backoff, one a second: 12 or more; with it at 0, 2, 5, 10 s
cmp_ok(scalar(@fatals), '<=', 5, 'the worker tries to connect at growing intervals');
cmp_ok(scalar(@fatals), '>=', 2, 'and keeps trying');
like($log, qr/pricing refresh worker waits \d+ ms before connecting to database "no_such_db" again/,
	'it says how long it waits, and why (HINT)');
# once the database exists, the next attempt connects
$lost->safe_psql('postgres', 'CREATE DATABASE no_such_db');
ok( $lost->wait_for_log(qr/pricing refresh worker waits for CREATE EXTENSION pricing in database "no_such_db"/),
	'once the database exists, the worker connects');
$lost->safe_psql('no_such_db', 'CREATE EXTENSION pricing');
ok($lost->poll_query_until('no_such_db', q{SELECT worker_state = 'idle' FROM pricing.status}),
	'and loads the index after CREATE EXTENSION');
$lost->stop;

done_testing();
