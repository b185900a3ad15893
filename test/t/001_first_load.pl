# (a) The first load: the worker builds the index by itself, when the data
# arrives and again after a server restart, without anyone calling
# pricing.refresh().
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('first_load');
$node->start;

# The worker is there from server start, even before the extension exists.
ok( $node->poll_query_until(
		'postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pricing refresh worker'},
		'1'),
	'one refresh worker runs after server start');

$node->safe_psql('postgres', 'CREATE EXTENSION pricing');

# The commit of CREATE EXTENSION wakes the worker, which loads the empty
# tables soon after; a query before that must say the index is not loaded
# (SQLSTATE 55000), a query after it gets no rows.  Which one a query meets
# is a race, so the test takes the query's outcome and checks that it is
# one of the two, consistent with the status read after it.
my ($rc, $out, $err) = sql_error($node, 'postgres',
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8)});
if ($rc != 0)
{
	like($err, qr/55000/, 'before the first load: SQLSTATE 55000');
	like($err, qr/not loaded yet/, 'before the first load: "not loaded yet"');
}
else
{
	is($out, '', 'once loaded, the empty index answers no rows');
	isnt(status_of($node, 'postgres', 'coalesce(generation, 0)'), '0',
		'and a generation serves');
}

load_sample_data($node, 'postgres');

# The committed inserts wake the worker: no refresh call.
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST,
	'the index serves the inserted data without a call to refresh');
is(cheapest($node, 'postgres'), reference($node, 'postgres'),
	'index agrees with the reference computed from the tables');

# Restart: the index lives in shared memory and is gone; the worker must
# rebuild it at start.
$node->restart;

ok( $node->poll_query_until(
		'postgres', 'SELECT coalesce(generation, 0) > 0 FROM pricing.status'),
	'after restart a generation is loaded without a call to refresh');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
	'after restart the index serves the data of the tables');
is( cheapest(
		$node, 'postgres',
		city => 'Otherton',
		guests => 1,
		from => 0,
		to => 2),
	'4:1:100.00',
	'another city is served too');
is(cheapest($node, 'postgres', guests => 3),
	reference($node, 'postgres', guests => 3),
	'3 guests: index agrees with the reference');
is(cheapest($node, 'postgres', guests => 5), '',
	'no room for 5 guests: no rows');

# The status describes what was loaded.
is(status_of($node, 'postgres', 'last_error IS NULL'),
	't', 'status.last_error is NULL after a successful load');
is(status_of($node, 'postgres', 'hotels'), '4', 'status.hotels');
is(status_of($node, 'postgres', 'rooms'), '5', 'status.rooms');
is( status_of($node, 'postgres', 'rates'),
	$node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pricing.rate
		   WHERE stay_date BETWEEN current_date - 1 AND current_date + 60}),
	'status.rates');
is(status_of($node, 'postgres', 'first_date = current_date - 1'),
	't', 'status.first_date is yesterday');
is(status_of($node, 'postgres', 'last_date = current_date + 60'),
	't', 'status.last_date is current_date + pricing.horizon_days');
is(status_of($node, 'postgres', 'database'), 'postgres', 'status.database');
is( status_of(
		$node, 'postgres',
		'arena_bytes_used > 0 AND arena_bytes_used <= arena_bytes_total'),
	't',
	'status: arena bytes used within the arena');
is(status_of($node, 'postgres', 'loaded_at IS NOT NULL AND refresh_ms >= 0'),
	't', 'status: loaded_at and refresh_ms are set');
my $pid = worker_pid($node, 'postgres');
like($pid, qr/^\d+$/, 'status.worker_pid is set');
is(worker_pid_from_activity($node), $pid,
	'status.worker_pid is the pricing refresh worker of pg_stat_activity');

# The worker runs below the backends' priority (lower_priority() in
# worker.c): at nice 10, and where Linux groups sessions into autogroups,
# which share the CPU before nice values count, its group at nice 10 too.
my @stat = split ' ', (slurp_file("/proc/$pid/stat") =~ s/^.*\) //sr);
is($stat[16], 10, 'the worker runs at nice 10');
if (-e "/proc/$pid/autogroup")
{
	like(slurp_file("/proc/$pid/autogroup"),
		qr/ nice 10$/m, 'and so does its autogroup');
}

$node->stop;
done_testing();
