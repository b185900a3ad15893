# pricing.database names the database the worker loads; it may not exist yet
# when the server starts.  The worker must cope (without taking the server
# down) and load the data once the database, the extension and the data are
# there, without a call to refresh.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node('other_database', 'pricing.database' => "'shop'");
$node->start;

# Before the index is loaded, every reader says so, whatever it is asked.
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
for my $call (@READER_CALLS)
{
	my ($rc, $out, $err) = sql_error($node, 'postgres', $call);
	like($err, qr/ERROR:  55000: pricing index is not loaded yet/,
		"no index yet: $call: 55000");
	like($err, qr/HINT:  The refresh worker loads it at startup and after changes; call pricing.refresh\(\) to wait for it, and see pricing.status for errors./,
		"no index yet: $call: with its hint");
	is($out, '', "no index yet: $call: no rows");
}

$node->safe_psql('postgres', 'CREATE DATABASE shop');
load_sample_data($node, 'shop');
wait_serving($node, 'shop', $SAMPLE_CHEAPEST,
	'the worker loads the database created after server start');
is(status_of($node, 'shop', 'database'), 'shop', 'status.database is shop');

# In another database, every reader says the index serves "shop",
# whatever it is asked.
for my $call (@READER_CALLS)
{
	my ($rc, $out, $err) = sql_error($node, 'postgres', $call);
	like($err, qr/ERROR:  55000: pricing index serves another database/,
		"another database: $call: 55000");
}

# The extension in another database is not what the worker loads.
$node->safe_psql(
	'postgres', q{
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (9, 'Testville', 'Elsewhere');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (9, 1, 'Cheap', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 9, 1, d::date, 1.00 FROM generate_series(current_date - 1, current_date + 30, interval '1 day') d;
});
$node->safe_psql('shop', 'SELECT pricing.refresh(true)');
is(cheapest($node, 'shop'), $SAMPLE_CHEAPEST,
	'rows in the pricing tables of another database do not reach the index');

# A change in shop still arrives by itself.
$node->safe_psql('shop',
	q{UPDATE pricing.rate SET price = 90.00 WHERE hotel_id = 2 AND room_id = 2});
wait_serving($node, 'shop', '2:2:297.00,1:1:309.00,3:1:430.00',
	'a committed change in shop becomes visible without a call to refresh');

$node->stop;
done_testing();
