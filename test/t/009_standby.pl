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

# The readers of 1.1 answer on the standby as on the primary, on data using
# the tables and columns of 1.1, replayed.
$primary->safe_psql('postgres', q{
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable, cancel_days, adjust_percent, min_stay)
SELECT hotel_id, p, 'plan ' || p, (ARRAY['room_only', 'breakfast', 'half_board'])[p + 1],
       5 * p, p <> 1, p, CASE p WHEN 1 THEN -12 ELSE 0 END, 1 + p
  FROM pricing.hotel, generate_series(0, 2) AS p;
INSERT INTO pricing.occupancy SELECT hotel_id, room_id, 1, -20 FROM pricing.room;
INSERT INTO pricing.exchange_rate VALUES ('EUR', 1), ('USD', 0.9);
UPDATE pricing.hotel SET currency = 'USD', child_age = 10 WHERE hotel_id = 2;
UPDATE pricing.rate SET closed_to_departure = true WHERE hotel_id = 1 AND stay_date = current_date + 6;
});
$primary->wait_for_catchup($standby);
my $readers11 = q{
SELECT string_agg(s::text, ';' ORDER BY k) FROM (
  SELECT 1 AS k, array_agg(x ORDER BY o)::text AS s
    FROM pricing.search('Testville', current_date + 3, current_date + 6, 1, '{4,11}', currency => 'EUR')
         WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board, fcu, total, currency, o)
  UNION ALL SELECT 2, array_agg(x ORDER BY o)::text
    FROM pricing.offers(2, current_date + 3, current_date + 6, 2, '{1,10}')
         WITH ORDINALITY AS x(room_id, plan_id, plan_name, board, fcu, nights, base, extra, discount,
                              board_fees, fees, vat, city_tax, total, currency, o)
  UNION ALL SELECT 3, array_agg(x ORDER BY o)::text
    FROM pricing.explain(1, current_date + 4, current_date + 6, 2, '{}')
         WITH ORDINALITY AS x(room_id, plan_id, reason, night, o)) q};
my $on_primary = $primary->safe_psql('postgres', "SELECT pricing.refresh(true) > 0; $readers11");
my $on_standby = $standby->safe_psql('postgres', "SELECT pricing.refresh(true) > 0; $readers11");
like($on_primary, qr/closed_to_departure/, 'the primary explains the replayed restriction');
like($on_primary, qr/EUR/, 'the primary converts');
is($on_standby, $on_primary, 'search, offers and explain answer on the standby as on the primary');

$standby->stop;
$primary->stop;
done_testing();
