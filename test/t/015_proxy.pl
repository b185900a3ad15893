# Data scaling with PL/Proxy: a router database with the pricing_proxy
# extension in front of two shards, each holding the hotels of the cities
# PL/Proxy's hash gives it.  Through the router, pricing_proxy.cheapest,
# .quote, .search, .offers and .explain must answer exactly, row by row, what
# pricing.cheapest, .quote, .search, .offers and .explain answer on one
# server holding all the data; errors keep their SQLSTATE.  The data use
# every table and column of 1.1 (rate plans, occupancy, children's ages,
# stay restrictions, currencies).  So must .calendar and .hotel_calendar,
# over ranges of check-in dates that reach both ends of the loaded window
# and past it.  CREATE EXTENSION pricing_proxy installs 1.2, and ALTER
# EXTENSION pricing_proxy UPDATE takes 1.0 to the same 1.2.
# Bookings (1.2): pricing_proxy.book books on the shard that holds the
# hotel, and only there; the id it returns says which shard (the shard's
# booking_id * 4096 + partition); PR001 and PR002 reach the router
# with their SQLSTATE and detail; pricing_proxy.cancel cancels on that shard
# alone and returns the refund.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $sample = slurp_file("$FindBin::RealBin/../data/sample.sql");
my @cities = qw(Berlin Paris Lisbon Rome Vienna);

# The window holds the sample's 120 nights.
my %conf = ('pricing.horizon_days' => '130');

# The 1.1 part of the data, on top of the sample: computed from the ids and
# the dates, no random(), so that every node gets the same rows.
#  - hotels in EUR, USD, GBP, CHF and JPY (JPY has no exchange rate), with
#    different infant and child ages (an infant_age of 0: no infants);
#  - rooms with 0..2 infants and an extra child fee (or NULL: the guest's);
#  - nights with a max_stay or closed to departure, and a missing night;
#  - for a third of the hotels, nights at both ends of the loaded window
#    and past it: yesterday (the window's first night), and the sample's
#    days 120 to 132 (130 is the window's last night; 131, beyond it, is
#    closed to departure, which stays ending on it must ignore);
#  - occupancy rows for most (room, occupants);
#  - rate plans: a described plan 0 (board, board fee, not refundable,
#    cancel days, restrictions) for some hotels, breakfast for all, a
#    non-refundable one, a room-scoped half board with a minimum and maximum
#    stay, an early-booking all inclusive, a last-minute full board whose
#    negative amount clamps cheap rooms' base to zero, and a copy of the
#    standard plan under another id (ties between plans);
#  - discounts for one plan, for plan 0 or for every plan;
#  - exchange rates of five currencies, the same rows on every shard.
my $data_1_1 = q{
UPDATE pricing.hotel
   SET currency = (ARRAY['EUR', 'USD', 'GBP', 'EUR', 'CHF', 'JPY', 'EUR'])[1 + hotel_id % 7],
       infant_age = (ARRAY[2, 3, 0, 2])[1 + hotel_id % 4],
       child_age = (ARRAY[12, 14, 6, 18])[1 + hotel_id % 4];
UPDATE pricing.room
   SET max_infants = (hotel_id + room_id) % 3,
       extra_child_fee = CASE WHEN (hotel_id + room_id) % 4 <> 0
                              THEN (room_id * 5 + hotel_id % 3) / 2.0 END;
UPDATE pricing.rate
   SET max_stay = CASE WHEN (hotel_id * 7 + room_id * 3 + (stay_date - current_date)) % 11 = 0
                       THEN 2 + hotel_id % 4 END,
       closed_to_departure = (hotel_id * 5 + room_id + (stay_date - current_date)) % 13 = 0;
DELETE FROM pricing.rate
 WHERE hotel_id % 9 = 4 AND room_id = 1 AND stay_date = current_date + 10;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, closed_to_departure)
SELECT r.hotel_id, r.room_id, current_date + d, 60 + r.hotel_id + r.room_id * 7 + d % 5,
       (r.hotel_id + d) % 3, d = 131
  FROM pricing.room r, unnest(ARRAY[-1, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130,
                                    131, 132]) AS d
 WHERE r.hotel_id % 3 = 0;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT r.hotel_id, r.room_id, o, (r.hotel_id % 5) * 3.5 - 7 + o * 2.25 - r.room_id
  FROM pricing.room r, generate_series(1, r.max_guests) AS o
 WHERE (r.hotel_id + o) % 3 <> 0;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT hotel_id, 0, 'Standard ' || hotel_id, NULL::int,
       (ARRAY['room_only', 'breakfast', 'room_only'])[1 + hotel_id % 3],
       CASE WHEN hotel_id % 3 = 1 THEN 9.50 ELSE 0 END,
       hotel_id % 4 <> 2, CASE WHEN hotel_id % 4 = 3 THEN 3 END, 0, 0,
       CASE WHEN hotel_id % 5 = 1 THEN 2 ELSE 1 END, CASE WHEN hotel_id % 6 = 2 THEN 6 END,
       NULL::int, NULL::int
  FROM pricing.hotel WHERE hotel_id % 2 = 0 OR hotel_id % 3 = 1
UNION ALL
SELECT hotel_id, 1, 'Bed and breakfast', NULL, 'breakfast', 11.25, true, 2 + hotel_id % 5,
       -5, 0, 1, NULL, NULL, NULL
  FROM pricing.hotel
UNION ALL
SELECT hotel_id, 2, 'Non-refundable', NULL, 'room_only', 0, false, NULL, -10, 0, 1, NULL, NULL, NULL
  FROM pricing.hotel WHERE hotel_id % 2 = 1
UNION ALL
SELECT hotel_id, 3, 'Half board, double room', 2, 'half_board', 22, true, 7, 3.33, 4.75, 2, 7,
       NULL, NULL
  FROM pricing.hotel WHERE hotel_id % 3 <> 2
UNION ALL
SELECT hotel_id, 4, 'Early bird', NULL, 'all_inclusive', 45, true, 30, -15, 0, 3, NULL, 21, NULL
  FROM pricing.hotel WHERE hotel_id % 4 IN (0, 1)
UNION ALL
SELECT hotel_id, 5, 'Last minute', CASE WHEN hotel_id % 2 = 1 THEN 3 END, 'full_board', 30, true,
       0, -20, -150, 1, 4, NULL, 5
  FROM pricing.hotel WHERE hotel_id % 5 IN (1, 3)
UNION ALL
SELECT hotel_id, 7, 'Standard again', NULL, 'room_only', 0, true, NULL, 0, 0, 1, NULL, NULL, NULL
  FROM pricing.hotel WHERE hotel_id % 5 = 4;
UPDATE pricing.discount SET plan_id = (ARRAY[NULL, 0, 1, 4])[1 + discount_id % 4];
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, plan_id)
SELECT hotel_id, NULL, 7.5, 2, 2 FROM pricing.hotel WHERE hotel_id % 7 = 3 ORDER BY hotel_id;
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES
  ('EUR', 1), ('USD', 0.9234567891), ('GBP', 1.1712345678), ('CHF', 1.0456), ('SEK', 0.087321);
};

# One server with all the data, two shards with the same data set (the
# sample is seeded: the same rows everywhere) of which each keeps only the
# hotels of its own cities.
my $single = new_pricing_node('single', %conf);
my @shards = map { new_pricing_node("shard_$_", %conf) } 0 .. 1;
for my $node ($single, @shards)
{
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
	$node->safe_psql('postgres', $sample);
	$node->safe_psql('postgres', $data_1_1);
}

# The router: a plain server, no pricing library, with PL/Proxy's SQL/MED
# cluster pricing_cluster over the two shards.
my $router = PostgreSQL::Test::Cluster->new('router');
$router->init;
$router->start;
my $partitions = join(', ',
	map { "partition_$_ 'host=" . $shards[$_]->host . ' port=' . $shards[$_]->port . " dbname=postgres'" } 0 .. 1);
# every node runs as the same operating system user, whose name is the
# bootstrap superuser of each
my $user = $router->safe_psql('postgres', 'SELECT current_user');
$router->safe_psql(
	'postgres', qq{
CREATE EXTENSION plproxy;
CREATE EXTENSION pricing_proxy;
CREATE SERVER pricing_cluster FOREIGN DATA WRAPPER plproxy OPTIONS ($partitions);
CREATE USER MAPPING FOR PUBLIC SERVER pricing_cluster OPTIONS (user '$user');
});

is($router->safe_psql('postgres', 'SELECT pricing_proxy.partitions()'),
	'2', 'the router counts two partitions');
is($router->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'pricing_proxy'}),
	'1.2', 'CREATE EXTENSION pricing_proxy installs 1.2');

# The router's functions have exactly the signatures of the shards'.
my $signature = q{
SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ') RETURNS ' || pg_get_function_result(p.oid)
  FROM pg_proc p WHERE p.pronamespace = 'SCHEMA'::regnamespace
   AND p.proname IN ('cheapest', 'quote', 'search', 'offers', 'explain', 'calendar',
                     'hotel_calendar', 'book', 'cancel')
 ORDER BY p.proname};
(my $direct_sig = $signature) =~ s/SCHEMA/pricing/;
(my $routed_sig = $signature) =~ s/SCHEMA/pricing_proxy/;
my $sig = $single->safe_psql('postgres', $direct_sig);
is($router->safe_psql('postgres', $routed_sig), $sig,
	'pricing_proxy.cheapest, .quote, .search, .offers, .explain, .calendar, .hotel_calendar, .book and .cancel have the signatures of pricing.*');
like($sig,
	qr/^book\(.*\) RETURNS bigint\n^calendar\(.*\n^cancel\(booking_id bigint\) RETURNS numeric\n^cheapest\(.*\n^explain\(.*\n^hotel_calendar\(.*\n^offers\(.*\n^quote\(.*\n^search\(/ms,
	'all nine functions compared');

# ALTER EXTENSION UPDATE from 1.0, in another database of the router, gives
# what CREATE EXTENSION gives: the same members, the same definitions.
$router->safe_psql('postgres', 'CREATE DATABASE updated');
$router->safe_psql('updated',
	q{CREATE EXTENSION plproxy; CREATE EXTENSION pricing_proxy VERSION '1.0'});
is($router->safe_psql('updated',
		q{SELECT count(*) FROM pg_proc WHERE pronamespace = 'pricing_proxy'::regnamespace
		     AND proname IN ('search', 'offers', 'explain', 'calendar', 'hotel_calendar')}),
	'0', 'pricing_proxy 1.0 has no search, offers, explain, calendar or hotel_calendar');
$router->safe_psql('updated', 'ALTER EXTENSION pricing_proxy UPDATE');
is($router->safe_psql('updated',
		q{SELECT extversion FROM pg_extension WHERE extname = 'pricing_proxy'}),
	'1.2', 'ALTER EXTENSION pricing_proxy UPDATE goes from 1.0 to 1.2');
my $members = q{
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
         || CASE WHEN d.classid = 'pg_proc'::regclass
                 THEN E'\n' || pg_get_functiondef(d.objid)
                      || coalesce((SELECT proacl::text FROM pg_proc WHERE oid = d.objid), '')
                 ELSE '' END AS x
    FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND e.extname = 'pricing_proxy'
  UNION ALL
  SELECT 'schema acl ' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'pricing_proxy') s};
my $fresh_members = $router->safe_psql('postgres', $members);
is($router->safe_psql('updated', $members), $fresh_members,
	'an updated pricing_proxy has the members and definitions of a new one');
like($fresh_members, qr/function pricing_proxy\.search\(/, 'search is a member of pricing_proxy');
like($fresh_members, qr/function pricing_proxy\.book\(.*function pricing_proxy\.cancel\(/s,
	'and so are book and cancel');

# Where the loader puts each city: the router's shard_of().
my %owner;
for my $city (@cities)
{
	$owner{$city} = $router->safe_psql('postgres',
		"SELECT pricing_proxy.shard_of('$city')");
}
note 'cities by shard: ' . join(', ', map { "$_ -> $owner{$_}" } @cities);
is_deeply([ sort { $a <=> $b } keys %{ { reverse %owner } } ], [ 0, 1 ],
	'the five sample cities are spread over both shards');

# The owning shard computed independently, on each shard, as PL/Proxy's
# hash does it (hashtext(city) & (partitions - 1)): each shard deletes the
# hotels of the other shard's cities.
for my $k (0 .. 1)
{
	$shards[$k]->safe_psql('postgres',
		"DELETE FROM pricing.hotel WHERE (hashtext(city) & 1) <> $k");
	$shards[$k]->safe_psql('postgres', 'SELECT pricing.refresh(true)');
}
$single->safe_psql('postgres', 'SELECT pricing.refresh(true)');

for my $k (0 .. 1)
{
	my $here = $shards[$k]->safe_psql('postgres',
		'SELECT string_agg(DISTINCT city, \',\' ORDER BY city) FROM pricing.hotel');
	my $expected = join(',', sort grep { $owner{$_} == $k } @cities);
	is($here, $expected, "shard_of() agrees with the cities on shard $k");
}

# Every row of the shards is the single server's row, and together they
# are all of them: compare a digest of each table's rows per city.
my $digest = q{
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT 'hotel ' || h.city || ' ' || md5(string_agg(h::text, ',' ORDER BY h.hotel_id)) AS x
    FROM pricing.hotel h GROUP BY h.city
  UNION ALL
  SELECT 'room ' || h.city || ' ' || md5(string_agg(r::text, ',' ORDER BY r.hotel_id, r.room_id))
    FROM pricing.room r JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city
  UNION ALL
  SELECT 'rate ' || h.city || ' ' || md5(string_agg(r::text, ',' ORDER BY r.hotel_id, r.room_id, r.stay_date))
    FROM pricing.rate r JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city
  UNION ALL
  SELECT 'discount ' || h.city || ' ' || md5(string_agg(d::text, ',' ORDER BY d.discount_id))
    FROM pricing.discount d JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city
  UNION ALL
  SELECT 'fee ' || h.city || ' ' || md5(string_agg(f::text, ',' ORDER BY f.fee_id))
    FROM pricing.fee f JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city
  UNION ALL
  SELECT 'rate_plan ' || h.city || ' ' || md5(string_agg(p::text, ',' ORDER BY p.hotel_id, p.plan_id))
    FROM pricing.rate_plan p JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city
  UNION ALL
  SELECT 'occupancy ' || h.city || ' ' || md5(string_agg(o::text, ',' ORDER BY o.hotel_id, o.room_id, o.occupants))
    FROM pricing.occupancy o JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city) s};
my @sharded = sort map { split /\n/, $_->safe_psql('postgres', $digest) } @shards;
my @whole = sort split /\n/, $single->safe_psql('postgres', $digest);
is(scalar(@whole), 35, 'the single server has the seven tables of five cities');
is_deeply(\@sharded, \@whole,
	'the shards together hold exactly the single server\'s rows');

# The exchange rates are not split by city: every shard has all of them.
my $rates = q{SELECT string_agg(e::text, ',' ORDER BY e.currency) FROM pricing.exchange_rate e};
my $all_rates = $single->safe_psql('postgres', $rates);
like($all_rates, qr/^\(CHF,.*\(USD,/, 'the single server has the exchange rates');
is($_->safe_psql('postgres', $rates), $all_rates, 'a shard has every exchange rate') for @shards;

# The 1.1 data are used: more than one currency, plans beyond plan 0,
# children's ages, occupancy adjustments and stay restrictions in every city.
is($single->safe_psql('postgres', q{
SELECT count(*) FROM unnest(ARRAY['Berlin', 'Paris', 'Lisbon', 'Rome', 'Vienna']) AS c(city)
 WHERE (SELECT count(DISTINCT currency) FROM pricing.hotel h WHERE h.city = c.city) >= 3
   AND (SELECT count(DISTINCT child_age) FROM pricing.hotel h WHERE h.city = c.city) >= 3
   AND EXISTS (SELECT FROM pricing.rate_plan p JOIN pricing.hotel h USING (hotel_id)
                WHERE h.city = c.city AND p.plan_id = 4)
   AND EXISTS (SELECT FROM pricing.rate r JOIN pricing.hotel h USING (hotel_id)
                WHERE h.city = c.city AND r.closed_to_departure)
   AND EXISTS (SELECT FROM pricing.rate r JOIN pricing.hotel h USING (hotel_id)
                WHERE h.city = c.city AND r.max_stay IS NOT NULL)}),
	'5', 'every city has hotels with the 1.1 features');

# Compare a query's output on the single server (with pricing.) and on the
# router (with pricing_proxy.), line by line.  Returns the number of lines.
sub compare
{
	my ($what, $sql) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	(my $direct = $sql) =~ s/\bFN\./pricing./g;
	(my $routed = $sql) =~ s/\bFN\./pricing_proxy./g;
	my @want = split /\n/, $single->safe_psql('postgres', $direct);
	my @got = split /\n/, $router->safe_psql('postgres', $routed);
	my @diff;
	for my $i (0 .. ($#want > $#got ? $#want : $#got))
	{
		my ($w, $g) = ($want[$i] // '(none)', $got[$i] // '(none)');
		push @diff, "line $i: single: $w\n        router: $g" if $w ne $g;
	}
	diag(join("\n", "$what: " . scalar(@diff) . ' lines differ', @diff[ 0 .. ($#diff < 9 ? $#diff : 9) ]))
	  if @diff;
	ok(!@diff && @want == @got, "$what: " . scalar(@want) . ' lines equal');
	return scalar(@want);
}

my $city_list = join(', ', map { "'$_'" } @cities);

# cheapest: 5 cities x 7 check-in dates x 1..7 nights x 1..4 guests, every
# row of every answer as text, the stay in front.
compare(
	'cheapest, every city, date, length of stay and number of guests', qq{
SELECT s.city, s.ci, s.n, s.g, c.ord, c.hotel_id, c.name, c.stars, c.room_id, c.total, c.currency
  FROM (SELECT city, current_date + d AS ci, n, g
          FROM unnest(ARRAY[$city_list]) AS city,
               unnest(ARRAY[0, 1, 4, 9, 20, 33, 57]) AS d,
               generate_series(1, 7) AS n, generate_series(1, 4) AS g) s
  CROSS JOIN LATERAL FN.cheapest(s.city, s.ci, s.ci + s.n, s.g, 10, 0, NULL, current_date)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord)
 ORDER BY s.city, s.ci, s.n, s.g, c.ord});

# The number of stays with an answer, so that the comparison above is not
# a comparison of empty sets (a wrong shard answers nothing).
my $answered = $router->safe_psql(
	'postgres', qq{
SELECT count(*) FROM unnest(ARRAY[$city_list]) AS city, generate_series(1, 7) AS n
 WHERE EXISTS (SELECT FROM pricing_proxy.cheapest(city, current_date + 4, current_date + 4 + n))});
is($answered, 35, 'the router answers for every city and length of stay');

# max_results, min_stars, max_total and booking_date (early booking
# discounts) varied.
compare(
	'cheapest with max_results, min_stars, max_total and booking_date', qq{
SELECT s.city, s.ci, s.n, s.m, s.st, s.mt, s.b, c.ord, c.hotel_id, c.name, c.stars, c.room_id, c.total, c.currency
  FROM (SELECT city, current_date + d AS ci, n, m, st, mt, current_date + b AS b
          FROM unnest(ARRAY[$city_list]) AS city,
               unnest(ARRAY[2, 25]) AS d, unnest(ARRAY[1, 3, 8]) AS n,
               unnest(ARRAY[0, 3, 10000]) AS m, unnest(ARRAY[0, 3, 5]) AS st,
               unnest(ARRAY[NULL, 150, 400.5]::numeric[]) AS mt,
               unnest(ARRAY[0, -30]) AS b) s
  CROSS JOIN LATERAL FN.cheapest(s.city, s.ci, s.ci + s.n, 2, s.m, s.st, s.mt, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord)
 ORDER BY s.city, s.ci, s.n, s.m, s.st, s.mt NULLS FIRST, s.b, c.ord});

# Defaults and named arguments pass through the router.
compare(
	'cheapest with defaults and named arguments', qq{
SELECT c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.cheapest(city, current_date + 6, current_date + 9) AS c
UNION ALL
SELECT c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.cheapest(city, current_date + 6, current_date + 9, guests => 3, max_results => 2) AS c
UNION ALL
SELECT c.* FROM FN.cheapest('Nowhere', current_date + 6, current_date + 9) AS c
UNION ALL
SELECT c.* FROM FN.cheapest('Berlin', current_date + 200, current_date + 202) AS c});

# quote: every hotel (and one that does not exist) for several stays.
compare(
	'quote, every hotel, several stays', qq{
SELECT s.h, s.ci, s.n, s.g, s.b, q.ord, q.room_id, q.nights, q.base, q.extra, q.discount, q.fees, q.vat, q.city_tax, q.total
  FROM (SELECT h, current_date + d AS ci, n, g, current_date + b AS b
          FROM generate_series(0, 61) AS h, unnest(ARRAY[1, 12]) AS d,
               unnest(ARRAY[1, 3, 7]) AS n, unnest(ARRAY[1, 2, 4]) AS g,
               unnest(ARRAY[0, -30]) AS b) s
  CROSS JOIN LATERAL FN.quote(s.h, s.ci, s.ci + s.n, s.g, s.b)
       WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord)
 ORDER BY s.h, s.ci, s.n, s.g, s.b, q.ord});

my $quoted = $router->safe_psql('postgres',
	q{SELECT count(DISTINCT h) FROM generate_series(1, 60) AS h,
	    LATERAL pricing_proxy.quote(h, current_date + 12, current_date + 15, 2)});
cmp_ok($quoted, '>=', 50, "the router quotes hotels of both shards ($quoted of 60)");

compare(
	'quote with defaults', q{
SELECT q.* FROM generate_series(1, 60) AS h,
  LATERAL FN.quote(h, current_date + 3, current_date + 5) AS q});

# The parties of the 1.1 readers: adults and the ages of their children
# (infants, young children, children who count as adults, depending on the
# hotel's ages), from one adult alone to more than any room takes.
my $parties = q{(VALUES (1, '{}'::int[]), (2, '{}'), (2, '{5}'), (2, '{1,8}'), (1, '{0,13,17}'),
                (3, '{}'), (2, '{0,3,11}'), (2, '{0,1}'), (5, '{}'))};

# search: 5 cities x 6 check-in dates x 5 lengths of stay x 9 parties, the
# other arguments by default.
compare(
	'search, every city, date, length of stay and party', qq{
SELECT s.city, s.ci, s.n, s.a, s.ch, c.ord, c.*
  FROM (SELECT city, current_date + d AS ci, n, p.a, p.ch
          FROM unnest(ARRAY[$city_list]) AS city,
               unnest(ARRAY[0, 1, 4, 9, 20, 57]) AS d,
               unnest(ARRAY[1, 2, 3, 5, 8]) AS n, $parties AS p(a, ch)) s
  CROSS JOIN LATERAL FN.search(s.city, s.ci, s.ci + s.n, s.a, s.ch)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                            free_cancel_until, total, currency, ord)
 ORDER BY s.city, s.ci, s.n, s.a, s.ch, c.ord});

my $searched = $router->safe_psql(
	'postgres', qq{
SELECT count(*) FROM unnest(ARRAY[$city_list]) AS city, generate_series(1, 7) AS n
 WHERE EXISTS (SELECT FROM pricing_proxy.search(city, current_date + 4, current_date + 4 + n))});
is($searched, 35, 'the router searches every city and length of stay');

# currency (none, the hotels' own, converted, one without a rate, one no
# hotel prices in), min_board and free_cancellation, for two parties.
compare(
	'search with currency, min_board and free_cancellation', qq{
SELECT s.city, s.ci, s.n, s.a, s.ch, s.cur, s.mb, s.fc, c.ord, c.*
  FROM (SELECT city, current_date + d AS ci, n, p.a, p.ch, cur, mb, fc
          FROM unnest(ARRAY[$city_list]) AS city,
               unnest(ARRAY[3, 15]) AS d, unnest(ARRAY[2, 4]) AS n,
               (VALUES (2, '{}'::int[]), (2, '{4,13}')) AS p(a, ch),
               unnest(ARRAY[NULL, 'EUR', 'USD', 'GBP', 'JPY', 'SEK']::char(3)[]) AS cur,
               unnest(ARRAY['room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive']) AS mb,
               unnest(ARRAY[false, true]) AS fc) s
  CROSS JOIN LATERAL FN.search(s.city, s.ci, s.ci + s.n, s.a, s.ch, 10, 0, NULL, s.cur, s.mb, s.fc)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                            free_cancel_until, total, currency, ord)
 ORDER BY s.city, s.ci, s.n, s.a, s.ch, s.cur NULLS FIRST, s.mb, s.fc, c.ord});

# The answers above are not trivially equal: the router's rows have plans
# other than 0, several currencies, converted totals and cancellation dates.
is($router->safe_psql(
		'postgres', qq{
SELECT count(DISTINCT c.plan_id) >= 4, count(DISTINCT c.currency) >= 4,
       count(DISTINCT c.board) >= 3, bool_or(c.free_cancel_until IS NULL),
       bool_or(c.free_cancel_until IS NOT NULL), bool_or(c.currency = 'SEK')
  FROM unnest(ARRAY[$city_list]) AS city,
       unnest(ARRAY[NULL, 'SEK']::char(3)[]) AS cur,
       unnest(ARRAY['room_only', 'breakfast', 'half_board']) AS mb,
       LATERAL pricing_proxy.search(city, current_date + 3, current_date + 5, 2, '{}', 10, 0,
                                    NULL, cur, mb) AS c}),
	't|t|t|t|t|t', 'the router answers with plans, boards, currencies and cancellation dates');
is($router->safe_psql(
		'postgres', qq{
SELECT count(*) FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL pricing_proxy.search(city, current_date + 3, current_date + 5, currency => 'JPY') AS c}),
	'0', 'a currency without an exchange rate gives no rows through the router');

# max_results, min_stars, max_total and booking_date, in the hotels'
# currencies and converted.
compare(
	'search with max_results, min_stars, max_total and booking_date', qq{
SELECT s.city, s.ci, s.n, s.m, s.st, s.mt, s.cur, s.b, c.ord, c.*
  FROM (SELECT city, current_date + d AS ci, n, m, st, mt, cur, current_date + b AS b
          FROM unnest(ARRAY[$city_list]) AS city,
               unnest(ARRAY[2, 25]) AS d, unnest(ARRAY[1, 4]) AS n,
               unnest(ARRAY[0, 3, 10000]) AS m, unnest(ARRAY[0, 4]) AS st,
               unnest(ARRAY[NULL, 150, 400.5]::numeric[]) AS mt,
               unnest(ARRAY[NULL, 'CHF']::char(3)[]) AS cur,
               unnest(ARRAY[0, -30, 1]) AS b) s
  CROSS JOIN LATERAL FN.search(s.city, s.ci, s.ci + s.n, 2, '{}', s.m, s.st, s.mt, s.cur,
                               'room_only', false, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                            free_cancel_until, total, currency, ord)
 ORDER BY s.city, s.ci, s.n, s.m, s.st, s.mt NULLS FIRST, s.cur NULLS FIRST, s.b, c.ord});

# Defaults and named arguments pass through the router.
compare(
	'search with defaults and named arguments', qq{
SELECT 1, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.search(city, current_date + 6, current_date + 9) AS c
UNION ALL
SELECT 2, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.search(city, current_date + 6, current_date + 9, children => '{7}',
                    currency => 'GBP', max_results => 3) AS c
UNION ALL
SELECT 3, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.search(city, current_date + 6, current_date + 9, min_board => 'breakfast',
                    free_cancellation => true, adults => 1) AS c
UNION ALL
SELECT 4, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.search(checkout => current_date + 30, checkin => current_date + 26, city => city,
                    booking_date => current_date - 10, max_total => 500, min_stars => 2) AS c
UNION ALL
SELECT 5, c.* FROM FN.search('Nowhere', current_date + 6, current_date + 9) AS c
UNION ALL
SELECT 6, c.* FROM FN.search('Berlin', current_date + 200, current_date + 202) AS c
UNION ALL
SELECT 7, c.* FROM FN.search('Rome', current_date + 6, current_date + 9, max_results => 0) AS c});

# offers: every hotel (and two that do not exist) for several stays,
# parties and booking dates.
compare(
	'offers, every hotel, several stays, parties and booking dates', qq{
SELECT s.h, s.ci, s.n, s.a, s.ch, s.b, o.ord, o.*
  FROM (SELECT h, current_date + d AS ci, n, p.a, p.ch, current_date + b AS b
          FROM generate_series(0, 61) AS h, unnest(ARRAY[1, 12]) AS d,
               unnest(ARRAY[1, 3, 7]) AS n,
               (VALUES (1, '{}'::int[]), (2, '{}'), (2, '{0,3,13}'), (3, '{}')) AS p(a, ch),
               unnest(ARRAY[0, -30, 3]) AS b) s
  CROSS JOIN LATERAL FN.offers(s.h, s.ci, s.ci + s.n, s.a, s.ch, s.b)
       WITH ORDINALITY AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights,
                            base, extra, discount, board_fees, fees, vat, city_tax, total,
                            currency, ord)
 ORDER BY s.h, s.ci, s.n, s.a, s.ch, s.b, o.ord});

is($router->safe_psql(
		'postgres', q{
SELECT count(DISTINCT h) >= 50, count(DISTINCT o.plan_id) >= 6, bool_or(o.base = 0),
       bool_or(o.extra > 0), bool_or(o.board_fees > 0), count(DISTINCT o.currency) >= 4
  FROM generate_series(1, 60) AS h, unnest(ARRAY[1, 3]) AS n,
       (VALUES ('{}'::int[]), ('{0,3,13}')) AS p(ch),
       LATERAL pricing_proxy.offers(h, current_date + 2, current_date + 2 + n, 2, ch) AS o}),
	't|t|t|t|t|t', 'the router\'s offers cover hotels of both shards, plans, clamped bases, extras, board fees and currencies');

compare(
	'offers with defaults and named arguments', q{
SELECT 1, o.* FROM generate_series(1, 60) AS h,
  LATERAL FN.offers(h, current_date + 3, current_date + 5) AS o
UNION ALL
SELECT 2, o.* FROM generate_series(1, 60) AS h,
  LATERAL FN.offers(checkout => current_date + 9, checkin => current_date + 5, hotel_id => h,
                    children => '{2,16}', booking_date => current_date - 20) AS o
UNION ALL
SELECT 3, o.* FROM FN.offers(7, current_date + 125, current_date + 128) AS o});

# explain: every hotel for stays inside and outside the window (before it,
# reaching beyond it, over the last rated night), for parties too big or
# with too many infants, and booking dates that early-booking and
# last-minute plans refuse.
compare(
	'explain, every hotel, several stays, parties and booking dates', qq{
SELECT s.h, s.ci, s.n, s.a, s.ch, s.b, x.ord, x.*
  FROM (SELECT h, current_date + d AS ci, n, p.a, p.ch, current_date + b AS b
          FROM generate_series(0, 61) AS h, unnest(ARRAY[-3, 1, 9, 26, 118, 125]) AS d,
               unnest(ARRAY[1, 7]) AS n,
               (VALUES (2, '{}'::int[]), (3, '{}'), (1, '{0,1}')) AS p(a, ch),
               unnest(ARRAY[0, -30]) AS b) s
  CROSS JOIN LATERAL FN.explain(s.h, s.ci, s.ci + s.n, s.a, s.ch, s.b)
       WITH ORDINALITY AS x(room_id, plan_id, reason, night, ord)
 ORDER BY s.h, s.ci, s.n, s.a, s.ch, s.b, x.ord});

# Every reason shows up through the router, so the comparison above covers
# each of them.
is($router->safe_psql(
		'postgres', q{
SELECT string_agg(DISTINCT x.reason, ',' ORDER BY x.reason)
  FROM generate_series(1, 60) AS h, unnest(ARRAY[-3, 1, 9, 26, 118, 125]) AS d,
       unnest(ARRAY[1, 7]) AS n,
       (VALUES (2, '{}'::int[]), (3, '{}'), (1, '{0,1}')) AS p(a, ch),
       LATERAL pricing_proxy.explain(h, current_date + d, current_date + d + n, p.a, p.ch) AS x}),
	'booked_too_early,booked_too_late,closed_to_arrival,closed_to_departure,max_stay,min_stay,'
	  . 'no_rate,offered,outside_window,plan_max_stay,plan_min_stay,sold_out,too_many_guests,'
	  . 'too_many_infants',
	'the router\'s explain gives every reason');

compare(
	'explain with defaults and named arguments', q{
SELECT 1, x.* FROM generate_series(1, 60) AS h,
  LATERAL FN.explain(h, current_date + 3, current_date + 5) AS x
UNION ALL
SELECT 2, x.* FROM generate_series(1, 60) AS h,
  LATERAL FN.explain(checkout => current_date + 9, checkin => current_date + 5, hotel_id => h,
                     children => '{0}', adults => 1) AS x
UNION ALL
SELECT 3, x.* FROM FN.explain(1000, current_date + 3, current_date + 5) AS x});

# calendar: every city, for ranges of check-in dates at the window's start
# (from before it), in the middle, and at its end (the sample's last rated
# night, the window's last night and past it), lengths of stay from 1 to
# pricing.max_nights, and parties, the other arguments by default.
compare(
	'calendar, every city, range, length of stay and party', qq{
SELECT s.city, s.f, s.l, s.n, s.a, s.ch, c.ord, c.*
  FROM (SELECT city, current_date + r.f AS f, current_date + r.l AS l, n, p.a, p.ch
          FROM unnest(ARRAY[$city_list]) AS city,
               (VALUES (-4, 6), (0, 30), (40, 44), (100, 135), (125, 140)) AS r(f, l),
               unnest(ARRAY[1, 3, 7, 30]) AS n,
               (VALUES (2, '{}'::int[]), (1, '{0,13,17}'), (2, '{0,3,11}'), (5, '{}')) AS p(a, ch)) s
  CROSS JOIN LATERAL FN.calendar(s.city, s.f, s.l, s.n, s.a, s.ch)
       WITH ORDINALITY AS c(checkin, hotel_id, name, room_id, plan_id, total, currency, hotels, ord)
 ORDER BY s.city, s.f, s.n, s.a, s.ch, c.ord});

# min_stars, currency (none, the hotels' own, converted, one without a
# rate, one no hotel prices in), min_board, free_cancellation and
# booking_date.
compare(
	'calendar with min_stars, currency, min_board, free_cancellation and booking_date', qq{
SELECT s.city, s.st, s.cur, s.mb, s.fc, s.b, c.ord, c.*
  FROM (SELECT city, st, cur, mb, fc, current_date + b AS b
          FROM unnest(ARRAY[$city_list]) AS city, unnest(ARRAY[0, 4]) AS st,
               unnest(ARRAY[NULL, 'EUR', 'USD', 'GBP', 'JPY', 'SEK']::char(3)[]) AS cur,
               unnest(ARRAY['room_only', 'breakfast', 'full_board']) AS mb,
               unnest(ARRAY[false, true]) AS fc, unnest(ARRAY[0, -30]) AS b) s
  CROSS JOIN LATERAL FN.calendar(s.city, current_date + 1, current_date + 25, 2, 2, '{4,13}',
                                 s.st, s.cur, s.mb, s.fc, s.b)
       WITH ORDINALITY AS c(checkin, hotel_id, name, room_id, plan_id, total, currency, hotels, ord)
 ORDER BY s.city, s.st, s.cur NULLS FIRST, s.mb, s.fc, s.b, c.ord});

# The calendars above are not trivially equal: through the router, every
# city has rows, with several hotels, plans beyond 0, several currencies,
# converted totals, and rows on the window's first and last dates; a
# currency without a rate gives none.
is($router->safe_psql(
		'postgres', qq{
SELECT count(DISTINCT city), bool_and(c.hotels >= 1), max(c.hotels) > 5,
       count(DISTINCT c.plan_id) >= 3, count(DISTINCT c.currency) >= 4,
       bool_or(c.currency = 'SEK'), min(c.checkin) = current_date - 1,
       max(c.checkin) = current_date + 130
  FROM unnest(ARRAY[$city_list]) AS city,
       unnest(ARRAY[NULL, 'SEK']::char(3)[]) AS cur,
       unnest(ARRAY['room_only', 'breakfast']) AS mb,
       LATERAL pricing_proxy.calendar(city, current_date - 3, current_date + 140, 1,
                                      currency => cur, min_board => mb) AS c}),
	'5|t|t|t|t|t|t|t',
	'the router\'s calendars cover every city, several hotels, plans, currencies and both ends of the window');
is($router->safe_psql(
		'postgres', qq{
SELECT count(*) FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL pricing_proxy.calendar(city, current_date, current_date + 30, 2, currency => 'JPY') AS c}),
	'0', 'a calendar in a currency without an exchange rate gives no rows through the router');

compare(
	'calendar with defaults and named arguments', qq{
SELECT 1, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.calendar(city, current_date + 5, current_date + 12, 2) AS c
UNION ALL
SELECT 2, c.* FROM unnest(ARRAY[$city_list]) AS city,
  LATERAL FN.calendar(nights => 3, last_checkin => current_date + 20, city => city,
                      first_checkin => current_date + 10, children => '{7}',
                      currency => 'GBP', free_cancellation => true,
                      booking_date => current_date - 10) AS c
UNION ALL
SELECT 3, c.* FROM FN.calendar('Nowhere', current_date + 5, current_date + 12, 2) AS c
UNION ALL
SELECT 4, c.* FROM FN.calendar('Berlin', current_date + 200, current_date + 230, 2) AS c});

# hotel_calendar: every hotel (and two that do not exist), ranges at the
# window's start, in the middle and at its end, lengths of stay, parties
# and booking dates.
compare(
	'hotel_calendar, every hotel, range, length of stay, party and booking date', qq{
SELECT s.h, s.f, s.n, s.a, s.ch, s.b, c.ord, c.*
  FROM (SELECT h, current_date + r.f AS f, current_date + r.l AS l, n, p.a, p.ch,
               current_date + b AS b
          FROM generate_series(0, 61) AS h,
               (VALUES (-3, 20), (110, 135)) AS r(f, l),
               unnest(ARRAY[1, 4]) AS n,
               (VALUES (2, '{}'::int[]), (2, '{0,3,13}')) AS p(a, ch),
               unnest(ARRAY[0, -25]) AS b) s
  CROSS JOIN LATERAL FN.hotel_calendar(s.h, s.f, s.l, s.n, s.a, s.ch, s.b)
       WITH ORDINALITY AS c(checkin, room_id, plan_id, total, currency, ord)
 ORDER BY s.h, s.f, s.n, s.a, s.ch, s.b, c.ord});

is($router->safe_psql(
		'postgres', q{
SELECT count(DISTINCT h) >= 50, count(DISTINCT c.plan_id) >= 4, count(DISTINCT c.currency) >= 4,
       min(c.checkin) = current_date - 1, max(c.checkin) = current_date + 130
  FROM generate_series(1, 60) AS h,
       LATERAL pricing_proxy.hotel_calendar(h, current_date - 3, current_date + 135, 1) AS c}),
	't|t|t|t|t',
	'the router\'s hotel calendars cover hotels of both shards, plans, currencies and both ends of the window');

compare(
	'hotel_calendar with defaults and named arguments', q{
SELECT 1, h, c.* FROM generate_series(1, 60) AS h,
  LATERAL FN.hotel_calendar(h, current_date + 3, current_date + 9, 2) AS c
UNION ALL
SELECT 2, h, c.* FROM generate_series(1, 60) AS h,
  LATERAL FN.hotel_calendar(nights => 3, last_checkin => current_date + 12, hotel_id => h,
                            first_checkin => current_date + 5, children => '{2,16}', adults => 1,
                            booking_date => current_date - 20) AS c
UNION ALL
SELECT 3, 1000, c.* FROM FN.hotel_calendar(1000, current_date + 3, current_date + 9, 2) AS c});

# Errors reach the router with the shard's SQLSTATE: psql shows it ...
sub sqlstate_of
{
	my ($node, $sql) = @_;
	my ($rc, $out, $err) = sql_error($node, 'postgres', $sql);
	return $rc != 0 && $err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : "none (rc $rc: $err)";
}
is(sqlstate_of($router, q{SELECT * FROM pricing_proxy.cheapest(NULL, current_date + 1, current_date + 2)}),
	'22004', 'psql on the router shows SQLSTATE 22004 for a NULL city');
my (undef, undef, $err) = sql_error($router, 'postgres',
	q{SELECT * FROM pricing_proxy.quote(NULL, current_date + 1, current_date + 2)});
like($err, qr/argument "hotel_id" must not be null/,
	'the router passes on the shard\'s message');
is(sqlstate_of($router, q{SELECT * FROM pricing_proxy.search(NULL, current_date + 1, current_date + 2)}),
	'22004', 'psql on the router shows SQLSTATE 22004 for a NULL city in search');
is(sqlstate_of($router, q{SELECT * FROM pricing_proxy.offers(3, current_date + 1, current_date + 2, 0)}),
	'22023', 'psql on the router shows SQLSTATE 22023 for adults 0 in offers');
is(sqlstate_of($router, q{SELECT * FROM pricing_proxy.calendar('Rome', current_date + 2, current_date + 1, 2)}),
	'22023', 'psql on the router shows SQLSTATE 22023 for a calendar that ends before it starts');
is(sqlstate_of($router, q{SELECT * FROM pricing_proxy.hotel_calendar(NULL, current_date + 1, current_date + 2, 2)}),
	'22004', 'psql on the router shows SQLSTATE 22004 for a NULL hotel_id in hotel_calendar');

# ... and PL/pgSQL catches it, for every error case, on both sides.
my @errors = (
	[ 'NULL city', q{FN.cheapest(NULL, current_date + 1, current_date + 2)}, '22004' ],
	[ 'NULL checkin', q{FN.cheapest('Berlin', NULL, current_date + 2)}, '22004' ],
	[ 'NULL guests', q{FN.cheapest('Berlin', current_date + 1, current_date + 2, NULL)}, '22004' ],
	[ 'NULL booking_date', q{FN.cheapest('Paris', current_date + 1, current_date + 2, 2, 10, 0, NULL, NULL)}, '22004' ],
	[ 'NULL hotel_id', q{FN.quote(NULL, current_date + 1, current_date + 2)}, '22004' ],
	[ 'NULL checkout in quote', q{FN.quote(5, current_date + 1, NULL)}, '22004' ],
	[ 'checkout before checkin', q{FN.cheapest('Rome', current_date + 3, current_date + 2)}, '22023' ],
	[ 'guests 0 in quote', q{FN.quote(7, current_date + 1, current_date + 2, 0)}, '22023' ],
	[ 'max_results beyond 10000', q{FN.cheapest('Vienna', current_date + 1, current_date + 2, 2, 10001)}, '22023' ],
	[ 'a stay longer than max_nights', q{FN.cheapest('Lisbon', current_date + 1, current_date + 40)}, '22023' ],
	[ 'adults 0 in search', q{FN.search('Berlin', current_date + 1, current_date + 2, 0)}, '22023' ],
	[ 'adults 0 in offers', q{FN.offers(3, current_date + 1, current_date + 2, 0)}, '22023' ],
	[ 'adults 0 in explain', q{FN.explain(3, current_date + 1, current_date + 2, 0)}, '22023' ],
	[ 'unknown min_board', q{FN.search('Paris', current_date + 1, current_date + 2, min_board => 'suite')}, '22023' ],
	[ 'a child aged 18', q{FN.search('Rome', current_date + 1, current_date + 2, 2, '{4,18}')}, '22023' ],
	[ 'a child aged -1 in offers', q{FN.offers(4, current_date + 1, current_date + 2, 2, '{-1}')}, '22023' ],
	[ '17 children in explain', q{FN.explain(4, current_date + 1, current_date + 2, 2, array_fill(5, ARRAY[17]))}, '22023' ],
	[ 'checkout before checkin in offers', q{FN.offers(9, current_date + 3, current_date + 2)}, '22023' ],
	[ 'max_results -1 in search', q{FN.search('Vienna', current_date + 1, current_date + 2, max_results => -1)}, '22023' ],
	[ 'a stay longer than max_nights in explain', q{FN.explain(9, current_date + 1, current_date + 40)}, '22023' ],
	[ 'NULL city in search', q{FN.search(NULL, current_date + 1, current_date + 2)}, '22004' ],
	[ 'NULL children in search', q{FN.search('Berlin', current_date + 1, current_date + 2, 2, NULL)}, '22004' ],
	[ 'NULL min_board', q{FN.search('Lisbon', current_date + 1, current_date + 2, min_board => NULL)}, '22004' ],
	[ 'NULL free_cancellation', q{FN.search('Lisbon', current_date + 1, current_date + 2, free_cancellation => NULL)}, '22004' ],
	[ 'NULL booking_date in search', q{FN.search('Paris', current_date + 1, current_date + 2, booking_date => NULL)}, '22004' ],
	[ 'NULL hotel_id in offers', q{FN.offers(NULL, current_date + 1, current_date + 2)}, '22004' ],
	[ 'NULL adults in explain', q{FN.explain(5, current_date + 1, current_date + 2, NULL)}, '22004' ],
	[ 'NULL checkin in explain', q{FN.explain(5, NULL, current_date + 2)}, '22004' ],
	[ 'NULL max_total and currency', q{FN.search('Rome', current_date + 1, current_date + 2, max_total => NULL, currency => NULL)}, 'no error' ],
	[ 'an unknown currency', q{FN.search('Rome', current_date + 1, current_date + 2, currency => 'XXX')}, 'no error' ],
	[ 'NULL city in calendar', q{FN.calendar(NULL, current_date + 1, current_date + 9, 2)}, '22004' ],
	[ 'NULL first_checkin in calendar', q{FN.calendar('Berlin', NULL, current_date + 9, 2)}, '22004' ],
	[ 'NULL last_checkin in calendar', q{FN.calendar('Paris', current_date + 1, NULL, 2)}, '22004' ],
	[ 'NULL nights in calendar', q{FN.calendar('Rome', current_date + 1, current_date + 9, NULL)}, '22004' ],
	[ 'NULL children in calendar', q{FN.calendar('Lisbon', current_date + 1, current_date + 9, 2, 2, NULL)}, '22004' ],
	[ 'NULL min_stars in calendar', q{FN.calendar('Vienna', current_date + 1, current_date + 9, 2, min_stars => NULL)}, '22004' ],
	[ 'NULL min_board in calendar', q{FN.calendar('Vienna', current_date + 1, current_date + 9, 2, min_board => NULL)}, '22004' ],
	[ 'NULL free_cancellation in calendar', q{FN.calendar('Berlin', current_date + 1, current_date + 9, 2, free_cancellation => NULL)}, '22004' ],
	[ 'NULL booking_date in calendar', q{FN.calendar('Berlin', current_date + 1, current_date + 9, 2, booking_date => NULL)}, '22004' ],
	[ 'last_checkin before first_checkin', q{FN.calendar('Rome', current_date + 9, current_date + 8, 2)}, '22023' ],
	[ '367 check-in dates', q{FN.calendar('Paris', current_date, current_date + 366, 2)}, '22023' ],
	[ '366 check-in dates', q{FN.calendar('Paris', current_date, current_date + 365, 2)}, 'no error' ],
	[ 'an infinite last_checkin', q{FN.calendar('Paris', current_date, 'infinity', 2)}, '22023' ],
	[ 'nights 0 in calendar', q{FN.calendar('Lisbon', current_date + 1, current_date + 9, 0)}, '22023' ],
	[ 'nights beyond max_nights in calendar', q{FN.calendar('Lisbon', current_date + 1, current_date + 9, 31)}, '22023' ],
	[ 'adults 0 in calendar', q{FN.calendar('Vienna', current_date + 1, current_date + 9, 2, 0)}, '22023' ],
	[ 'a child aged 18 in calendar', q{FN.calendar('Rome', current_date + 1, current_date + 9, 2, 2, '{4,18}')}, '22023' ],
	[ 'unknown min_board in calendar', q{FN.calendar('Paris', current_date + 1, current_date + 9, 2, min_board => 'suite')}, '22023' ],
	[ 'NULL currency in calendar', q{FN.calendar('Rome', current_date + 1, current_date + 9, 2, currency => NULL)}, 'no error' ],
	[ 'a currency without a rate in calendar', q{FN.calendar('Rome', current_date + 1, current_date + 9, 2, currency => 'JPY')}, 'no error' ],
	[ 'NULL hotel_id in hotel_calendar', q{FN.hotel_calendar(NULL, current_date + 1, current_date + 9, 2)}, '22004' ],
	[ 'NULL first_checkin in hotel_calendar', q{FN.hotel_calendar(3, NULL, current_date + 9, 2)}, '22004' ],
	[ 'NULL nights in hotel_calendar', q{FN.hotel_calendar(3, current_date + 1, current_date + 9, NULL)}, '22004' ],
	[ 'NULL adults in hotel_calendar', q{FN.hotel_calendar(3, current_date + 1, current_date + 9, 2, NULL)}, '22004' ],
	[ 'NULL booking_date in hotel_calendar', q{FN.hotel_calendar(3, current_date + 1, current_date + 9, 2, booking_date => NULL)}, '22004' ],
	[ 'last_checkin before first_checkin in hotel_calendar', q{FN.hotel_calendar(4, current_date + 9, current_date + 8, 2)}, '22023' ],
	[ '367 check-in dates in hotel_calendar', q{FN.hotel_calendar(4, current_date, current_date + 366, 2)}, '22023' ],
	[ 'an infinite first_checkin in hotel_calendar', q{FN.hotel_calendar(4, '-infinity', current_date, 2)}, '22023' ],
	[ 'nights 0 in hotel_calendar', q{FN.hotel_calendar(5, current_date + 1, current_date + 9, 0)}, '22023' ],
	[ 'nights beyond max_nights in hotel_calendar', q{FN.hotel_calendar(5, current_date + 1, current_date + 9, 31)}, '22023' ],
	[ 'adults 0 in hotel_calendar', q{FN.hotel_calendar(5, current_date + 1, current_date + 9, 0)}, '22023' ],
	[ '17 children in hotel_calendar', q{FN.hotel_calendar(5, current_date + 1, current_date + 9, 2, 2, array_fill(5, ARRAY[17]))}, '22023' ],
	[ 'NULL hotel_id in book', q{FN.book(NULL, 1, 0, current_date + 1, current_date + 2, 2, '{}', 100)}, '22004' ],
	[ 'NULL expected_total in book', q{FN.book(3, 1, 0, current_date + 1, current_date + 2, 2, '{}', NULL)}, '22004' ],
	[ 'NULL children in book', q{FN.book(3, 1, 0, current_date + 1, current_date + 2, 2, NULL, 100)}, '22004' ],
	[ 'checkout before checkin in book', q{FN.book(3, 1, 0, current_date + 2, current_date + 1, 2, '{}', 100)}, '22023' ],
	[ 'adults 0 in book', q{FN.book(4, 1, 0, current_date + 1, current_date + 2, 0, '{}', 100)}, '22023' ],
	[ 'a stay longer than max_nights in book', q{FN.book(4, 1, 0, current_date + 1, current_date + 40, 2, '{}', 100)}, '22023' ],
	[ 'an unknown hotel in book', q{FN.book(1000, 1, 0, current_date + 1, current_date + 2, 2, '{}', 100)}, 'PR001' ],
	[ 'a room the hotel does not have in book', q{FN.book(5, 9, 0, current_date + 1, current_date + 2, 2, '{}', 100)}, 'PR001' ],
	[ 'a stay outside the window in book', q{FN.book(5, 1, 0, current_date + 200, current_date + 201, 2, '{}', 100)}, 'PR001' ],
	[ 'NULL booking_id in cancel', q{FN.cancel(NULL)}, '22004' ],
	[ 'a booking that does not exist in cancel', q{FN.cancel(1000000)}, 'P0002' ]);
my $catch = q{
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
};
for my $e (@errors)
{
	$catch .= "SELECT pg_temp.sqlstate_of(\$q\$SELECT * FROM $e->[1]\$q\$);\n";
}
(my $direct = $catch) =~ s/\bFN\./pricing./g;
(my $routed = $catch) =~ s/\bFN\./pricing_proxy./g;
my @on_single = split /\n/, $single->safe_psql('postgres', $direct);
my @on_router = split /\n/, $router->safe_psql('postgres', $routed);
for my $i (0 .. $#errors)
{
	my ($what, undef, $state) = @{ $errors[$i] };
	is($on_single[$i], $state, "$what: $state on the single server");
	is($on_router[$i], $state, "$what: $state through the router");
}

# --- bookings through the router ---------------------------------------------------
# A hotel of each shard and its cheapest offer for a stay, found through
# the router: a refundable one on shard 0, a non-refundable one on shard 1.
my $ci = 'current_date + 14';
my $co = 'current_date + 17';
my $bookings = q{SELECT coalesce(string_agg(booking_id || ':' || hotel_id || ':' || room_id || ':'
                                            || total || ':' || (cancelled_at IS NOT NULL), ','
                                            ORDER BY booking_id), '')
                   FROM pricing.booking};
my $avail = q{SELECT sum(available) FROM pricing.rate};
my (@hotel, @offer, @rid, @avail_before);
for my $k (0 .. 1)
{
	$avail_before[$k] = $shards[$k]->safe_psql('postgres', $avail);
	is($shards[$k]->safe_psql('postgres', $bookings), '', "shard $k has no booking yet");
}
for my $k (0 .. 1)
{
	my $row = $router->safe_psql(
		'postgres', qq{
SELECT h.hotel_id || ' ' || o.room_id || ' ' || o.plan_id || ' ' || o.total || ' '
       || coalesce(o.free_cancel_until::text, 'none')
  FROM generate_series(1, 60) AS h(hotel_id),
       LATERAL pricing_proxy.offers(h.hotel_id, $ci, $co, 2) AS o
 WHERE pricing_proxy.hotel_partition(h.hotel_id) = $k
   AND (o.free_cancel_until IS NOT NULL) = ($k = 0)
 ORDER BY h.hotel_id, o.total, o.room_id, o.plan_id LIMIT 1});
	my ($h, $room, $plan, $total, $until) = split / /, $row;
	ok(defined $total, "a hotel of shard $k has an offer: $row");
	is($shards[$k]->safe_psql('postgres', "SELECT count(*) FROM pricing.hotel WHERE hotel_id = $h"),
		'1', "hotel $h is on shard $k");
	$hotel[$k] = $h;
	$offer[$k] = { room => $room, plan => $plan, total => $total, until => $until };
}

# PR001 and PR002 reach the router with their SQLSTATE, and with the
# shard's message and detail (PL/Proxy prefixes them).
for my $k (0 .. 1)
{
	my ($h, $o) = ($hotel[$k], $offer[$k]);
	my $wrong = $o->{total} + 1;
	my ($rc, $out, $err) = sql_error($router, 'postgres',
		"SELECT pricing_proxy.book($h, $o->{room}, $o->{plan}, $ci, $co, 2, '{}', $wrong)");
	like($err, qr/ERROR:  PR002: .*REMOTE ERROR: price changed\nDETAIL:  Remote detail: The offer costs \Q$o->{total}\E [A-Z]{3} now; \Q$wrong\E was expected\./,
		"shard $k: a wrong total through the router: PR002, with the current total in the detail");
	($rc, $out, $err) = sql_error($router, 'postgres',
		"SELECT pricing_proxy.book($h, $o->{room}, $o->{plan}, $ci, $co, 9, '{}', $o->{total})");
	like($err, qr/ERROR:  PR001: .*REMOTE ERROR: offer not available\nDETAIL:  Remote detail: The reason is too_many_guests\./,
		"shard $k: too many guests through the router: PR001, with explain's reason in the detail");
	is($router->safe_psql(
			'postgres', qq{
CREATE FUNCTION pg_temp.state_of(q text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
  st text;
  det text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
  RETURN st || ' ' || det;
END \$\$;
SELECT pg_temp.state_of(\$q\$SELECT pricing_proxy.book($h, $o->{room}, $o->{plan}, $ci, $co, 2, '{}', $wrong)\$q\$)
       LIKE '% The offer costs $o->{total} % now; $wrong was expected.',
       pg_temp.state_of(\$q\$SELECT pricing_proxy.book($h, $o->{room}, $o->{plan}, $ci, $co, 2, '{}', $wrong)\$q\$)
       LIKE 'PR002 %'}),
		't|t', "shard $k: PL/pgSQL on the router catches PR002 with its detail");
}
for my $k (0 .. 1)
{
	is($shards[$k]->safe_psql('postgres', $bookings), '', "shard $k: the refused bookings booked nothing");
}

for my $k (0 .. 1)
{
	my ($h, $o) = ($hotel[$k], $offer[$k]);
	my ($room, $plan, $total) = ($o->{room}, $o->{plan}, $o->{total});
	# book it through the router
	my $book = "SELECT pricing_proxy.book($h, $room, $plan, $ci, $co, 2, '{}', $total, 'proxy-$k')";
	my $rid = $router->safe_psql('postgres', $book);
	$rid[$k] = $rid;
	is($rid % 4096, $k, "the router's booking id $rid of hotel $h names partition $k");
	my $sid = int($rid / 4096);
	is($shards[$k]->safe_psql('postgres', $bookings), "$sid:$h:$room:$total:false",
		"shard $k holds exactly that booking, as booking $sid, at $total");
	is($shards[1 - $k]->safe_psql('postgres', $bookings),
		$k == 0 ? '' : int($rid[0] / 4096) . ":$hotel[0]:$offer[0]{room}:$offer[0]{total}:false",
		"shard " . (1 - $k) . " has no booking of it");
	is($shards[$k]->safe_psql('postgres', $avail), $avail_before[$k] - 3,
		"shard $k has one room less for each of the 3 nights");
	is($router->safe_psql('postgres', $book), $rid,
		'booking again with the same reference returns the same id');
	is($shards[$k]->safe_psql('postgres', 'SELECT count(*) FROM pricing.booking'), '1',
		'and books nothing more');
}
is($shards[0]->safe_psql('postgres', $avail) . ' ' . $shards[1]->safe_psql('postgres', $avail),
	($avail_before[0] - 3) . ' ' . ($avail_before[1] - 3), 'each shard lost only its own booking\'s nights');

# cancel through the router: on the booking's shard alone, with the refund
for my $k (0 .. 1)
{
	my $o = $offer[$k];
	my $refund = $o->{until} ne 'none' ? $o->{total} : '0.00';
	my $other = $shards[1 - $k]->safe_psql('postgres', $bookings);
	my $other_avail = $shards[1 - $k]->safe_psql('postgres', $avail);
	is($router->safe_psql('postgres', "SELECT pricing_proxy.cancel($rid[$k])"), $refund,
		"cancel($rid[$k]) through the router refunds $refund (free cancellation until $o->{until})");
	is($shards[$k]->safe_psql('postgres', $bookings),
		int($rid[$k] / 4096) . ":$hotel[$k]:$o->{room}:$o->{total}:true",
		"the booking is cancelled on shard $k");
	is($shards[$k]->safe_psql('postgres', $avail), $avail_before[$k],
		"shard $k has its nights back");
	is($shards[1 - $k]->safe_psql('postgres', $bookings) . ' ' . $shards[1 - $k]->safe_psql('postgres', $avail),
		"$other $other_avail", 'the other shard is untouched');
	my ($rc, $out, $err) = sql_error($router, 'postgres', "SELECT pricing_proxy.cancel($rid[$k])");
	like($err, qr/ERROR:  PR003: .*REMOTE ERROR: booking \d+ is already cancelled/,
		'cancelling it again through the router: PR003');
}

$router->stop;
$_->stop for @shards;
$single->stop;
done_testing();
