# Arena exhaustion (doc/design.md, "The arena and its halves").
#
# Data that cannot fit in pricing.shared_memory makes the refresh fail with
# ERROR 53200 naming the setting and the bytes the index needs (in the log,
# in pricing.status.last_error and from pricing.refresh(true)); the old
# generation keeps answering; the next refresh that fits succeeds; and
# nothing of the failed builds stays behind, in either half of the arena.
#
# With pricing.shared_memory at its minimum (64MB) a generation may use one
# half, 32 MiB.  With pricing.horizon_days = 3650 every room that has a rate
# holds 3652 nights of arrays (21916 bytes), so a few hundred rooms make
# megabytes and a refresh stays fast.  The data that fits is about 17 MB,
# more than half of what a half holds: were a failed build (which fills its
# half before it gives up) not freed entirely, that data could no longer be
# built in the half where the failure happened.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;
use PricingMemory;

my $half = 32 * MIB;
my $ndays = 3650 + 2;
my $room_bytes = 4 * ($ndays + 1) + 2 * $ndays;    # cum[] and nights[]

my $node = new_pricing_node(
	'arena_full',
	'pricing.shared_memory' => "'64MB'",
	'pricing.horizon_days' => '3650');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample data is served');

# --- what fits -------------------------------------------------------------
my $fit_hotels = 700;
load_city($node, 'postgres', city => 'Fitville', hotels => $fit_hotels,
	first_id => 10000, from => 1, to => 6);
ok($node->poll_query_until('postgres',
		"SELECT hotels = 4 + $fit_hotels AND generations = 1 FROM pricing.status"),
	'Fitville is loaded');
my %stay = (city => 'Fitville', from => 2, to => 4);
my $fit_answer = cheapest($node, 'postgres', %stay);
isnt($fit_answer, '', 'Fitville has prices');
is($fit_answer, reference($node, 'postgres', %stay),
	'Fitville: the index agrees with the reference');

my ($gen_fit, $fit_used, $fit_committed, $total) = split /\|/,
  status_of($node, 'postgres',
	'generation, arena_bytes_used, arena_bytes_committed, arena_bytes_total');
note("Fitville: generation $gen_fit uses $fit_used bytes ($fit_committed committed)");
is($total, 2 * $half, 'status.arena_bytes_total is pricing.shared_memory (64MB)');
cmp_ok($fit_used, '>', $half / 2,
	'the data that fits takes more than half of a half');
cmp_ok($fit_used, '<', $half, 'and less than a half');
cmp_ok($fit_committed, '>=', $fit_used,
	'mimalloc committed at least the bytes in use');
is( $node->safe_psql('postgres',
		q{SELECT generation || ':' || state || ':' || arena_half || ':' || bytes_used || ':' || bytes_committed || ':' || readers || ':' || reader_pids::text FROM pricing.generations()}),
	"$gen_fit:serving:" . ($gen_fit % 2) . ":$fit_used:$fit_committed:0:{}",
	'pricing.generations() lists the serving generation, its half and bytes');
like(slurp_file($node->logfile),
	qr/pricing generation $gen_fit loaded: \d+ hotels, \d+ rooms, \d+ rates, $fit_used bytes in/,
	'the log line of the generation gives the same bytes');

my $worker = worker_pid($node);
my $mem0 = process_memory($worker);

# --- what does not fit, in each half in turn ------------------------------
my $big_hotels = 1000;
my $rooms_with_rates = 5 + $fit_hotels + $big_hotels;
my $gen = $gen_fit;
for my $round (1, 2)
{
	my $tried_half = ($gen + 1) % 2;
	my $r = "round $round (half $tried_half)";
	my $failed0 = status_of($node, 'postgres', 'failed_refreshes');
	my $log0 = log_offset($node);

	# the commit wakes the worker, whose refresh fails
	load_city($node, 'postgres', city => 'Bigtown', hotels => $big_hotels,
		first_id => 20000, from => 1, to => 6);
	ok($node->poll_query_until('postgres',
			"SELECT failed_refreshes > $failed0 FROM pricing.status"),
		"$r: the refresh woken by the new data fails");

	my ($rc, $out, $err) =
	  sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
	isnt($rc, 0, "$r: pricing.refresh(true) raises the error");
	like($err, qr/ERROR:\s+53200: pricing refresh failed: pricing index does not fit in pricing.shared_memory/,
		"$r: SQLSTATE 53200, naming pricing.shared_memory");
	my ($needed, $may) =
	  $err =~ /The index needs (\d+) bytes; a generation may use (\d+) bytes, half of pricing.shared_memory/;
	ok(defined $needed, "$r: the error says how many bytes the index needs")
	  or diag($err);
	$needed //= 0;
	$may //= 0;
	is($may, $half, "$r: and that a generation may use half of pricing.shared_memory");
	cmp_ok($needed, '>', $half, "$r: the bytes needed exceed a half");
	cmp_ok($needed, '>=', $rooms_with_rates * $room_bytes,
		"$r: the bytes needed count every room's nightly arrays");
	cmp_ok($needed, '<=', 2 * $rooms_with_rates * $room_bytes,
		"$r: and are of the right size");
	note("$r: needs $needed bytes, may use $may");

	my ($last_error, $serving, $live, $used, $committed) = split /\|/,
	  status_of($node, 'postgres',
		'last_error, generation, generations, arena_bytes_used, arena_bytes_committed');
	like($last_error,
		qr/^pricing index does not fit in pricing.shared_memory \(The index needs \d+ bytes; a generation may use $half bytes, half of pricing.shared_memory.\)$/,
		"$r: status.last_error names the setting and the bytes");
	my $log = log_since($node, $log0);
	like($log,
		qr/LOG:\s+pricing refresh failed: pricing index does not fit in pricing.shared_memory\n.*DETAIL:\s+The index needs \d+ bytes; a generation may use $half bytes, half of pricing.shared_memory.\n.*HINT:\s+Generation $gen keeps serving/,
		"$r: the log has the error, its detail and which generation keeps serving");
	is($serving, $gen, "$r: generation $gen keeps serving");
	is($live, 1, "$r: one generation is live");
	is($used, $fit_used, "$r: the arena holds only the serving generation");
	is($committed, $fit_committed,
		"$r: mimalloc holds only the serving generation's pages");
	is(cheapest($node, 'postgres', %stay), $fit_answer,
		"$r: the old generation answers Fitville");
	is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
		"$r: the old generation answers Testville");
	is(cheapest($node, 'postgres', city => 'Bigtown'), '',
		"$r: Bigtown is not served");

	# fail again and again in the same half
	my $fails = 0;
	for (1 .. 5)
	{
		my ($rc) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
		$fails++ if $rc != 0;
	}
	is($fails, 5, "$r: five more refreshes fail the same way");
	is( status_of($node, 'postgres',
			'generation || ' . q{' '} . ' || generations || ' . q{' '} . ' || arena_bytes_used'),
		"$gen 1 $fit_used",
		"$r: after them, still one generation and the same bytes");

	# make it fit: the next refresh succeeds, in the half that failed
	$node->safe_psql('postgres', q{DELETE FROM pricing.hotel WHERE city = 'Bigtown'});
	($rc, $out, $err) =
	  sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
	is($rc, 0, "$r: once the data fits, the refresh succeeds") or diag($err);
	ok($node->poll_query_until('postgres',
			"SELECT generation > $gen AND generations = 1 FROM pricing.status"),
		"$r: a new generation serves alone");
	my $newgen = status_of($node, 'postgres', 'generation');
	# generation g lives in half g % 2: the first success is built where
	# the failures were
	like(log_since($node, $log0),
		qr/pricing generation @{[$gen + 1]} loaded: \d+ hotels, \d+ rooms, \d+ rates, $fit_used bytes in/,
		"$r: generation @{[$gen + 1]} is built in half $tried_half, where the builds failed, with the same bytes as before"
	);
	is(status_of($node, 'postgres', 'last_error IS NULL'),
		't', "$r: status.last_error is cleared");
	is(status_of($node, 'postgres', 'arena_bytes_used'),
		$fit_used, "$r: the new generation has the same size as before the failures");
	is(cheapest($node, 'postgres', %stay), $fit_answer,
		"$r: the new generation answers Fitville");
	is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
		"$r: the new generation answers Testville");
	# the next round tries the other half
	$gen = $newgen;
	if (($gen + 1) % 2 == $tried_half)
	{
		$gen = $node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
	}
}

# --- nothing stayed behind ------------------------------------------------
ok($node->poll_query_until('postgres',
		'SELECT generations = 1 FROM pricing.status'),
	'one generation live at the end');
is(status_of($node, 'postgres', 'arena_bytes_used || ' . q{' '} . ' || arena_bytes_committed'),
	"$fit_used $fit_committed",
	'the arena holds exactly what it held before the failures');
is(worker_pid($node), $worker, 'the same worker did every refresh');
my $mem1 = process_memory($worker);
ok($mem0 && $mem1, "the worker's memory was read from /proc");
if ($mem0 && $mem1)
{
	note(sprintf("worker RssAnon: %d kB before the failures, %d kB after",
			$mem0->{RssAnon} / 1024, $mem1->{RssAnon} / 1024));
	cmp_ok($mem1->{RssAnon}, '<=', 1.10 * $mem0->{RssAnon},
		"the worker's private memory grew by less than 10% through the failures");
}

$node->stop;
done_testing();
