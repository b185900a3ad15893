# (f) Each generation lives in its own memory context, named after it, that
# pg_log_backend_memory_contexts(<worker pid>) shows in the server log; old
# generations are freed, so the arena does not grow with the number of
# refreshes.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('memory');
$node->start;
load_sample_data($node, 'postgres');
load_bulk_data($node, 'postgres', 2000);
ok( $node->poll_query_until(
		'postgres', 'SELECT hotels FROM pricing.status', '2004'),
	'bulk data loaded without a call to refresh');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data served');
is( cheapest($node, 'postgres', city => 'Bulkville', max_results => 20),
	reference($node, 'postgres', city => 'Bulkville', max_results => 20),
	'bulk data: index agrees with the reference');

# Ask the worker to log its memory contexts; return the names of the
# 'pricing generation' contexts it logged.
sub logged_generation_contexts
{
	my ($pid) = @_;
	my $offset = -s $node->logfile;
	is($node->safe_psql('postgres', "SELECT pg_log_backend_memory_contexts($pid)"),
		't', 'pg_log_backend_memory_contexts(worker pid)');
	my $ok = eval {
		$node->wait_for_log(qr/\[$pid\].*?LOG:\s+Grand total:/, $offset);
		1;
	};
	ok($ok, 'the worker logs its memory contexts');
	my $log = slurp_file($node->logfile, $offset);
	my @lines = grep { /\[$pid\].*?LOG:\s+level: \d+; / } split /\n/, $log;
	note(scalar(@lines) . " context lines from the worker");
	my @gens;
	for (@lines)
	{
		push @gens, $1 if /level: \d+; pricing generation\D{0,3}(\d+)/;
	}
	return @gens;
}

my $pid = worker_pid($node);
my $gen = status_of($node, 'postgres', 'generation');
my @gens = logged_generation_contexts($pid);
ok((grep { $_ == $gen } @gens),
	"the serving generation $gen has a context 'pricing generation $gen'")
  or diag("generation contexts logged: @gens");
ok(@gens <= 2, 'at most two generation contexts live') or diag("@gens");

# Many refreshes of a few megabytes each: a generation that is never freed
# would fill the 128MB arena (the refresh would then fail) and the old
# generations' contexts would pile up.
my $used_first = status_of($node, 'postgres', 'arena_bytes_used');
my $total = status_of($node, 'postgres', 'arena_bytes_total');
cmp_ok($used_first, '>', 0, 'arena_bytes_used > 0');
cmp_ok($total, '>=', $used_first, 'arena_bytes_total >= arena_bytes_used');
my ($max_used, $max_gens, $fails) = (0, 0, 0);
for my $i (1 .. 30)
{
	my ($rc, $out, $err) = sql_error(
		$node, 'postgres', qq{
UPDATE pricing.rate SET price = price + 1 WHERE hotel_id = 100000 + $i;
SELECT pricing.refresh(true);
SELECT arena_bytes_used || ' ' || generations FROM pricing.status;});
	if ($rc != 0)
	{
		$fails++;
		diag("refresh $i failed: $err") if $fails <= 3;
		next;
	}
	my (undef, $stat) = split /\n/, $out;
	my ($used, $ngen) = split / /, $stat;
	$max_used = $used if $used > $max_used;
	$max_gens = $ngen if $ngen > $max_gens;
}
is($fails, 0, '30 refreshes of the bulk data succeed');
cmp_ok($max_gens, '<=', 2, 'never more than two generations live');
cmp_ok($max_used, '<=', $total, 'arena use stays within the arena');
# Steady use is one generation, peak about two.
cmp_ok($max_used, '<=', 3 * $used_first,
	'arena use does not grow with the number of refreshes');
is( cheapest($node, 'postgres', city => 'Bulkville', max_results => 20),
	reference($node, 'postgres', city => 'Bulkville', max_results => 20),
	'bulk data after the refreshes: index agrees with the reference');

$gen = status_of($node, 'postgres', 'generation');
@gens = logged_generation_contexts($pid);
ok((grep { $_ == $gen } @gens),
	"after the refreshes the serving generation $gen has its context")
  or diag("generation contexts logged: @gens");
ok(!(grep { $_ < $gen - 1 } @gens),
	'the contexts of older generations are gone')
  or diag("generation contexts logged: @gens");

# A shrinking data set frees memory again.
$node->safe_psql('postgres',
	q{DELETE FROM pricing.hotel WHERE city = 'Bulkville'});
wait_serving($node, 'postgres', '', 'the deleted city is gone from the index',
	city => 'Bulkville');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
ok( $node->poll_query_until(
		'postgres',
		"SELECT arena_bytes_used < $used_first FROM pricing.status"),
	'arena use drops after most of the data is deleted');

$node->stop;
done_testing();
