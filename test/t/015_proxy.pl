# Data scaling with PL/Proxy: a router database with the pricing_proxy
# extension in front of two shards, each holding the hotels of the cities
# PL/Proxy's hash gives it.  Through the router, pricing_proxy.cheapest and
# pricing_proxy.quote must answer exactly, row by row, what pricing.cheapest
# and pricing.quote answer on one server holding all the data; errors keep
# their SQLSTATE.
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

# The router's functions have exactly the signatures of the shards'.
my $signature = q{
SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ') RETURNS ' || pg_get_function_result(p.oid)
  FROM pg_proc p WHERE p.pronamespace = 'SCHEMA'::regnamespace AND p.proname IN ('cheapest', 'quote')
 ORDER BY p.proname};
(my $direct_sig = $signature) =~ s/SCHEMA/pricing/;
(my $routed_sig = $signature) =~ s/SCHEMA/pricing_proxy/;
my $sig = $single->safe_psql('postgres', $direct_sig);
is($router->safe_psql('postgres', $routed_sig), $sig,
	'pricing_proxy.cheapest and .quote have the signatures of pricing.cheapest and .quote');
like($sig, qr/^cheapest\(.*\n^quote\(/ms, 'both functions compared');

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
    FROM pricing.fee f JOIN pricing.hotel h USING (hotel_id) GROUP BY h.city) s};
my @sharded = sort map { split /\n/, $_->safe_psql('postgres', $digest) } @shards;
my @whole = sort split /\n/, $single->safe_psql('postgres', $digest);
is(scalar(@whole), 25, 'the single server has the five tables of five cities');
is_deeply(\@sharded, \@whole,
	'the shards together hold exactly the single server\'s rows');

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
	[ 'a stay longer than max_nights', q{FN.cheapest('Lisbon', current_date + 1, current_date + 40)}, '22023' ]);
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

$router->stop;
$_->stop for @shards;
$single->stop;
done_testing();
