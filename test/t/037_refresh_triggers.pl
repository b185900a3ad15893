# What makes the worker refresh besides a committed change or a request:
#   - pricing.refresh_interval alone: a change no trigger announced (the
#     trigger disabled for it) is served within the interval;
#   - a new pricing.horizon_days, after a reload: the window grows or shrinks
#     without a call;
#   - the change of day: the window starts yesterday, so when the date
#     changes, the worker reloads with the new window.  The worker's date is
#     the date in its time zone, so moving its time zone a day ahead (from
#     UTC-12 to UTC+14, with a reload) is a change of day, without touching
#     the clock.
# And the "refresh worker is not running" error of pricing.refresh(true).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use PricingTest;

my $node = new_pricing_node('refresh_triggers',
	'pricing.refresh_interval' => "'2s'",
	timezone => "'Etc/GMT+12'");
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample serves');

# --- the interval alone ------------------------------------------------------------
my $gen = status_of($node, 'postgres', 'generation');
$node->safe_psql('postgres', q{
BEGIN;
ALTER TABLE pricing.rate DISABLE TRIGGER rate_changed;
ALTER TABLE pricing.rate DISABLE TRIGGER rate_applied;
UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2;
ALTER TABLE pricing.rate ENABLE ALWAYS TRIGGER rate_changed;
ALTER TABLE pricing.rate ENABLE ALWAYS TRIGGER rate_applied;
COMMIT;
});
my $t0 = time;
wait_serving($node, 'postgres', '2:2:297.00,1:1:309.00,3:1:430.00',
	'a change no trigger announced is served by the interval');
my $took = time - $t0;
note(sprintf('served after %.1f s (interval 2 s)', $took));
cmp_ok($took, '<', 10, 'within a few intervals');
# and the interval keeps refreshing with nothing to do
$gen = status_of($node, 'postgres', 'generation');
ok($node->poll_query_until('postgres', "SELECT generation >= $gen + 2 FROM pricing.status"),
	'the interval refreshes again and again');

# turn it off: then only changes and requests refresh
$node->append_conf('postgresql.conf', "pricing.refresh_interval = 0\n");
$node->reload;
ok($node->poll_query_until('postgres', q{SELECT setting = '0' FROM pg_settings WHERE name = 'pricing.refresh_interval'}),
	'the interval is off');
sleep(3);	# one last timed refresh may still come
$gen = status_of($node, 'postgres', 'generation');
sleep(5);
is(status_of($node, 'postgres', 'generation'), $gen, 'with the interval off, no timed refresh');

# --- a new horizon after a reload ----------------------------------------------------
my $last = status_of($node, 'postgres', 'last_date - first_date');
is($last, '61', 'the window spans yesterday to 60 days ahead');
$node->append_conf('postgresql.conf', "pricing.horizon_days = 90\n");
$node->reload;
ok($node->poll_query_until('postgres', 'SELECT last_date - first_date = 91 FROM pricing.status'),
	'a larger horizon_days after a reload: the window grows without a call');
$node->append_conf('postgresql.conf', "pricing.horizon_days = 30\n");
$node->reload;
ok($node->poll_query_until('postgres', 'SELECT last_date - first_date = 31 FROM pricing.status'),
	'a smaller one: it shrinks');
is(cheapest($node, 'postgres', from => 5, to => 8), reference($node, 'postgres', from => 5, to => 8),
	'and the answers are right');

# --- the change of day -------------------------------------------------------------------
my $first = status_of($node, 'postgres', 'first_date');
$gen = status_of($node, 'postgres', 'generation');
$node->append_conf('postgresql.conf', "timezone = 'Etc/GMT-14'\n");
$node->reload;
ok($node->poll_query_until('postgres', "SELECT first_date > '$first' FROM pricing.status"),
	'a new day (the worker\'s date moved a day or two ahead): the window moves without a call');
my $days = status_of($node, 'postgres', "first_date - '$first'::date");
ok($days == 1 || $days == 2, "by the days the date moved ($days)");
is( status_of($node, 'postgres', 'first_date'),
	$node->safe_psql('postgres', 'SELECT current_date - 1'),
	'the window starts yesterday, in the new time zone');

# --- the worker is not running ---------------------------------------------------------------
# A refresh worker that cannot connect (pricing.database does not exist)
# never registers: refresh(true) gives up after 10 s with a clear error.
$node->append_conf('postgresql.conf', "pricing.database = 'no_such_db'\n");
$node->restart;
my ($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
like($err, qr/ERROR:  55000: pricing refresh worker is not running/,
	'refresh(true) without a worker: 55000, the worker is not running');
like($err, qr/HINT:  Check the server log; the worker connects to the database named by pricing.database \("no_such_db"\)/,
	'the hint names pricing.database');
is(status_of($node, 'postgres', 'worker_state'), 'not running', 'status says so');

$node->stop;
done_testing();
