# The refresh worker connects as the bootstrap superuser (it must connect
# before the extension exists) but reads the source tables as the role
# pricing_worker, which has SELECT on them and nothing else: taking that
# privilege away makes refreshes fail, giving it back makes them work.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('worker_role');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample is served');

is( $node->safe_psql('postgres',
		q{SELECT rolsuper, rolcanlogin, rolbypassrls FROM pg_roles WHERE rolname = 'pricing_worker'}),
	'f|f|t',
	'pricing_worker is no superuser, cannot log in, and bypasses row security');

# without SELECT on a table read through SPI
$node->safe_psql('postgres', 'REVOKE SELECT ON pricing.fee FROM pricing_worker');
my ($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'a refresh without SELECT on pricing.fee fails');
like($err, qr/42501/, 'with SQLSTATE 42501');
like($err, qr/permission denied for table fee/, 'naming the table');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'the old generation serves');
$node->safe_psql('postgres', 'GRANT SELECT ON pricing.fee TO pricing_worker');
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'with the privilege back, the refresh succeeds');

# without SELECT on the table the loader scans directly
$node->safe_psql('postgres', 'REVOKE SELECT ON pricing.rate FROM pricing_worker');
($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'a refresh without SELECT on pricing.rate fails');
like($err, qr/permission denied for table rate/, 'naming the table');
$node->safe_psql('postgres', 'GRANT SELECT ON pricing.rate TO pricing_worker');

# row-level security does not thin out the index
$node->safe_psql('postgres', q{
ALTER TABLE pricing.hotel ENABLE ROW LEVEL SECURITY;
ALTER TABLE pricing.hotel FORCE ROW LEVEL SECURITY;
CREATE POLICY none ON pricing.hotel USING (false);
});
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'a refresh with a row security policy that hides every hotel succeeds');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'and the index still has every hotel');

$node->stop;
done_testing();
