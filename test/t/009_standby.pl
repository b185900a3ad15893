# A hot standby builds and serves its own index from the replayed tables
# (doc/design.md: the worker starts once the server is consistent).  Replayed
# changes fire no trigger there; the standby's worker notices them by itself
# (README: it watches pricing.change_counter), and pricing.refresh() and the
# refresh interval work there too.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my ($primary, $standby) = new_primary_and_standby();

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
	't', 'the standby is in recovery');
wait_serving($standby, 'postgres', $SAMPLE_CHEAPEST,
	'the standby builds and serves its own index');
like(worker_pid($standby), qr/^\d+$/, 'the standby has its refresh worker');

# A replayed change arrives by itself (refresh_interval is 0).
$primary->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 100.00 WHERE hotel_id = 2 AND room_id = 2});
wait_serving($primary, 'postgres', '1:1:309.00,2:2:330.00,3:1:430.00',
	'the primary sees its change');
wait_serving($standby, 'postgres', '1:1:309.00,2:2:330.00,3:1:430.00',
	'the standby serves a replayed change without a call to refresh');

# A replayed change is there right after refresh(true) on the standby.
$primary->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2});
$primary->wait_for_catchup($standby);
my $out = $standby->safe_psql('postgres',
	'SELECT pricing.refresh(true) > 0; ' . cheapest_query());
is($out, "t\n2:2:297.00,1:1:309.00,3:1:430.00",
	'refresh(true) on the standby serves the replayed change');

# With a refresh interval as well.
$standby->append_conf('postgresql.conf', "pricing.refresh_interval = '1s'");
$standby->reload;
$primary->safe_psql('postgres',
	q{UPDATE pricing.rate SET price = 80.00 WHERE hotel_id = 2 AND room_id = 2});
wait_serving($standby, 'postgres', '2:2:264.00,1:1:309.00,3:1:430.00',
	'with refresh_interval the standby picks up a replayed change by itself');
is(status_of($standby, 'postgres', 'last_error IS NULL'), 't',
	'no error on the standby');

$standby->stop;
$primary->stop;
done_testing();
