# As whom the refresh worker reads the source tables.
#
# It connects as the bootstrap superuser (it must connect before the
# extension exists) but reads the tables as their owner, the extension's
# owner, in a security-restricted operation, as PostgreSQL's maintenance
# commands run as the table owner.  There is no role of its own: none that
# could be missing, altered, or left behind by DROP EXTENSION.
#
# The extension's owner here is a role that created it as a superuser and
# was made an ordinary role afterwards, so its privileges, not a
# superuser's, decide what the worker may read.
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
$node->safe_psql('postgres', q{
CREATE ROLE ext_owner SUPERUSER LOGIN;
SET ROLE ext_owner;
CREATE EXTENSION pricing;
});
{
	local $ENV{PGUSER} = 'ext_owner';
	load_sample_data($node, 'postgres');
}
$node->safe_psql('postgres', 'ALTER ROLE ext_owner NOSUPERUSER');
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
	'an extension owner that is no longer a superuser: the worker reads its tables');

is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_roles WHERE rolname LIKE 'pricing%'
		   AND (rolsuper OR rolcanlogin OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)}),
	'0', 'the extension makes no role with any attribute');
is( $node->safe_psql('postgres',
		q{SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'pricing%'}),
	'pricing_admin,pricing_booker,pricing_reader', 'and no role for the worker');

# the owner's privileges decide: without SELECT on a table read through SPI
$node->safe_psql('postgres', 'REVOKE SELECT ON pricing.fee FROM ext_owner');
my ($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'a refresh after the owner lost SELECT on pricing.fee fails');
like($err, qr/42501/, 'with SQLSTATE 42501');
like($err, qr/permission denied for table fee/, 'naming the table');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'the old generation serves');
$node->safe_psql('postgres', 'GRANT SELECT ON pricing.fee TO ext_owner');
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'with the privilege back, the refresh succeeds');

# and on the table the loader scans directly
$node->safe_psql('postgres', 'REVOKE SELECT ON pricing.rate FROM ext_owner');
($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'a refresh after the owner lost SELECT on pricing.rate fails');
like($err, qr/permission denied for table rate/, 'naming the table');
$node->safe_psql('postgres', 'GRANT SELECT ON pricing.rate TO ext_owner');
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'with the privilege back, the refresh succeeds');

# the owner's rights reach only the extension's own tables: a source table
# given to another role, or a schema "pricing" that is not the extension's,
# stops refreshes (42501) instead of being read with them
$node->safe_psql('postgres', 'CREATE ROLE table_taker');
for my $t ('hotel', 'room', 'rate', 'discount', 'fee')
{
	$node->safe_psql('postgres', "ALTER TABLE pricing.$t OWNER TO table_taker");
	($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
	like($err, qr/42501: pricing refresh failed: table pricing\.$t is not an ordinary table owned by the owner of extension "pricing"/,
		"pricing.$t owned by another role: the refresh refuses it");
	$node->safe_psql('postgres', "ALTER TABLE pricing.$t OWNER TO ext_owner");
}
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'with the tables given back, the refresh succeeds');
$node->safe_psql('postgres', q{
ALTER SCHEMA pricing RENAME TO pricing_moved;
CREATE SCHEMA pricing;
CREATE TABLE pricing.hotel (LIKE pricing_moved.hotel);
});
($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing_moved.refresh(true)');
like($err, qr/42501: pricing refresh failed: schema "pricing" is not the schema of extension "pricing"/,
	'a schema "pricing" that is not the extension\'s: the refresh refuses it');
$node->safe_psql('postgres', q{
DROP SCHEMA pricing CASCADE;
ALTER SCHEMA pricing_moved RENAME TO pricing;
});
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'with the schema back, the refresh succeeds');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'and serves as before');

# row-level security, even forced on the owner, does not thin out the index
# (and readers to whom it applies are refused: sql/security.sql)
$node->safe_psql('postgres', q{
ALTER TABLE pricing.hotel ENABLE ROW LEVEL SECURITY;
ALTER TABLE pricing.hotel FORCE ROW LEVEL SECURITY;
CREATE POLICY none ON pricing.hotel USING (false);
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM pricing.hotel', extra_params => [ '-U', 'ext_owner' ]),
	'0', 'the policy hides every hotel from the owner\'s own queries');
like($node->safe_psql('postgres', 'SELECT pricing.refresh(true)'),
	qr/^\d+$/, 'a refresh with that policy succeeds');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'and the index still has every hotel');
$node->safe_psql('postgres', q{
DROP POLICY none ON pricing.hotel;
ALTER TABLE pricing.hotel NO FORCE ROW LEVEL SECURITY;
ALTER TABLE pricing.hotel DISABLE ROW LEVEL SECURITY;
});

# DROP EXTENSION leaves no role that could read around row security
$node->safe_psql('postgres', 'DROP EXTENSION pricing');
is( $node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_roles WHERE rolname LIKE 'pricing%' AND (rolbypassrls OR rolcanlogin)}),
	'0', 'after DROP EXTENSION no role of the extension bypasses row security or logs in');

$node->stop;
done_testing();
