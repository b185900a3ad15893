# Two-phase commit and the change notification.  A prepared transaction
# commits later, in whatever session runs COMMIT PREPARED, where nothing
# tells the worker that the tables changed; and it would hold its backend's
# row of pricing.change_counter locked until then.  So a transaction that
# changed a source table cannot be prepared (as one that ran NOTIFY cannot);
# other transactions still can.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('two_phase', max_prepared_transactions => '4');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'the sample is served');

my $price_sql =
  q{SELECT sum(price) FROM pricing.rate WHERE hotel_id = 1};
my $price_before = $node->safe_psql('postgres', $price_sql);

my ($rc, $out, $err) = sql_error($node, 'postgres', q{
BEGIN;
UPDATE pricing.rate SET price = price + 1 WHERE hotel_id = 1;
PREPARE TRANSACTION 'pricing_change';
});
isnt($rc, 0, 'preparing a transaction that changed a source table fails');
like($err, qr/0A000/, 'with SQLSTATE 0A000');
like($err, qr/cannot PREPARE a transaction that has changed pricing source tables/,
	'and a message saying why');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'),
	'0', 'nothing was prepared');
is($node->safe_psql('postgres', $price_sql), $price_before,
	'the change was rolled back');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, 'the index is unchanged');

# A transaction that only read the tables can be prepared and committed.
$node->safe_psql('postgres', q{
BEGIN;
SELECT count(*) FROM pricing.rate;
PREPARE TRANSACTION 'pricing_read';
});
is($node->safe_psql('postgres', 'SELECT gid FROM pg_prepared_xacts'),
	'pricing_read', 'a reading transaction is prepared');
$node->safe_psql('postgres', q{COMMIT PREPARED 'pricing_read'});

# Writers in new sessions are not blocked by anything left behind, and
# their committed changes reach the index without a refresh call.
$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2;
});
wait_serving($node, 'postgres', '2:2:297.00,1:1:309.00,3:1:430.00',
	'a later committed change is served');

$node->stop;
done_testing();
