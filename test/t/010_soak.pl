# Memory stays flat across refreshes (doc/memory.md).
#
# The seed of this project is a pricing engine whose memory doubled on every
# refresh: its loader thread allocated the data, request threads freed it,
# and mimalloc only reclaims such frees when the allocating thread allocates
# again.  Here the worker allocates and frees every generation itself.  This
# test runs many refreshes while reader clients call pricing.cheapest without
# pause, and checks that nothing grows:
#   - arena bytes in use after the last refresh (and after every one, once
#     the old generation is freed) are within 2% of those after the first
#     (one generation), and never above two generations plus one mimalloc
#     segment, even as pricing.refresh(true) returns with the old generation
#     still there;
#   - the worker's private memory (RssAnon) after the last refresh is within
#     10% of its value after the tenth, and the shared pages it has touched
#     (RssShmem: the arena is shared memory) grow by less than half a
#     generation beyond what the source tables grew (the worker reads their
#     pages in shared buffers, and every change adds row versions), a
#     measure that does not rely on the extension's own accounting;
#   - every refresh completed, every query succeeded with the right answer;
#   - the data changes all along: before each refresh the driver reprices
#     and changes the availability of one hotel's later nights (which the
#     readers' stays do not touch, so their answers stay fixed), and every
#     tenth refresh the index is compared with the plain-SQL reference on
#     stays over those nights.
# A generation here is about 5 MB and a half of the arena 64 MiB: a leak of
# one generation per refresh would fill the half within a dozen refreshes
# and make the next one fail.
#
# PRICING_SOAK_REFRESHES (default 200) sets the number of refreshes,
# PRICING_SOAK_CLIENTS (default 3) the number of reader clients, and
# PRICING_SOAK_CSV names a file to receive one line per refresh (the data
# behind doc/memory.png, see test/memory-plot.sh).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use PricingTest;
use PricingMemory;

my $refreshes = $ENV{PRICING_SOAK_REFRESHES} // 200;
my $nclients = $ENV{PRICING_SOAK_CLIENTS} // 3;
my $csv_path = $ENV{PRICING_SOAK_CSV};
die "PRICING_SOAK_REFRESHES must be at least 20" unless $refreshes =~ /^\d+$/ && $refreshes >= 20;
die "PRICING_SOAK_CLIENTS must be at least 1" unless $nclients =~ /^\d+$/ && $nclients >= 1;

# mimalloc 2.0's segment, the unit in which its arenas hand out memory
my $segment = 32 * MIB;

my $node = new_pricing_node(
	'soak',
	'pricing.shared_memory' => "'128MB'",
	'pricing.horizon_days' => '400',
	max_connections => '50');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
# 1000 hotels of 2 rooms with 31 nights of rates: 62000 rates, a refresh of a
# few tens of milliseconds, and a generation of about 5 MB (402 nights of
# arrays per room).
load_city($node, 'postgres', city => 'Soakville', hotels => 1000, rooms => 2,
	from => -1, to => 30);
# and what version 1.1 adds, so that its structures (plans, occupancy rows,
# exchange rates) are built and freed with every generation too; plan 0
# stays the standard one and the occupancy rows are for one guest, so that
# cheapest (plan 0, two guests) keeps the 1.0 reference's answers
$node->safe_psql('postgres', q{
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable, adjust_percent, min_stay)
SELECT hotel_id, p, 'plan ' || p, CASE p WHEN 2 THEN 'breakfast' ELSE 'room_only' END,
       CASE p WHEN 2 THEN 12 ELSE 0 END, p <> 1, CASE p WHEN 1 THEN -10 ELSE 0 END, p
  FROM pricing.hotel, generate_series(1, 2) AS p WHERE city = 'Soakville';
INSERT INTO pricing.occupancy SELECT hotel_id, room_id, 1, -15 FROM pricing.room;
INSERT INTO pricing.exchange_rate VALUES ('EUR', 1), ('USD', 0.92), ('GBP', 1.17);
UPDATE pricing.hotel SET currency = 'USD' WHERE hotel_id % 3 = 0 AND city = 'Soakville';
});
# serving before the soak counts its refreshes
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
ok($node->poll_query_until('postgres',
		'SELECT hotels = 1000 AND generations = 1 FROM pricing.status'),
	'the data is loaded without a call to refresh');
is( cheapest($node, 'postgres', city => 'Soakville', from => 2, to => 5),
	reference($node, 'postgres', city => 'Soakville', from => 2, to => 5),
	'the index agrees with the reference before the soak');

my $worker = worker_pid($node);
my $failed0 = status_of($node, 'postgres', 'failed_refreshes');
my $refreshes0 = status_of($node, 'postgres', 'refreshes');
my $gen0 = status_of($node, 'postgres', 'generation');
my $log0 = log_offset($node);

my $readers = start_readers($node, 'postgres',
	clients => $nclients, city => 'Soakville',
	deadline_secs => 600 + 3 * $refreshes);
note("$nclients reader clients running");

my $driver = psql_session($node, 'postgres');
my $status_sql = 'SELECT generation, generations, arena_bytes_used, arena_bytes_committed FROM pricing.status';

# Wait (bounded) until the retired generation is gone; returns the status
# line then (generation, generations, arena_bytes_used,
# arena_bytes_committed), with one generation live.  pricing.refresh(true)
# returns as soon as the new generation serves; the worker frees the old one
# right after, or when the last call reading it returns.
sub one_generation
{
	for (1 .. 600)
	{
		my ($out) = $driver->query($status_sql);
		my @f = split /\|/, $out;
		return @f if @f == 4 && $f[1] == 1;
		usleep(10_000);
	}
	return;
}

my ($csv);
if ($csv_path)
{
	open($csv, '>', $csv_path) or die "cannot write $csv_path: $!";
	print $csv "refresh,generation,generations_at_publish,arena_bytes_used_at_publish,"
	  . "arena_bytes_committed_at_publish,arena_bytes_used,arena_bytes_committed,"
	  . "worker_rss_anon,worker_rss_shmem\n";
}

# Per refresh: the status just after pricing.refresh(true) returned (the
# new generation serves; the old one may still be there), then once the old
# one is gone (one generation), and the worker's memory then.
my (@peak_used, @peak_committed, @used, @committed);
my ($mem10, $mem_last, $bad_refreshes, $bad_gens, $not_freed) =
  (undef, undef, 0, 0, 0);
my $expect_gen = $gen0;
my ($compared, $mismatches) = (0, 0);
my $tables_sql = q{SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
 WHERE c.relnamespace = 'pricing'::regnamespace AND c.relkind = 'r'};
my $tables10;
for my $i (1 .. $refreshes)
{
	# a change to nights the readers do not ask for; its commit wakes the
	# worker too, so a round may take one refresh or two
	my $hotel = 1 + ($i * 37) % 1000;
	my ($ch_out, $ch_err) = $driver->query(qq{BEGIN;
UPDATE pricing.rate
   SET price = 40 + (hotel_id * 7 + room_id * 13 + $i) % 150, available = ($i + room_id) % 3
 WHERE hotel_id = (SELECT hotel_id FROM pricing.hotel WHERE city = 'Soakville' ORDER BY hotel_id OFFSET $hotel - 1 LIMIT 1)
   AND stay_date BETWEEN current_date + 12 AND current_date + 25;
UPDATE pricing.rate_plan SET adjust_percent = -($i % 40) WHERE plan_id = 1
   AND hotel_id = (SELECT hotel_id FROM pricing.hotel WHERE city = 'Soakville' ORDER BY hotel_id OFFSET $hotel - 1 LIMIT 1);
UPDATE pricing.exchange_rate SET per_unit = 0.9 + ($i % 10) / 100.0 WHERE currency = 'USD';
COMMIT;});
	diag("refresh $i: the change failed: $ch_err") if $ch_err ne '';
	my ($out, $err) =
	  $driver->query("SELECT pricing.refresh(true);\n$status_sql");
	my ($gen, $stat) = split /\n/, $out;
	$expect_gen++;
	$expect_gen = $gen if defined $gen && $gen =~ /^\d+$/ && $gen > $expect_gen;
	if ($i % 10 == 0)
	{
		for my $stay ([ 12, 15 ], [ 20, 24 ], [ 11, 13 ])
		{
			my %o = (city => 'Soakville', from => $stay->[0], to => $stay->[1]);
			my ($idx) = $driver->query(PricingTest::cheapest_query(%o));
			my ($ref) = $driver->query(PricingTest::reference_query(%o));
			$compared++;
			if ($idx ne $ref)
			{
				$mismatches++;
				diag("refresh $i, stay @$stay: index $idx, reference $ref") if $mismatches <= 3;
			}
		}
	}
	if ($err ne '' || !defined $gen || $gen ne $expect_gen || !defined $stat)
	{
		$bad_refreshes++;
		diag("refresh $i: expected generation $expect_gen, got '"
			  . ($gen // '') . "': $err")
		  if $bad_refreshes <= 3;
		# go on from the generation now serving
		my @lines = split /\n/, $out;
		$expect_gen = $1 if @lines && $lines[-1] =~ /^(\d+)\|/;
		next;
	}
	my (undef, $ngen, $pu, $pc) = split /\|/, $stat;
	$bad_gens++ if $ngen > 2;
	push @peak_used, $pu;
	push @peak_committed, $pc;

	my @one = $ngen == 1 ? split(/\|/, $stat) : one_generation();
	if (!@one || $one[0] != $gen)
	{
		$not_freed++;
		diag("refresh $i: the old generation was not freed") if $not_freed <= 3;
		next;
	}
	my ($u, $c) = @one[2, 3];
	push @used, $u;
	push @committed, $c;

	my $mem = process_memory($worker);
	$mem10 = $mem if $i == 10;
	# the source tables grow with every change (new row versions), and the
	# worker reads their pages in shared buffers, which counts in RssShmem
	($tables10) = $driver->query($tables_sql) if $i == 10;
	$mem_last = $mem if $i == $refreshes;
	printf $csv "%d,%d,%d,%d,%d,%d,%d,%d,%d\n", $i, $gen, $ngen, $pu, $pc, $u, $c,
	  $mem ? $mem->{RssAnon} : 0, $mem ? $mem->{RssShmem} : 0
	  if $csv;
}
close $csv if $csv;

is($bad_refreshes, 0,
	"all $refreshes rounds completed, each with a newer generation");
is($mismatches, 0, "the index agreed with the plain-SQL reference on all $compared stays compared while the data changed");
is($bad_gens, 0, 'never more than two generations live');
is(status_of($node, 'postgres', 'failed_refreshes'),
	$failed0, 'no refresh failed');
is(status_of($node, 'postgres', 'refreshes') - $refreshes0,
	status_of($node, 'postgres', 'generation') - $gen0, 'status.refreshes counts every refresh');
is(worker_pid($node), $worker, 'the same worker did every refresh');

# the readers ran from before the first refresh to after the last one
is(PricingMemory::readers_active($readers),
	$nclients, 'every reader client is still querying after the last refresh');
my @res = stop_readers($readers);
my $calls = 0;
for my $r (@res)
{
	ok($r->{ok}, "reader $r->{id} ended without error")
	  or diag("reader $r->{id}: $r->{err}");
	is($r->{wrong}, 0, "reader $r->{id}: every answer was right");
	cmp_ok($r->{calls}, '>', 0, "reader $r->{id} ran queries");
	$calls += $r->{calls};
}
note("the readers made $calls calls to pricing.cheapest during $refreshes refreshes");

# arena bytes
is($not_freed, 0, 'after every refresh the old generation was freed');
ok(@used == $refreshes, 'one generation measured after every refresh');
my ($used_first, $used_last) = ($used[0] // 1, $used[-1] // 0);
my ($committed_first, $committed_last) = ($committed[0] // 1, $committed[-1] // 0);
my ($max_peak, $max_peak_committed) = (0, 0);
for (@peak_used) { $max_peak = $_ if $_ > $max_peak; }
for (@peak_committed) { $max_peak_committed = $_ if $_ > $max_peak_committed; }
my @drift = grep { abs($_ - $used_first) > 0.02 * $used_first } @used;
note(sprintf(
		"arena: %d bytes after the first refresh, %d after the last (%.3f%%); "
		  . "peak %d (%.2f generations); committed %d, %d, peak %d",
		$used_first, $used_last,
		100 * ($used_last - $used_first) / $used_first,
		$max_peak, $max_peak / $used_first,
		$committed_first, $committed_last, $max_peak_committed));
cmp_ok(abs($used_last - $used_first),
	'<=', 0.02 * $used_first,
	'arena bytes after the last refresh are within 2% of those after the first');
is(scalar(@drift), 0,
	'arena bytes with one generation within 2% of the first after every refresh');
cmp_ok($max_peak, '<=', 2 * $used_first + $segment,
	'arena bytes never above two generations plus one mimalloc segment');
cmp_ok($max_peak_committed, '<=', 2 * $committed_first + $segment,
	'mimalloc committed bytes never above two generations plus one segment');
cmp_ok(abs($committed_last - $committed_first),
	'<=', 0.02 * $committed_first,
	'mimalloc committed bytes after the last refresh within 2% of the first');

# the generations the worker logged all have the size of the first
my $log = log_since($node, $log0);
my @sizes = $log =~ /pricing generation \d+ loaded: .*? (\d+) bytes in/g;
is(scalar(@sizes), status_of($node, 'postgres', 'generation') - $gen0, 'the worker logged every refresh');
my @off = grep { abs($_ - $used_first) > 0.02 * $used_first } @sizes;
is(scalar(@off), 0, 'every logged generation has the size of the first (2%)')
  or diag("sizes: @off[0 .. ($#off < 5 ? $#off : 5)]");
unlike($log, qr/is still pinned by the backend/,
	'no reader kept a generation pinned long enough to delay a refresh');

# the worker's memory as the kernel sees it
ok($mem10 && $mem_last, "the worker's memory was read from /proc/$worker/status");
if ($mem10 && $mem_last)
{
	note(sprintf(
			"worker RssAnon: %d kB after refresh 10, %d kB after refresh %d (%.2f%%); "
			  . "RssShmem: %d kB, %d kB",
			$mem10->{RssAnon} / 1024, $mem_last->{RssAnon} / 1024, $refreshes,
			100 * ($mem_last->{RssAnon} - $mem10->{RssAnon}) / $mem10->{RssAnon},
			$mem10->{RssShmem} / 1024, $mem_last->{RssShmem} / 1024));
	cmp_ok(abs($mem_last->{RssAnon} - $mem10->{RssAnon}),
		'<=', 0.10 * $mem10->{RssAnon},
		"the worker's private memory after the last refresh is within 10% of that after the tenth"
	);
	my ($tables_last) = $driver->query($tables_sql);
	my $grown = $tables_last - ($tables10 // $tables_last);
	note(sprintf('the source tables grew by %d bytes between refresh 10 and the last', $grown));
	cmp_ok($mem_last->{RssShmem} - $mem10->{RssShmem},
		'<', $used_first / 2 + $grown,
		'the shared memory the worker has touched grows by less than half a generation '
		  . '(beyond the growth of the source tables, whose pages it reads in shared buffers)');
}

is( cheapest($node, 'postgres', city => 'Soakville', from => 2, to => 5),
	reference($node, 'postgres', city => 'Soakville', from => 2, to => 5),
	'the index agrees with the reference after the soak');

$driver->quit;
$node->stop;
done_testing();
