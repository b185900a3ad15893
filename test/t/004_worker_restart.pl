# (e) The refresh worker is restarted after SIGTERM (pg_terminate_backend or
# kill); the index keeps serving throughout, and later changes still refresh.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('worker_restart');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');

my $expected = $SAMPLE_CHEAPEST;

# Query the index over and over until a refresh worker other than $old_pid
# shows up in pg_stat_activity and in status; every answer must be right.
sub serve_until_new_worker
{
	my ($old_pid, $what) = @_;
	my ($queries, $wrong, $new_pid) = (0, 0, '');
	my $deadline = 10 * $PostgreSQL::Test::Utils::timeout_default;
	for my $i (1 .. $deadline)
	{
		my ($rc, $out, $err) = sql_error($node, 'postgres',
			cheapest_query() . ";\n"
			  . q{SELECT coalesce((SELECT string_agg(pid::text, ',') FROM pg_stat_activity
			   WHERE backend_type = 'pricing refresh worker'), '')
			   || '/' || coalesce(worker_pid::text, '') FROM pricing.status});
		$queries++;
		my ($answer, $pids) = split /\n/, $out // '';
		$answer //= '';
		$pids //= '';
		if ($rc != 0 || $answer ne $expected)
		{
			$wrong++;
			diag("$what: query $queries answered '$answer' (rc $rc): $err")
			  if $wrong <= 5;
		}
		if ($pids =~ m{^(\d+)/(\d+)$} && $1 == $2 && $1 != $old_pid)
		{
			$new_pid = $1;
			last;
		}
		select(undef, undef, undef, 0.1);
	}
	is($wrong, 0, "$what: all $queries queries during the restart answered correctly");
	like($new_pid, qr/^\d+$/, "$what: a new worker shows up");
	isnt($new_pid, $old_pid, "$what: with a new pid");
	return $new_pid;
}

# --- pg_terminate_backend ----------------------------------------------------
my $pid1 = worker_pid($node);
is(worker_pid_from_activity($node), $pid1, 'one worker, the one status names');
my $gen1 = status_of($node, 'postgres', 'generation');

is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid1)"),
	't', 'pg_terminate_backend(worker)');
my $pid2 = serve_until_new_worker($pid1, 'after pg_terminate_backend');
is(worker_pid_from_activity($node), $pid2, 'exactly one worker runs');
is(cheapest($node, 'postgres'), $expected,
	'the index serves after the restart');
cmp_ok(status_of($node, 'postgres', 'generation'), '>=', $gen1,
	'the generation number does not go back');

# Later changes still refresh, several times over (the new worker must
# manage the whole arena, not just the part it started with).
for my $price (90, 80, 70)
{
	$node->safe_psql('postgres',
		qq{UPDATE pricing.rate SET price = $price WHERE hotel_id = 2 AND room_id = 2});
	my $total = sprintf('%.2f', 3 * $price * 1.1);
	$expected = $total < 309 ? "2:2:$total,1:1:309.00,3:1:430.00" : $SAMPLE_CHEAPEST;
	wait_serving($node, 'postgres', $expected,
		"after the restart a change to $price refreshes by itself");
}
my $g = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
like($g, qr/^\d+$/, 'refresh(true) works with the new worker');
is(status_of($node, 'postgres', 'worker_pid'), $pid2, 'status names the new worker');
is(status_of($node, 'postgres', 'last_error IS NULL'), 't', 'no error');

# --- kill -TERM --------------------------------------------------------------
ok(kill('TERM', $pid2), 'kill -TERM worker');
my $pid3 = serve_until_new_worker($pid2, 'after kill -TERM');
$node->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 60 WHERE hotel_id = 2 AND room_id = 2});
$expected = '2:2:198.00,1:1:309.00,3:1:430.00';
wait_serving($node, 'postgres', $expected,
	'after the second restart a change refreshes by itself');

# --- SIGTERM while a refresh is under way ------------------------------------
# The worker is blocked on a lock in the middle of a refresh when it is told
# to stop; its half-built generation must not disturb the serving one.
my $bg = $node->background_psql('postgres');
$bg->query_safe('BEGIN');
$bg->query_safe(
	q{LOCK TABLE pricing.hotel, pricing.room, pricing.rate, pricing.discount, pricing.fee IN ACCESS EXCLUSIVE MODE}
);
$node->safe_psql('postgres', 'SELECT pricing.refresh(false)');
ok(worker_waits_for_lock($node), 'the worker waits for the lock in a refresh');
is($node->safe_psql('postgres', "SELECT pg_terminate_backend($pid3)"),
	't', 'pg_terminate_backend(worker) during a refresh');
my $pid4 = serve_until_new_worker($pid3, 'after SIGTERM during a refresh');
$bg->query_safe('ROLLBACK');
$bg->quit;
$node->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 50 WHERE hotel_id = 2 AND room_id = 2});
$expected = '2:2:165.00,1:1:309.00,3:1:430.00';
wait_serving($node, 'postgres', $expected,
	'after a restart during a refresh a change refreshes by itself');
for my $i (1 .. 4)
{
	$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
}
is(cheapest($node, 'postgres'), $expected, 'repeated refreshes keep serving');
is(cheapest($node, 'postgres'), reference($node, 'postgres'),
	'index agrees with the reference computed from the tables');
is(status_of($node, 'postgres', 'last_error IS NULL'), 't', 'no error');

# The server log tells no crash.
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/,
	'no process crashed');

$node->stop;
done_testing();
