# Memory stays flat across incremental refreshes (tracker issue 14).
#
# An incremental generation shares the untouched hotels with the one before
# it and carries new copies of the touched ones: whatever it no longer
# shares must go back to the arena when the older generation retires, or
# the arena fills a few bytes at a time.  Here a writer commits 3000
# single-hotel rate updates (a few nights of one room of one hotel each,
# hotels all over fourteen cities) with a millisecond between them, while a
# reader calls cheapest and offers (so that retired generations sometimes
# wait for it) and a sampler reads pricing.status every few milliseconds:
#   - arena_bytes_used never exceeds twice what one generation after a full
#     refresh uses (the baseline, measured before the soak);
#   - once every update is served and the retired generation released
#     (status.generations = 1), arena_bytes_used is at most 5% above what a
#     full refresh of the same tables then uses (also with one generation);
#   - the worker's private memory (RssAnon) grows by at most 10% (and 1 MB)
#     from after a warm-up of 300 updates to the end;
#   - many generations were published, incrementally (TODO when the
#     installed extension predates status.incremental_refreshes), and the
#     answers after the soak equal those of a full refresh.
#   - a reader stopped (SIGSTOP) in a call while 200 more updates commit:
#     never more than two generations, nor their bytes; once
#     it runs again its query answers right, every update serves, and the
#     answers equal a full rebuild's.
# (The reader pauses a millisecond every two calls: a reader that never
# pauses starves the worker, which runs at nice 10, so that each apply takes
# the changes of dozens of hotels in many cities at once and the peak nears
# two generations, as a full refresh's does.)
#
# PRICING_INC_UPDATES (default 3000) sets the number of updates of the soak
# (the deadlines grow with it), PRICING_INC_PACE_MS (default 1) the pause
# after each, and PRICING_INC_CSV names a file to receive a line every 100
# updates and one at the end, once the retired generation is released: the
# updates committed so far, the seconds since the soak began, the status
# (generation, generations, arena_bytes_used, arena_bytes_committed,
# refreshes, incremental_refreshes, changes_applied) and the worker's RssAnon
# and RssShmem (/proc/<pid>/status).  With a file, the writer commits the
# same updates, 100 to a call.  The data behind doc/memory-incremental.png
# (test/memory-plot.sh, which reads the line "incremental soak: ..." below).
# The worker must keep up: a backlog of more than 1000 hotels makes it
# rebuild in full, which the line counts as full_refreshes.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use List::Util qw(max min);
use PricingTest;
use PricingMemory;
use PricingIncremental;

my $t_start = time;
my $updates = $ENV{PRICING_INC_UPDATES} // 3000;
my $pace_ms = $ENV{PRICING_INC_PACE_MS} // 1;
my $csv_path = $ENV{PRICING_INC_CSV};
die "PRICING_INC_UPDATES must be at least 500" unless $updates =~ /^\d+$/ && $updates >= 500;
die "PRICING_INC_PACE_MS must be a number of milliseconds" unless $pace_ms =~ /^\d+(\.\d+)?$/;
# how long the sampler and the reader may run, in seconds, and the sessions'
# timeouts (a minute more): 240 s, or 20 ms an update (each takes about 2.3 ms
# with the pause of 1 ms) when that is more
my $deadline = max(240, int(0.02 * $updates * max(1, $pace_ms)));
my $node = new_pricing_node('incremental_memory',
	'pricing.shared_memory' => "'128MB'",
	'pricing.horizon_days' => '60');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
# 1500 hotels of 2 rooms in ten cities (Memville1 .. Memville10, hotels
# 10001 .. 11500), and the rich data (160 hotels in four cities, every
# feature)
for my $c (1 .. 10)
{
	load_city($node, 'postgres', city => "Memville$c", hotels => 150,
		first_id => 10000 + 150 * ($c - 1), rooms => 2, from => -1, to => 45);
}
load_rich_data($node, 'postgres', first_id => 1000, hotels => 160);
add_sentinel($node);
create_answers_function($node);
$node->safe_psql('postgres', q{
CREATE TABLE public.stop_flag (stop boolean);

-- n single-hotel updates: a few nights of one room of a random hotel, each
-- committed alone, with a pause after it; numbered from first (the room), and
-- with a null seed continuing the session's random sequence, so that calls of
-- 100 make the same updates as one call
CREATE PROCEDURE public.soak_writer(n int, seed float8, first int DEFAULT 1,
                                    pause float8 DEFAULT 0.001) LANGUAGE plpgsql AS $$
DECLARE
  h bigint;
  d int;
BEGIN
  IF seed IS NOT NULL THEN
    PERFORM setseed(seed);
  END IF;
  FOR i IN first .. first + n - 1 LOOP
    IF random() < 0.8 THEN
      h := 10001 + floor(random() * 1500)::int;
    ELSE
      h := 1001 + floor(random() * 160)::int;
    END IF;
    d := floor(random() * 40)::int;
    UPDATE pricing.rate SET price = 40 + floor(random() * 20000) / 100,
                            available = floor(random() * 4)::int
     WHERE hotel_id = h AND room_id = 1 + i % 2
       AND stay_date BETWEEN current_date + d AND current_date + d + floor(random() * 5)::int;
    COMMIT;
    PERFORM pg_sleep(pause);
  END LOOP;
END
$$;

-- sample status until the stop flag: the largest arena_bytes_used and
-- arena_bytes_committed, the largest number of live generations
CREATE FUNCTION public.sampler(deadline_s int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  samples bigint := 0;
  max_used bigint := 0;
  max_committed bigint := 0;
  max_gens int := 0;
  s record;
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  LOOP
    EXIT WHEN EXISTS (SELECT FROM public.stop_flag) OR clock_timestamp() > stop_at;
    SELECT arena_bytes_used, arena_bytes_committed, generations INTO s FROM pricing.status;
    samples := samples + 1;
    max_used := greatest(max_used, s.arena_bytes_used);
    max_committed := greatest(max_committed, s.arena_bytes_committed);
    max_gens := greatest(max_gens, s.generations);
    PERFORM pg_sleep(0.002);
  END LOOP;
  RETURN format('samples=%s max_used=%s max_committed=%s max_generations=%s',
                samples, max_used, max_committed, max_gens);
END
$$;

-- read until the stop flag, with a millisecond's pause every two calls
-- (a reader that never pauses would starve the worker, which runs at nice
-- 10, and make it apply changes of many hotels at once)
CREATE FUNCTION public.mem_reader(deadline_s int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  calls bigint := 0;
  x bigint;
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  LOOP
    EXIT WHEN (calls % 16 = 0 AND EXISTS (SELECT FROM public.stop_flag))
      OR clock_timestamp() > stop_at;
    IF calls % 2 = 0 THEN
      SELECT count(*) INTO x FROM pricing.cheapest('Memville' || (1 + calls % 10), current_date + 1 + (calls % 30)::int,
                                                   current_date + 4 + (calls % 30)::int, 2, 20);
    ELSE
      SELECT count(*) INTO x FROM pricing.offers(1001 + calls % 160, current_date + 2, current_date + 5);
    END IF;
    calls := calls + 1;
    IF calls % 2 = 0 THEN PERFORM pg_sleep(0.001); END IF;
  END LOOP;
  RETURN 'calls=' || calls;
END
$$;
});

# the baseline: one generation after a full refresh
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
my $one = wait_one_generation($node);
ok(defined $one, 'one generation after the first full refresh');
my (undef, $base_used, $base_committed) = split /\|/, $one // '||';
note("baseline: one generation uses $base_used bytes of the arena ($base_committed committed)");
cmp_ok($base_used, '>', MIB, 'a generation takes megabytes (the soak can tell a leak)');

my $worker = worker_pid($node);
my $gen0 = status_of($node, 'postgres', 'generation');
my $s0 = incremental_status($node);

# warm-up
my $w = psql_session($node, 'postgres', timeout => $deadline + 60);
my ($out, $err) = $w->query('CALL public.soak_writer(300, 0.1)');
is($err, '', 'warm-up: 300 updates committed');
ok(settle($node), 'warm-up: served');
my $mem0 = process_memory($worker);

# the soak, and with PRICING_INC_CSV a line every 100 updates
my $csv;
my $csv_status = 'SELECT generation, generations, arena_bytes_used, arena_bytes_committed, refreshes, '
  . ($s0 ? 'incremental_refreshes, changes_applied' : '0, 0') . ' FROM pricing.status';
if ($csv_path)
{
	open($csv, '>', $csv_path) or die "cannot write $csv_path: $!";
	print $csv "updates,seconds,generation,generations,arena_bytes_used,arena_bytes_committed,"
	  . "refreshes,incremental_refreshes,changes_applied,worker_rss_anon,worker_rss_shmem\n";
}
my $t0;
sub csv_line
{
	my ($done, $status) = @_;
	return unless $csv;
	my @f = split /\|/, $status // '';
	my $m = process_memory($worker);
	return unless @f == 7 && $m;
	printf $csv "%d,%.3f,%s,%d,%d\n", $done, time - $t0, join(',', @f),
	  $m->{RssAnon}, $m->{RssShmem};
	return;
}
my $sampler = psql_session($node, 'postgres', timeout => $deadline + 60);
my $reader = psql_session($node, 'postgres', timeout => $deadline + 60);
my $t_sampler = $sampler->send("SELECT public.sampler($deadline)");
my $t_reader = $reader->send("SELECT public.mem_reader($deadline)");
$t0 = time;
my $pause = $pace_ms / 1000;
my $step = $csv ? 100 : $updates;
my $done = 0;
$err = '';
csv_line(0, $node->safe_psql('postgres', $csv_status)) if $csv;
while ($done < $updates && $err eq '')
{
	my $n = min($step, $updates - $done);
	my $seed = $done == 0 ? '0.2' : 'NULL';
	($out, $err) = $w->query("CALL public.soak_writer($n, $seed, @{[ $done + 1 ]}, $pause)"
		  . ($csv ? ";\n$csv_status" : ''));
	last if $err ne '';
	$done += $n;
	csv_line($done, $out);
}
is($err, '', "$updates single-hotel updates committed");
my $t_updates = time - $t0;
note(sprintf('the updates took %.1f s', $t_updates));
ok(settle($node), 'every update is served (the sentinel committed after them serves)');
$node->safe_psql('postgres', 'INSERT INTO public.stop_flag VALUES (true)');
my ($samp, $samp_err) = $sampler->wait($t_sampler);
my ($rd, $rd_err) = $reader->wait($t_reader);
$_->quit for ($w, $sampler, $reader);
is($samp_err . $rd_err, '', 'the sampler and the reader ran without error');
note("sampler: $samp; reader: $rd");
my %samp = $samp =~ /(\w+)=(\d+)/g;
cmp_ok($samp{samples} // 0, '>=', 500, 'status was sampled all along (' . ($samp{samples} // 0) . ' samples)');

my $gens = status_of($node, 'postgres', 'generation') - $gen0;
# (how many depends on how much CPU the worker, at nice 10, gets: it
# applies the changes committed while it applied the last ones together)
cmp_ok($gens, '>=', 50, "many generations were published ($gens)");
# (the counts include the warm-up's, since $s0 was read before it)
my $s1 = incremental_status($node);
my ($incs, $changes, $fulls) = ($s0 && $s1)
  ? ($s1->{incremental_refreshes} - $s0->{incremental_refreshes},
	$s1->{changes_applied} - $s0->{changes_applied},
	($s1->{refreshes} - $s0->{refreshes}) - ($s1->{incremental_refreshes} - $s0->{incremental_refreshes}))
  : (0, 0, -1);
TODO:
{
	local $TODO = $s0 ? undef
	  : 'the installed extension predates the status columns of incremental refresh';
	note(sprintf('%s hotel changes applied incrementally, the last apply took %s ms',
			$changes, $s1 ? $s1->{last_change_ms} : '?'));
	cmp_ok($incs, '>=', 0.9 * $gens, "most of them incremental ($incs)");
	cmp_ok($changes, '>=', min(1000, $updates / 3),
		"thousands of hotel changes applied incrementally ($changes)");
	# a backlog of more than 1000 hotels would have been rebuilt in full
	# (and a change of day rebuilds in full once)
	cmp_ok($fulls, '<=', 1, "the worker kept up: no full rebuild during the soak ($fulls)");
}

cmp_ok($samp{max_used} // 0, '<=', 2 * $base_used,
	sprintf('arena_bytes_used never above twice one full generation (peak %.2f)',
		($samp{max_used} // 0) / $base_used));
note(sprintf('peak arena_bytes_committed %.2f times the baseline', ($samp{max_committed} // 0) / $base_committed));

$one = wait_one_generation($node);
ok(defined $one, 'after the soak, the retired generation is released');
my (undef, $inc_used, $inc_committed) = split /\|/, $one // '||';
my $mem1 = process_memory($worker);
if ($csv)
{
	csv_line($updates, $node->safe_psql('postgres', $csv_status));
	close $csv;
}

# the same tables, rebuilt in full
my @cities = ((map { "Memville$_" } 1 .. 10), @RICH_CITIES);
my @hotels = (1001 .. 1160, 10001 .. 10100);
my @inc = answers($node, 'postgres', \@cities, \@hotels);
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
$one = wait_one_generation($node);
ok(defined $one, 'after a full refresh, one generation');
my (undef, $full_used, $full_committed) = split /\|/, $one // '||';
my @full = answers($node, 'postgres', \@cities, \@hotels);
compare_answers(\@inc, \@full, 'after the soak, incremental against full');

note(sprintf('one generation after the soak: %d bytes (%.4f of a full rebuild of the same tables, %d bytes); '
		  . 'committed %d against %d; the baseline was %d',
		$inc_used, $inc_used / $full_used, $full_used, $inc_committed, $full_committed, $base_used));
cmp_ok($inc_used / $full_used, '<=', 1.05,
	'after the soak, arena_bytes_used is within 5% of a full rebuild\'s');
cmp_ok(abs($full_used - $base_used), '<=', 0.05 * $base_used,
	'(a full rebuild after the soak uses what the first one did, within 5%)');

ok($mem0 && $mem1, "the worker's memory was read from /proc/$worker/status");
if ($mem0 && $mem1)
{
	note(sprintf("worker RssAnon: %d kB after the warm-up, %d kB after the soak",
			$mem0->{RssAnon} / 1024, $mem1->{RssAnon} / 1024));
	cmp_ok($mem1->{RssAnon} - $mem0->{RssAnon}, '<=', 0.10 * $mem0->{RssAnon} + MIB,
		"the worker's private memory grew by at most 10% (and 1 MB) over the soak");
}
# the figures above on one line, for scripts (test/memory-plot.sh): the
# counts of refreshes are from before the warm-up's 300 updates to the end of
# the soak (full_refreshes -1: the status lacks the incremental columns);
# bytes are arena bytes, RssAnon in kB
note(sprintf('incremental soak: updates=%d seconds=%.1f generations=%d incremental_refreshes=%d '
		  . 'changes_applied=%d full_refreshes=%d baseline_used=%d peak_used=%d peak_committed=%d '
		  . 'used_after=%d committed_after=%d full_used=%d full_committed=%d '
		  . 'rss_anon_start_kb=%d rss_anon_end_kb=%d reader_calls=%d',
		$updates, $t_updates, $gens, $incs, $changes, $fulls, $base_used,
		$samp{max_used} // 0, $samp{max_committed} // 0, $inc_used, $inc_committed,
		$full_used, $full_committed,
		$mem0 ? $mem0->{RssAnon} / 1024 : 0, $mem1 ? $mem1->{RssAnon} / 1024 : 0,
		($rd // '') =~ /calls=(\d+)/ ? $1 : 0));
# --- a stuck reader ---------------------------------------------------------------------
# A reader stopped (SIGSTOP) in the middle of a call pins a generation that
# later incremental generations may share data with.  While it is stopped,
# 200 more updates commit: at most two generations live, no more than
# two generations' bytes; once it runs again, its query answers right
# (nothing it read was freed under it), every update serves, and the index
# answers as a full rebuild does.
# Stuckville: 4000 hotels, so that one call of cheapest for every hotel
# (max_results 10000) takes long enough to be caught pinning.
load_city($node, 'postgres', city => 'Stuckville', hotels => 4000, first_id => 100000,
	from => 1, to => 6);
ok(settle($node), 'stuck reader: Stuckville is served');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
$one = wait_one_generation($node);
my (undef, $stuck_base) = split /\|/, $one // '||';
my $mon = psql_session($node, 'postgres');
sub mon
{
	my ($q) = @_;
	my ($o, $e) = $mon->query($q);
	die "monitor query failed: $q: $e" if $e ne '';
	return $o;
}
my $long_query = q{SELECT count(*) || ' ' || sum(c.total)
  FROM generate_series(1, 3000) g,
       LATERAL pricing.cheapest('Stuckville', current_date + 1 + g % 2, current_date + 3 + g % 2,
                                max_results => 10000) c};
my $expect_long = $node->safe_psql('postgres', $long_query =~ s/3000/4/r);
my ($n4, $sum4) = split / /, $expect_long;
$expect_long = ($n4 * 750) . ' ' . sprintf('%.2f', $sum4 * 750);
my $stuck = psql_session($node, 'postgres', timeout => 300);
my $sp = $stuck->pid;
my %stopped;
END { kill 'CONT', $_ for keys %stopped; }
my $t_stuck = $stuck->send($long_query);
my $pinned = 0;
for (1 .. 2000)
{
	last unless mon("SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = $sp AND state = 'active'") eq 't';
	next unless mon("SELECT count(*) > 0 FROM pricing.generations() WHERE $sp = ANY (reader_pids)") eq 't';
	kill 'STOP', $sp;
	$stopped{$sp} = 1;
	$pinned = mon("SELECT coalesce(max(generation), 0) FROM pricing.generations() WHERE $sp = ANY (reader_pids)");
	last if $pinned > 0;
	kill 'CONT', $sp;
	delete $stopped{$sp};
}
ok($pinned > 0, "stuck reader: backend $sp stopped while it pins generation $pinned");
my ($max_gens, $max_used) = (0, 0);
$w = psql_session($node, 'postgres', timeout => 300);
my $t_w = $w->send('CALL public.soak_writer(200, 0.3)');
my $stuck_t0 = time;
while (time - $stuck_t0 < 30)
{
	my ($g, $u) = split /\|/, mon('SELECT generations, arena_bytes_used FROM pricing.status');
	$max_gens = $g if $g > $max_gens;
	$max_used = $u if $u > $max_used;
	last unless $w->alive && mon("SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = @{[ $w->pid ]} AND state = 'active'") eq 't';
	usleep(5_000);
}
($out, $err) = $w->wait($t_w);
is($err, '', 'stuck reader: 200 updates committed while the reader is stopped');
$w->quit;
# a few more moments with the updates pending
for (1 .. 50)
{
	my ($g, $u) = split /\|/, mon('SELECT generations, arena_bytes_used FROM pricing.status');
	$max_gens = $g if $g > $max_gens;
	$max_used = $u if $u > $max_used;
	usleep(10_000);
}
note(sprintf('stuck reader: at most %d generations, %d bytes (%.2f of one generation of %d bytes)',
		$max_gens, $max_used, $max_used / $stuck_base, $stuck_base));
cmp_ok($max_gens, '<=', 2, 'stuck reader: never more than two generations live');
cmp_ok($max_used, '<=', 2.05 * $stuck_base,
	'stuck reader: never more than two generations\' bytes (and 5%)');
kill 'CONT', $sp;
delete $stopped{$sp};
my ($long_out, $long_err) = $stuck->wait($t_stuck);
$stuck->quit;
is($long_err, '', 'stuck reader: its query ends without error once it runs again');
is($long_out, $expect_long, 'stuck reader: and answers right (3000 calls, all rows and totals)');
ok(settle($node), 'stuck reader: then every update serves');
my @cities2 = ((map { "Memville$_" } 1 .. 10), @RICH_CITIES, 'Stuckville');
@inc = answers($node, 'postgres', \@cities2, \@hotels);
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
@full = answers($node, 'postgres', \@cities2, \@hotels);
compare_answers(\@inc, \@full, 'stuck reader: incremental against full');
$mon->quit;

is(worker_pid($node), $worker, 'the same worker applied every update');
is(status_of($node, 'postgres', 'failed_refreshes'), '0', 'no refresh failed');
my $log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP:|terminated by signal/, 'no crash');
note(sprintf('%.1f s', time - $t_start));
$node->stop;
done_testing();
