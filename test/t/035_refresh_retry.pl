# A failed refresh does not consume the change it was for.
#
# With pricing.refresh_interval = 0 (no timer), a change is committed while
# something makes the worker's refresh fail: a statement timeout, a lock it
# cannot get in time, a cancel, and on a hot standby a lock held by replay.
# Once the obstacle is gone, the change serves by itself: no further change,
# no call to pricing.refresh(), no interval.  The test only polls
# pricing.cheapest and pricing.status.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use POSIX ();
use PricingTest;

my ($primary, $standby) = new_primary_and_standby();
# enough rows that a refresh takes well over a millisecond
load_bulk_data($primary, 'postgres', 400);
$ENV{PGOPTIONS} = '-c statement_timeout=0 -c lock_timeout=0';

# The answer after hotel 2's room 2 is repriced to $price a night.
sub repriced
{
	my ($price) = @_;
	my $total = sprintf('%.2f', 3 * $price * 1.1);
	return $total < 309 ? "2:2:$total,1:1:309.00,3:1:430.00" : $SAMPLE_CHEAPEST;
}

sub reprice
{
	my ($node, $price) = @_;
	$node->safe_psql('postgres',
		"UPDATE pricing.rate SET price = $price WHERE hotel_id = 2 AND room_id = 2");
	return;
}

# until the worker of $node has failed once more than $before
sub wait_failed
{
	my ($node, $before, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	ok( $node->poll_query_until('postgres',
			"SELECT failed_refreshes > $before FROM pricing.status"),
		"$what: the refresh fails");
	is(status_of($node, 'postgres', 'worker_state'),
		'waiting to retry a failed refresh', "$what: status says it will retry");
	return;
}

sub set_worker_setting
{
	my ($node, $setting) = @_;
	$node->append_conf('postgresql.conf', "$setting\n");
	$node->reload;
	return;
}

# A session holding ACCESS EXCLUSIVE on pricing.fee on $node, and its end.
sub lock_fee
{
	my ($node) = @_;
	my $locker = $node->background_psql('postgres');
	$locker->query_safe('BEGIN; LOCK TABLE pricing.fee IN ACCESS EXCLUSIVE MODE');
	return $locker;
}

sub unlock
{
	my ($locker) = @_;
	$locker->query_safe('COMMIT');
	$locker->quit;
	return;
}

my $price = 90;

# --- statement_timeout ------------------------------------------------------
{
	my $failed = status_of($primary, 'postgres', 'failed_refreshes');
	set_worker_setting($primary, "statement_timeout = '1ms'");
	# the worker rereads its settings asynchronously: ask until it fails
	ok( $primary->poll_query_until('postgres',
			"SELECT pricing.refresh(false) IS NOT NULL AND failed_refreshes > $failed FROM pricing.status"),
		'statement_timeout: refreshes fail');
	$failed = status_of($primary, 'postgres', 'failed_refreshes');
	reprice($primary, $price);
	wait_failed($primary, $failed, 'statement_timeout');
	is(cheapest($primary, 'postgres'), $SAMPLE_CHEAPEST, 'statement_timeout: the old generation serves');
	set_worker_setting($primary, "statement_timeout = 0");
	wait_serving($primary, 'postgres', repriced($price),
		'statement_timeout: once it is gone, the change serves by itself');
}

# --- a lock the worker cannot get in time ------------------------------------
{
	$price = 85;
	set_worker_setting($primary, "lock_timeout = '100ms'");
	my $locker = lock_fee($primary);
	my $failed = status_of($primary, 'postgres', 'failed_refreshes');
	reprice($primary, $price);
	wait_failed($primary, $failed, 'lock_timeout');
	like(status_of($primary, 'postgres', 'last_error'), qr/lock timeout/,
		'lock_timeout: the error says so');
	unlock($locker);
	wait_serving($primary, 'postgres', repriced($price),
		'lock_timeout: once the lock is gone, the change serves by itself');
	set_worker_setting($primary, "lock_timeout = 0");
}

# --- while it waits to retry: no spinning, and changes do not cut the wait --------
# The worker's CPU time while a retry is pending (with a short interval,
# which must not make it poll), and the failures a stream of changes
# causes meanwhile: each change waits for the retry, so a refresh that
# keeps failing does not run (and log) once per commit.
{
	$price = 84;
	set_worker_setting($primary, "lock_timeout = '100ms'");
	set_worker_setting($primary, "pricing.refresh_interval = '1s'");
	my $locker = lock_fee($primary);
	my $failed = status_of($primary, 'postgres', 'failed_refreshes');
	reprice($primary, $price);
	wait_failed($primary, $failed, 'retry pending');
	my $pid = worker_pid($primary);
	my $cpu = sub {
		my @f = split / /, slurp_file("/proc/$pid/stat");
		return ($f[13] + $f[14]) / POSIX::sysconf(POSIX::_SC_CLK_TCK);	# utime + stime
	};
	my ($c0, $t0) = ($cpu->(), time);
	$failed = status_of($primary, 'postgres', 'failed_refreshes');
	for my $i (1 .. 20)
	{
		reprice($primary, $price + $i / 100);
		select(undef, undef, undef, 0.1);
	}
	my ($c1, $t1) = ($cpu->(), time);
	my $more = status_of($primary, 'postgres', 'failed_refreshes') - $failed;
	note(sprintf('worker CPU %.2f s in %.1f s; %d failed attempts for 20 changes', $c1 - $c0, $t1 - $t0, $more));
	cmp_ok($c1 - $c0, '<', 0.5, 'retry pending: the worker sleeps (no polling)');
	cmp_ok($more, '<=', 4, 'retry pending: 20 changes do not make 20 failing attempts');
	unlock($locker);
	wait_serving($primary, 'postgres', repriced($price + 0.2),
		'retry pending: once the lock is gone, the last change serves');
	set_worker_setting($primary, "lock_timeout = 0");
	set_worker_setting($primary, "pricing.refresh_interval = 0");
}

# --- a cancelled refresh ------------------------------------------------------
{
	$price = 80;
	my $locker = lock_fee($primary);
	my $failed = status_of($primary, 'postgres', 'failed_refreshes');
	reprice($primary, $price);
	ok(worker_waits_for_lock($primary), 'cancel: the worker waits for the lock');
	$primary->safe_psql('postgres', 'SELECT pg_cancel_backend(' . worker_pid($primary) . ')');
	wait_failed($primary, $failed, 'cancel');
	unlock($locker);
	wait_serving($primary, 'postgres', repriced($price),
		'cancel: the change serves by itself afterwards');
}

# --- a hot standby: replay holds the lock --------------------------------------
# An ACCESS EXCLUSIVE lock taken on the primary is held on the standby by
# replay until the locking transaction ends there.
{
	$price = 75;
	set_worker_setting($standby, "lock_timeout = '100ms'");
	my $locker = lock_fee($primary);
	$locker->query_safe('SELECT pg_current_xact_id()');	# the lock is WAL-logged with an xid
	my $failed = status_of($standby, 'postgres', 'failed_refreshes');
	# a change to another table, committed and replayed while the lock is held
	reprice($primary, $price);
	$primary->wait_for_catchup($standby);
	wait_failed($standby, $failed, 'standby');
	is(cheapest($standby, 'postgres'), repriced(80), 'standby: the old generation serves');
	unlock($locker);
	wait_serving($standby, 'postgres', repriced($price),
		'standby: once replay releases the lock, the change serves by itself');
}

is(status_of($primary, 'postgres', 'worker_state'), 'idle', 'the primary\'s worker is idle');
is(status_of($standby, 'postgres', 'worker_state'), 'idle', 'the standby\'s worker is idle');

$standby->stop;
$primary->stop;
done_testing();
