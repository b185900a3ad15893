# A cancel sent to the refresh worker (pg_cancel_backend, which a user may
# send to any backend of theirs, or a superuser to any) stops a refresh that
# is running, like a statement, and is otherwise ignored: it never ends the
# worker.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('cancel');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample is served');

my $pid = worker_pid($node);
like($pid, qr/^\d+$/, 'the worker runs');

# an idle worker: the cancel is ignored
is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't',
	'the idle worker is sent a cancel');
# a refresh after the cancel proves the worker went round its loop
my $gen = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
like($gen, qr/^\d+$/, 'a refresh after the cancel succeeds');
is(worker_pid($node), $pid, 'the same worker answered: the cancel did not end it');

# a worker blocked in a refresh: the cancel ends that refresh only
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE pricing.fee IN ACCESS EXCLUSIVE MODE;');
$node->safe_psql('postgres', 'SELECT pricing.refresh(false)');
ok(worker_waits_for_lock($node), 'the refresh waits for the lock');
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
ok( $node->poll_query_until(
		'postgres',
		q{SELECT last_error LIKE '%canceling statement due to user request%' FROM pricing.status}),
	'the cancelled refresh failed, and says why');
$locker->query_safe('ROLLBACK');
$locker->quit;
is(worker_pid($node), $pid, 'the worker lives on');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'the old generation kept serving');
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'the next refresh succeeds');
is($node->safe_psql('postgres', 'SELECT last_error IS NULL FROM pricing.status'),
	't', 'and clears the error');

$node->stop;
done_testing();
