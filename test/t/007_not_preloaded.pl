# Without shared_preload_libraries the extension can be created and its
# tables filled, but the query functions refuse with SQLSTATE 55000 and a
# hint.  Adding the library and restarting makes the worker load the data
# that is already there (the first load), without a call to refresh.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = PostgreSQL::Test::Cluster->new('not_preloaded');
$node->init;
$node->append_conf('postgresql.conf', "pricing.refresh_interval = '0'");
$node->start;

is(
	$node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pricing refresh worker'}),
	'0',
	'no refresh worker without shared_preload_libraries');

# CREATE EXTENSION (which loads the library into the backend) and data
# changes work; the change triggers must not fail.
my ($rc, $out, $err) = sql_error($node, 'postgres', 'CREATE EXTENSION pricing');
is($rc, 0, 'CREATE EXTENSION works without shared_preload_libraries')
  or diag($err);
if ($rc != 0)
{
	$node->stop;
	done_testing();
	exit 0;
}
load_sample_data($node, 'postgres');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pricing.rate'),
	'160', 'the data went into the tables');

for my $call (@READER_CALLS, q{SELECT pricing.refresh(true)})
{
	($rc, $out, $err) = sql_error($node, 'postgres', $call);
	isnt($rc, 0, "not preloaded: $call fails");
	like($err, qr/55000/, "not preloaded: $call: SQLSTATE 55000");
	like($err, qr/HINT:.*shared_preload_libraries/,
		"not preloaded: $call: the hint names shared_preload_libraries");
}

# Now preload it: the data already in the tables is loaded at start.
$node->append_conf(
	'postgresql.conf', q{
shared_preload_libraries = 'pricing'
pricing.database = 'postgres'
pricing.shared_memory = '128MB'
pricing.horizon_days = 60
});
$node->restart;
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST,
	'after the restart with the library preloaded the index serves without a call to refresh');
is(cheapest($node, 'postgres'), reference($node, 'postgres'),
	'index agrees with the reference computed from the tables');

$node->stop;
done_testing();
