# (d) A refresh that fails keeps the serving generation, reports the error in
# pricing.status.last_error and through refresh(true); once the cause is
# gone the next refresh succeeds and clears last_error.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('failed_refresh');
$node->start;
load_sample_data($node, 'postgres');
wait_serving($node, 'postgres', $SAMPLE_CHEAPEST, 'sample data loaded');

my $gen0 = status_of($node, 'postgres', 'generation');
my $failed0 = status_of($node, 'postgres', 'failed_refreshes');
my $quote_sql = q{SELECT string_agg(concat_ws(':', room_id, nights, base, extra, discount, fees, vat, city_tax, total), ',' ORDER BY total, room_id)
  FROM pricing.quote(2, current_date + 5, current_date + 8, 2)};
my $quote0 = $node->safe_psql('postgres', $quote_sql);
is( $quote0,
	'2:3:345.00:0.00:0.00:0.00:34.50:0.00:379.50,1:3:360.00:0.00:0.00:0.00:36.00:0.00:396.00',
	'quote before the failure');

# Break the source tables: the worker can no longer read rate.price.
$node->safe_psql('postgres',
	'ALTER TABLE pricing.rate RENAME COLUMN price TO p');

my ($rc, $out, $err) =
  sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'refresh(true) raises an error when the refresh fails');
like($err, qr/ERROR/, 'the error is an ERROR');
like($err, qr/price/, 'the error names the missing column');
note("refresh(true) said: $err");

is(status_of($node, 'postgres', 'last_error IS NOT NULL'),
	't', 'status.last_error is set');
like(status_of($node, 'postgres', 'last_error'),
	qr/price/, 'status.last_error tells the cause');
is(status_of($node, 'postgres', 'generation'),
	$gen0, 'the old generation is still serving');
cmp_ok(status_of($node, 'postgres', 'failed_refreshes'),
	'>', $failed0, 'status.failed_refreshes counts the failure');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
	'the old generation answers cheapest correctly');
is($node->safe_psql('postgres', $quote_sql),
	$quote0, 'the old generation answers quote correctly');

# A committed change while the tables are broken wakes the worker, whose
# refresh fails again; the old answers stay.
my $failed1 = status_of($node, 'postgres', 'failed_refreshes');
$node->safe_psql('postgres',
	q{UPDATE pricing.rate SET p = 90.00 WHERE hotel_id = 2 AND room_id = 2});
ok( $node->poll_query_until(
		'postgres',
		"SELECT failed_refreshes > $failed1 FROM pricing.status"),
	'a committed change triggers another refresh, which fails too');
is(status_of($node, 'postgres', 'generation'),
	$gen0, 'the old generation is still serving');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST,
	'the old generation still answers cheapest correctly');
($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
isnt($rc, 0, 'refresh(true) still raises an error');

# Undo the cause: the next refresh succeeds and carries the change made in
# the meantime (hotel 2 room 2 at 90.00: 270.00 + 27.00 VAT = 297.00).
$node->safe_psql('postgres',
	'ALTER TABLE pricing.rate RENAME COLUMN p TO price');
($rc, $out, $err) = sql_error($node, 'postgres', 'SELECT pricing.refresh(true)');
is($rc, 0, 'refresh(true) succeeds once the cause is undone') or diag($err);
cmp_ok($out, '>', $gen0, 'and returns a newer generation');
is(status_of($node, 'postgres', 'last_error IS NULL'),
	't', 'status.last_error is NULL again');
is(cheapest($node, 'postgres'), '2:2:297.00,1:1:309.00,3:1:430.00',
	'the new generation has the change made while refreshes failed');
is(cheapest($node, 'postgres'), reference($node, 'postgres'),
	'index agrees with the reference computed from the tables');

# A failure found by the worker on its own (no refresh call) is reported too,
# and a later data change after the repair refreshes by itself.
my $gen1 = status_of($node, 'postgres', 'generation');
my $failed2 = status_of($node, 'postgres', 'failed_refreshes');
$node->safe_psql(
	'postgres', q{
ALTER TABLE pricing.hotel RENAME COLUMN city TO town;
UPDATE pricing.hotel SET stars = 4 WHERE hotel_id = 1;
});
ok( $node->poll_query_until(
		'postgres',
		"SELECT failed_refreshes > $failed2 AND last_error IS NOT NULL FROM pricing.status"
	),
	'a refresh woken by a change fails and sets last_error');
is(status_of($node, 'postgres', 'generation'),
	$gen1, 'the serving generation is kept');
is(cheapest($node, 'postgres'), '2:2:297.00,1:1:309.00,3:1:430.00',
	'and answers correctly');
$node->safe_psql(
	'postgres', q{
ALTER TABLE pricing.hotel RENAME COLUMN town TO city;
UPDATE pricing.rate SET price = 10.00 WHERE hotel_id = 3;
});
# Hotel 3: 30.00 - 3.00 + 25.00 = 52.00
wait_serving(
	$node, 'postgres',
	'3:1:52.00,2:2:297.00,1:1:309.00',
	'after the repair a committed change refreshes by itself');
is(status_of($node, 'postgres', 'last_error IS NULL'),
	't', 'status.last_error is NULL again');

# The arena does not keep the memory of the failed builds.
is(status_of($node, 'postgres', 'generations <= 2'),
	't', 'at most two generations live');

$node->stop;
done_testing();
