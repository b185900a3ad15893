# The refresh worker killed with SIGKILL: the postmaster treats it as a
# crash, terminates every process and reinitializes shared memory, index
# included.  The worker it starts again must load the index by itself: no
# one calls refresh.  Once while idle, once in the middle of a refresh.
# (SIGTERM, which is no crash, is in 004_worker_restart.pl.)
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

# (PostgreSQL::Test::Cluster turns crash restarts off; this test needs them)
my $node = new_pricing_node('crash_restart', restart_after_crash => 'on');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');

sub postmaster_pid
{
	my ($first) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	return $first;
}
my $postmaster = postmaster_pid();

# Kill the worker with SIGKILL; wait, without calling refresh, until the
# index answers $expected again; check what the crash restart did.
sub kill_and_recover
{
	my ($expected, $what) = @_;
	my $old_worker = worker_pid($node);
	my $offset = -s $node->logfile;
	ok(kill('KILL', $old_worker), "$what: kill -KILL the worker");
	wait_serving($node, 'postgres', $expected,
		"$what: the index serves again after the crash restart, with no refresh call");
	my $log = slurp_file($node->logfile, $offset);
	like($log,
		qr/background worker "pricing refresh worker" \(PID $old_worker\) was terminated by signal 9/,
		"$what: the postmaster saw the worker die");
	like($log, qr/all server processes terminated; reinitializing/,
		"$what: and restarted the server");
	is(postmaster_pid(), $postmaster, "$what: the postmaster is the same");
	my $new_worker = worker_pid($node);
	isnt($new_worker, $old_worker, "$what: a new worker serves");
	is(worker_pid_from_activity($node), $new_worker, "$what: exactly one worker runs");
	is(status_of($node, 'postgres', 'last_error IS NULL AND generation > 0 AND hotels = 4'),
		't', "$what: status shows a loaded index and no error");
	is(status_of($node, 'postgres', 'generations'),
		'1', "$what: one generation lives in the new shared memory");
	is(cheapest($node, 'postgres'), reference($node, 'postgres'),
		"$what: index agrees with the reference computed from the tables");
	return;
}

# --- an idle worker ----------------------------------------------------------
kill_and_recover($SAMPLE_CHEAPEST, 'idle worker');
# later changes still reach the index by themselves
$node->safe_psql('postgres',
	'UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2');
my $expected = '2:2:297.00,1:1:309.00,3:1:430.00';
wait_serving($node, 'postgres', $expected,
	'after the crash restart a change refreshes by itself');

# --- a worker in the middle of a refresh --------------------------------------
# A session locks pricing.rate and changes a price; the worker, woken by
# refresh(false), waits for the lock with half a generation built.  The
# crash restart ends that session too (its change is rolled back), and the
# new worker loads what is committed.
my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_safe('BEGIN');
$bg->query_safe('LOCK TABLE pricing.rate IN ACCESS EXCLUSIVE MODE');
$bg->query_safe(
	'UPDATE pricing.rate SET price = 10.00 WHERE hotel_id = 2 AND room_id = 2');
$node->safe_psql('postgres', 'SELECT pricing.refresh(false)');
ok(worker_waits_for_lock($node), 'the worker waits for the lock in a refresh');
kill_and_recover($expected, 'worker in a refresh');
eval { $bg->quit; };
is($node->safe_psql('postgres',
		'SELECT price FROM pricing.rate WHERE hotel_id = 2 AND room_id = 2 AND stay_date = current_date + 5'),
	'90.00', 'the uncommitted change was rolled back');

# --- twice in a row, quickly ----------------------------------------------------
kill_and_recover($expected, 'second crash');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal (?!9)/, 'nothing but the killed workers died by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC, no failed assertion');

$node->stop;
done_testing();
