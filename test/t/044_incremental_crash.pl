# The refresh worker killed in the middle of a stream of incremental changes
# (tracker issue 14).
#
# A writer commits a stream of small transactions (one to three hotels each:
# prices of rich hotels, and of plain ones whose totals are their nightly
# prices summed; hotel and plan updates), each counted in a progress table
# in the same transaction, with no pause but a millisecond, while the worker
# applies them incrementally.  In the middle of the stream the worker is
# killed, caught while it is applying a change when the test can catch it
# (status.worker_state = 'refreshing'):
#   - with SIGKILL (twice): the postmaster restarts every process, the writer
#     with them, and the new worker must load by itself, with no refresh call,
#     an index that serves every committed change;
#   - with SIGTERM (twice): no crash; the index keeps serving, the writer
#     keeps writing, and the restarted worker must serve every change
#     committed before, during and after its restart.
# After each kill, and at the end of an undisturbed stream: the plain hotels'
# totals (quote) equal the sums of their nightly prices in pricing.rate for
# many stays (the tables' own numbers), and the answers of every reader for a
# broad set of arguments equal those after a full pricing.refresh(true).
# The stream goes on after each kill (incremental applies again, on top of
# whatever the killed worker left in pricing.change_log), and once it stops
# and is served, pricing.change_log drains to no rows.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use PricingTest;
use PricingMemory;
use PricingIncremental;

my $t_start = time;
# (PostgreSQL::Test::Cluster turns crash restarts off; this test needs them)
my $node = new_pricing_node('incremental_crash',
	restart_after_crash => 'on',
	'pricing.horizon_days' => '60');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
load_rich_data($node, 'postgres', first_id => 1000, hotels => 160);
add_sentinel($node);
create_answers_function($node);
# 40 plain hotels in Plainville: one room, no VAT, tax, fee, discount, plan
# or occupancy row, always available; a total is the sum of the nightly
# prices
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name) SELECT 5000 + g, 'Plainville', 'Plain ' || g
  FROM generate_series(1, 40) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) SELECT 5000 + g, 1, 'Room', 2
  FROM generate_series(1, 40) g;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT 5000 + g, 1, current_date + d, 40 + (g * 7 + d * 3) % 60, 3
  FROM generate_series(1, 40) g, generate_series(-1, 45) d;
COMMIT;
CREATE TABLE public.progress (n bigint NOT NULL);
INSERT INTO public.progress VALUES (0);

-- The stream: until the deadline (or the session dies), transactions of one
-- to three hotels, rich (1001..1160) or plain (5001..5040).
CREATE PROCEDURE public.stream(seed float8, deadline_s int, max_n int) LANGUAGE plpgsql AS $$
DECLARE
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
  h bigint;
  d int;
  k int;
  i int := 0;
BEGIN
  PERFORM setseed(seed);
  WHILE clock_timestamp() < stop_at AND i < max_n LOOP
    i := i + 1;
    FOR j IN 1 .. 1 + floor(random() * 3)::int LOOP
      d := floor(random() * 40)::int;
      k := floor(random() * 10)::int;
      IF random() < 0.5 THEN
        h := 5001 + floor(random() * 40)::int;
        UPDATE pricing.rate SET price = 20 + floor(random() * 30000) / 100
         WHERE hotel_id = h AND stay_date BETWEEN current_date + d AND current_date + d + k;
      ELSE
        h := 1001 + floor(random() * 160)::int;
        CASE floor(random() * 5)::int
        WHEN 0 THEN
          UPDATE pricing.hotel SET stars = (stars + 1) % 6, vat_percent = floor(random() * 20)
           WHERE hotel_id = h;
        WHEN 1 THEN
          INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, adjust_percent, board, board_fee)
          VALUES (h, 6, 'Stream', -floor(random() * 30), 'breakfast', floor(random() * 15))
          ON CONFLICT (hotel_id, plan_id) DO UPDATE SET adjust_percent = EXCLUDED.adjust_percent,
            board_fee = EXCLUDED.board_fee;
        WHEN 2 THEN
          UPDATE pricing.rate SET available = floor(random() * 3)::int
           WHERE hotel_id = h AND stay_date BETWEEN current_date + d AND current_date + d + k;
        ELSE
          UPDATE pricing.rate SET price = 25 + floor(random() * 40000) / 100
           WHERE hotel_id = h AND stay_date BETWEEN current_date + d AND current_date + d + k;
        END CASE;
      END IF;
    END LOOP;
    UPDATE public.progress SET n = n + 1;
    COMMIT;
    PERFORM pg_sleep(0.001);
  END LOOP;
END
$$;
});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'hotels'), '201', 'the data is loaded');
my $cols = has_incremental_columns($node);
my $has_log = $node->safe_psql('postgres', q{SELECT to_regclass('pricing.change_log') IS NOT NULL}) eq 't';
note('pricing.change_log ' . ($has_log ? 'exists' : 'does not exist (the installed extension predates it)'));

my @cities = (@RICH_CITIES, 'Plainville');
my @hotels = (1001 .. 1160, 5001 .. 5040);

sub postmaster_pid
{
	my ($first) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
	return $first;
}
my $postmaster = postmaster_pid();

sub progress
{
	return $node->safe_psql('postgres', 'SELECT n FROM public.progress');
}

# The plain hotels' totals against their nightly prices in the table: the
# number of (hotel, stay) pairs where they differ, of how many.
sub plain_mismatches
{
	return $node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE q.total IS DISTINCT FROM r.sum) || ' of ' || count(*)
  FROM generate_series(5001, 5040) h,
       (VALUES (0, 1), (1, 4), (3, 10), (9, 16), (20, 31), (38, 45), (15, 45)) s(f, t)
  LEFT JOIN LATERAL (SELECT total FROM pricing.quote(h, current_date + s.f, current_date + s.t)) q ON true
  LEFT JOIN LATERAL (SELECT sum(price) AS sum FROM pricing.rate
                      WHERE hotel_id = h AND stay_date >= current_date + s.f
                        AND stay_date < current_date + s.t) r ON true});
}

# Every committed change serves: the plain hotels agree with the table, and
# every answer with a full refresh.
sub check_served
{
	my ($what) = @_;
	ok(settle($node), "$what: the sentinel committed last serves, without a refresh call");
	my $plain = plain_mismatches();
	like($plain, qr/^0 of \d+$/, "$what: the plain hotels' totals are the sums of their nightly prices ($plain differ)");
	my ($g, @served) = stable_answers($node, 'postgres', \@cities, \@hotels);
	$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
	my ($g2, @full) = stable_answers($node, 'postgres', \@cities, \@hotels);
	compare_answers(\@served, \@full, "$what: served against a full refresh");
	return;
}

# Start the stream in a session of its own; returns (session, ticket).
my $seed = 0;
sub start_stream
{
	my ($secs, $max) = @_;
	my $s = psql_session($node, 'postgres', timeout => 120);
	$seed += 0.1;
	my $t = $s->send("CALL public.stream($seed, $secs, $max)");
	return ($s, $t);
}

# Wait until the stream has committed $n more transactions, then until the
# worker is applying one (bounded), and kill it with $signal.  Returns the
# killed pid.
sub kill_in_stream
{
	my ($signal, $n, $what) = @_;
	my $from = progress();
	ok($node->poll_query_until('postgres', "SELECT n >= $from + $n FROM public.progress"),
		"$what: the stream runs");
	my $watch = psql_session($node, 'postgres');
	my ($pid, $state, $caught) = ('', '', 0);
	for my $try (1 .. 3000)
	{
		($state) = $watch->query('SELECT worker_pid || \' \' || worker_state FROM pricing.status');
		if ($state =~ /^(\d+) refreshing$/)
		{
			$pid = $1;
			$caught = 1;
			last;
		}
		($pid) = $state =~ /^(\d+)/;
	}
	$watch->quit;
	note("$what: " . ($caught ? 'the worker was caught applying a change'
		  : 'the worker was not caught applying a change; killed all the same'));
	ok(kill($signal, $pid), "$what: kill -$signal the worker ($pid)");
	return $pid;
}

# --- SIGKILL, twice ------------------------------------------------------------------
for my $round (1, 2)
{
	my $what = "SIGKILL $round";
	my ($s, $t) = start_stream(60, 1_000_000);
	my $offset = -s $node->logfile;
	my $old = kill_in_stream('KILL', 150, $what);
	# the crash restart ends the writer's session too
	my ($out, $err, $done) = $s->wait($t);
	$s->quit;
	like($err, qr/terminat|connection|server closed/i, "$what: the crash restart ended the writer");
	ok( $node->poll_query_until('postgres',
			"SELECT generation IS NOT NULL AND worker_pid <> $old AND worker_state = 'idle' FROM pricing.status"),
		"$what: a new worker loads the index, with no refresh call");
	my $log = slurp_file($node->logfile, $offset);
	like($log, qr/all server processes terminated; reinitializing/, "$what: the server restarted");
	is(postmaster_pid(), $postmaster, "$what: the postmaster is the same");
	my $n = progress();
	note("$what: $n transactions committed so far");
	check_served($what);
}

# --- SIGTERM, twice: no crash, the stream goes on ---------------------------------------
for my $round (1, 2)
{
	my $what = "SIGTERM $round";
	my ($s, $t) = start_stream(60, 1_000_000);
	my $old = kill_in_stream('TERM', 150, $what);
	ok( $node->poll_query_until('postgres',
			"SELECT worker_pid <> $old AND worker_state IN ('idle', 'refreshing') FROM pricing.status"),
		"$what: a new worker runs");
	my $n = progress();
	my $went_on = 0;
	for (1 .. 100 * $PostgreSQL::Test::Utils::timeout_default)
	{
		last unless $s->alive;
		if (progress() >= $n + 150)
		{
			$went_on = 1;
			last;
		}
		usleep(10_000);
	}
	ok($went_on, "$what: the stream goes on during and after the restart");
	# stop the stream: end its session's statement
	my $pid = $s->pid;
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	my ($out, $err) = $s->wait($t);
	like($err, qr/canceling statement/, "$what: the stream was stopped");
	$s->quit;
	check_served($what);
}

# --- an undisturbed stream ------------------------------------------------------------
{
	my $what = 'no kill';
	my $gen = status_of($node, 'postgres', 'generation');
	my $s0 = incremental_status($node);
	my ($s, $t) = start_stream(60, 600);
	my ($out, $err) = $s->wait($t);
	is($err, '', "$what: the stream committed 600 transactions");
	$s->quit;
	check_served($what);
	my $s1 = incremental_status($node);
	note(sprintf('%s: %d generations, %s of them incremental', $what,
			status_of($node, 'postgres', 'generation') - $gen,
			$s1 ? $s1->{incremental_refreshes} - $s0->{incremental_refreshes} : '?'));
}

# --- pricing.change_log drains -------------------------------------------------------------
SKIP:
{
	skip 'pricing.change_log does not exist (the installed extension predates it)', 1 unless $has_log;
	ok(settle($node), 'the sentinel serves');
	ok($node->poll_query_until('postgres', 'SELECT count(*) = 0 FROM pricing.change_log'),
		'pricing.change_log drains to no rows once every change is served')
	  or diag($node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT hotel_id) FROM pricing.change_log'));
}

is(status_of($node, 'postgres', 'last_error IS NULL'), 't', 'status shows no error');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal (?!9)/, 'nothing but the killed workers died by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC, no failed assertion');
note(sprintf('%.1f s', time - $t_start));
$node->stop;
done_testing();
