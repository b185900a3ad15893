# Stays at the longest pricing.max_nights allows (254), and pricing.max_nights
# changed by a reload.  These need server settings a pg_regress suite cannot
# make (pricing.max_nights is a sighup setting).
#
# 254 nights is where the index's one-byte run lengths and minimum stays
# (saturated at 255) and its 32-bit prefix sums (exact for nightly prices
# below 168430.09) stop being enough, so prices and minimum stays sit at
# those edges here.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $node = new_pricing_node(
	'long_stays',
	'pricing.max_nights' => '254',
	'pricing.horizon_days' => '300');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');

# Hotel 1, city 'Longa', nights + 1 .. + 299 (the window ends at + 300):
#   room 1 at 168430.08 a night, the largest price 32-bit prefix sums hold
#     exactly over 254 nights (16843008 cents; 254 x that < 2^32);
#   room 2 at 168430.09, one cent more: the loader keeps 64-bit sums for it;
#   room 3 at 10.00 with a minimum stay of 254 on night + 10;
#   room 4 at 5.00 with a minimum stay of 32767 (stored saturated) on + 10.
$node->safe_psql(
	'postgres', q{
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1, 'Longa', 'Long');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (1, 1, 'narrow', 2), (1, 2, 'wide', 2), (1, 3, 'min 254', 2), (1, 4, 'min 32767', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, min_stay)
SELECT 1, r, current_date + k,
       (ARRAY[168430.08, 168430.09, 10.00, 5.00])[r],
       CASE WHEN k = 10 AND r = 3 THEN 254 WHEN k = 10 AND r = 4 THEN 32767 ELSE 1 END
  FROM generate_series(1, 4) AS r, generate_series(1, 299) AS k;
});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');

sub quote
{
	my ($from, $to) = @_;
	return $node->safe_psql('postgres',
		qq{SELECT coalesce(string_agg(room_id || ':' || nights || ':' || total, ',' ORDER BY total, room_id), '')
		     FROM pricing.quote(1, current_date + $from, current_date + $to)});
}

# 254 nights from + 10: rooms 1, 2, 3 (min stay 254 met); room 4 never.
#   room 3: 254 x 10.00 = 2540.00
#   room 1: 254 x 168430.08 = 42781240.32
#   room 2: 254 x 168430.09 = 42781242.86
is(quote(10, 264), '3:254:2540.00,1:254:42781240.32,2:254:42781242.86',
	'254 nights: exact at the edge of 32-bit sums, and one cent beyond');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(room_id || ':' || sum, ',' ORDER BY sum, room_id)
		    FROM (SELECT room_id, sum(price) FROM pricing.rate
		           WHERE hotel_id = 1 AND room_id IN (1, 2, 3)
		             AND stay_date >= current_date + 10 AND stay_date < current_date + 264
		           GROUP BY room_id) s}),
	'3:2540.00,1:42781240.32,2:42781242.86',
	'254 nights: the same sums as SQL computes from the table');
# 253 nights from + 10: room 3's minimum stay of 254 is not met
is(quote(10, 263), '1:253:42612810.24,2:253:42612812.77',
	'253 nights: a minimum stay of 254 excludes room 3');
# 254 nights from + 11: room 3 and 4 arrive on a night without a minimum
is(quote(11, 265), '4:254:1270.00,3:254:2540.00,1:254:42781240.32,2:254:42781242.86',
	'254 nights from the next night: every room');
is(quote(46, 300), '4:254:1270.00,3:254:2540.00,1:254:42781240.32,2:254:42781242.86',
	'254 nights ending on the last night with a rate (+ 299)');
is(quote(47, 301), '', '254 nights ending a night later: none');
is( $node->safe_psql(
		'postgres',
		q{SELECT string_agg(hotel_id || ':' || room_id || ':' || total, ',')
		    FROM pricing.cheapest('Longa', current_date + 11, current_date + 265)}),
	'1:4:1270.00', 'cheapest over 254 nights');

# too long, and stays to infinity: 22023 with the limit in the detail
for my $case (
	[ 'current_date + 10', 'current_date + 265', 'The stay has 255 nights; pricing.max_nights is 254.' ],
	[ q{'5874897-12-31'}, q{'infinity'}, 'The stay has no end; pricing.max_nights is 254.' ],
	[ q{'5874897-06-01'}, q{'infinity'}, 'The stay has no end; pricing.max_nights is 254.' ],
	[ q{'-infinity'}, q{'4713-01-01 BC'}, 'The stay has no end; pricing.max_nights is 254.' ],
	[ q{'-infinity'}, q{'infinity'}, 'The stay has no end; pricing.max_nights is 254.' ])
{
	my ($ci, $co, $detail) = @$case;
	for my $call (
		"SELECT * FROM pricing.quote(1, $ci, $co)",
		"SELECT * FROM pricing.cheapest('Longa', $ci, $co)")
	{
		my ($rc, $out, $err) = sql_error($node, 'postgres', $call);
		like($err, qr/ERROR:  22023: stay from checkin to checkout is longer than pricing.max_nights/,
			"$call: 22023");
		like($err, qr/DETAIL:  \Q$detail\E/, "$call: $detail");
	}
}
# the last 153 nights of the calendar are a stay like any other: outside the
# window, so no rows
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pricing.quote(1, '5874897-07-31', '5874897-12-31')}),
	'0', 'the last 153 nights of the calendar: no rows, no error');

# a reload lowers pricing.max_nights; readers follow
$node->safe_psql('postgres',
	"ALTER SYSTEM SET pricing.max_nights = 10; SELECT pg_reload_conf();");
ok( $node->poll_query_until(
		'postgres', q{SELECT current_setting('pricing.max_nights')}, '10'),
	'pricing.max_nights is 10 after the reload');
my ($rc, $out, $err) = sql_error($node, 'postgres',
	'SELECT * FROM pricing.quote(1, current_date + 10, current_date + 21)');
like($err, qr/DETAIL:  The stay has 11 nights; pricing.max_nights is 10\./,
	'11 nights are too long now');
is(quote(11, 21), '4:10:50.00,3:10:100.00,1:10:1684300.80,2:10:1684300.90',
	'10 nights are fine');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|TRAP:/, 'no process crashed');

$node->stop;
done_testing();
