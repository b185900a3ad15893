# pg_dump and restore of 1.1 data: a database with rows in every table and
# column that 1.1 added (rate plans with every column set, occupancy rows,
# exchange rates, the hotels' ages, the rooms' infants and child fees, the
# rates' maximum stays and closed departures, discounts of one plan) is
# dumped, and restored into a new database of a second server whose
# pricing.database is that database.  After the restore the tables hold the
# same rows, and the index built from them answers search, offers and
# explain exactly as the original does, call by call (some thousands of
# calls over parties with children, boards, free cancellation, currencies,
# booking dates, stays inside, across and outside the window).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PricingTest;

my $src = new_pricing_node('dump_11');
$src->start;
$src->safe_psql('postgres', 'CREATE EXTENSION pricing');
is($src->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.2', 'the original runs 1.2, the current version');

# 40 hotels in two cities, four currencies (CHF has no exchange rate).
$src->safe_psql(
	'postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax, infant_age, child_age)
SELECT 500 + g, CASE WHEN g <= 20 THEN 'Dumpville' ELSE 'Restorton' END, 'Hotel ' || g, g % 6,
       (ARRAY['EUR', 'USD', 'GBP', 'CHF'])[g % 4 + 1], (g % 4) * 5.5, (g % 3) * 0.75,
       g % 3, 10 + g % 5
  FROM generate_series(1, 40) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT 500 + g, r, 'Room ' || r, 1 + (g + r) % 4, 1 + (g * r) % 2, r * 5,
       (g + r) % 3, CASE WHEN (g + r) % 3 = 0 THEN NULL ELSE r * 2.5 END
  FROM generate_series(1, 40) g, generate_series(1, 3) r
 WHERE r <= 1 + g % 3;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT r.hotel_id, r.room_id, current_date + d,
       40 + (r.hotel_id * 7 + r.room_id * 11 + d * 3) % 150 + 0.25 * (d % 4),
       CASE WHEN (r.hotel_id + r.room_id + d) % 11 = 0 THEN 0 ELSE 1 + (r.hotel_id + d) % 3 END,
       CASE WHEN (r.hotel_id + d) % 7 = 0 THEN 3 ELSE 1 END,
       (r.hotel_id + r.room_id + d) % 13 = 0,
       CASE WHEN (r.hotel_id + d) % 5 = 0 THEN 2 + r.hotel_id % 3 END,
       (r.hotel_id + 2 * r.room_id + d) % 9 = 0
  FROM pricing.room r, generate_series(-1, 45) d
 WHERE (r.hotel_id + r.room_id + d) % 29 <> 0;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to,
                              min_days_ahead, plan_id)
SELECT 500 + g, NULL, 10, 2, NULL::date, NULL::date, NULL::int, NULL::int
  FROM generate_series(1, 40) g WHERE g % 2 = 0
UNION ALL
SELECT 500 + g, 1, 15, 1, current_date + 3, current_date + 20, 5, 1
  FROM generate_series(1, 40) g WHERE g % 3 = 0
UNION ALL
SELECT 500 + g, NULL, 7.5, 3, NULL, NULL, NULL, 0
  FROM generate_series(1, 40) g WHERE g % 5 = 0;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT 500 + g, 'Cleaning', 20, 'stay' FROM generate_series(1, 40) g WHERE g % 2 = 1
UNION ALL
SELECT 500 + g, 'Resort', 3.50, 'night' FROM generate_series(1, 40) g WHERE g % 4 = 0
UNION ALL
SELECT 500 + g, 'Towels', 1.25, 'guest_night' FROM generate_series(1, 40) g WHERE g % 3 = 1;
-- plan 0 with a name, a board and restrictions in some hotels
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT 500 + g, 0, 'Standard flex', NULL::int, 'breakfast', 4.50, true, 3, 0, 0, 1, 14, 0, 300
  FROM generate_series(1, 40) g WHERE g % 4 = 0
UNION ALL
SELECT 500 + g, 1, 'Non-refundable', NULL, 'room_only', 0, false, NULL, -10, 0, 1, NULL, NULL, NULL
  FROM generate_series(1, 40) g
UNION ALL
SELECT 500 + g, 2, 'Half board early', NULL, 'half_board', 18, true, 7, 5, -2.50, 2, 5, 10, 40
  FROM generate_series(1, 40) g WHERE g % 2 = 0
UNION ALL
-- every column set, the room among them; in every ninth hotel the amount
-- takes the base below zero (clamped to 0.00)
SELECT 500 + g, 3, 'Last minute all in', 1, 'all_inclusive', 35, true, 1, -20.5,
       CASE WHEN g % 9 = 0 THEN -1000 ELSE -3.75 END, 1, 5, 0, 7
  FROM generate_series(1, 40) g WHERE g % 3 = 0
UNION ALL
SELECT 500 + g, 4, 'Full board', NULL, 'full_board', 30, true, 60, 0, 12.25, 3, NULL, NULL, NULL
  FROM generate_series(1, 40) g WHERE g % 5 = 0;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, 1, -15 FROM pricing.room WHERE max_guests >= 2
UNION ALL
SELECT hotel_id, room_id, 3, 8.25 FROM pricing.room WHERE max_guests >= 3;
INSERT INTO pricing.exchange_rate (currency, per_unit)
VALUES ('EUR', 1), ('USD', 0.9234567891), ('GBP', 1.1712345678);
COMMIT;
});
$src->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($src, 'postgres', q{hotels || '/' || coalesce(last_error, '')}), '40/',
	'the original serves its 40 hotels');

# --- the calls ------------------------------------------------------------------------------
# One line per call: what was called, then its rows as text in their order.
my $calls = q{
WITH party(pi, adults, children) AS (VALUES
  (1, 2, '{}'::int[]), (2, 1, '{}'), (3, 2, '{0}'), (4, 2, '{4,13}'),
  (5, 1, '{1,1,16}'), (6, 3, '{}'), (7, 2, '{11,12,13}')),
stay(si, f, t) AS (VALUES
  (1, 1, 2), (2, 3, 6), (3, 5, 8), (4, 10, 17), (5, 0, 1), (6, 12, 14),
  (7, 38, 44), (8, 44, 48), (9, 58, 62)),
opt(oi, max_results, min_stars, max_total, currency, min_board, free_cancellation, bd) AS (VALUES
  (0, 10, 0, NULL::numeric, NULL::char(3), 'room_only', false, 0),
  (1, 10, 0, NULL, 'EUR', 'room_only', false, 0),
  (2, 5, 0, NULL, 'USD', 'room_only', false, 0),
  (3, 10, 0, NULL, 'GBP', 'breakfast', false, 0),
  (4, 10, 0, NULL, NULL, 'room_only', true, 0),
  (5, 10, 2, NULL, NULL, 'half_board', false, 0),
  (6, 10, 0, 600, 'USD', 'room_only', false, 0),
  (7, 20, 0, NULL, NULL, 'room_only', false, -20),
  (8, 10, 0, NULL, 'CHF', 'room_only', false, 0),
  (9, 10, 0, NULL, 'XXX', 'room_only', false, 0),
  (10, 10, 0, NULL, NULL, 'all_inclusive', true, -3)),
hotel(h) AS (SELECT generate_series(501, 540) UNION ALL SELECT 999),
bdate(bd) AS (VALUES (0), (-20))
SELECT format('search %s %s %s %s=', c.city, s.si, p.pi, o.oi) ||
       (SELECT coalesce(string_agg(r::text, ';' ORDER BY r.ordinality), '')
          FROM pricing.search(c.city, current_date + s.f, current_date + s.t, p.adults, p.children,
                              o.max_results, o.min_stars, o.max_total, o.currency, o.min_board,
                              o.free_cancellation, current_date + o.bd) WITH ORDINALITY r)
  FROM unnest(ARRAY['Dumpville', 'Restorton', 'Nowhere']) c(city), stay s, party p, opt o
UNION ALL
SELECT format('offers %s %s %s %s=', hh.h, s.si, p.pi, b.bd) ||
       (SELECT coalesce(string_agg(r::text, ';' ORDER BY r.ordinality), '')
          FROM pricing.offers(hh.h, current_date + s.f, current_date + s.t, p.adults, p.children,
                              current_date + b.bd) WITH ORDINALITY r)
  FROM hotel hh, stay s, party p, bdate b WHERE p.pi IN (1, 3, 4, 5, 7)
UNION ALL
SELECT format('explain %s %s %s %s=', hh.h, s.si, p.pi, b.bd) ||
       (SELECT coalesce(string_agg(r::text, ';' ORDER BY r.ordinality), '')
          FROM pricing.explain(hh.h, current_date + s.f, current_date + s.t, p.adults, p.children,
                               current_date + b.bd) WITH ORDINALITY r)
  FROM hotel hh, stay s, party p, bdate b WHERE p.pi IN (1, 3, 4, 6, 7)
};

sub answers
{
	my ($node, $db) = @_;
	my %a;
	for my $line (split /\n/, $node->safe_psql($db, $calls))
	{
		my ($k, $v) = split /=/, $line, 2;
		$a{$k} = $v;
	}
	return \%a;
}
# bookings (1.2): two booked at the offers' totals, one of them cancelled
is($src->safe_psql('postgres', q{
SELECT count(pricing.book(x.h, o.room_id, o.plan_id, current_date + 10, current_date + 12,
                          2, '{}', o.total, 'dump-' || x.h))
  FROM (SELECT hotel_id AS h FROM pricing.hotel
         WHERE EXISTS (SELECT FROM pricing.offers(hotel_id, current_date + 10, current_date + 12, 2))
         ORDER BY hotel_id LIMIT 2) x,
       LATERAL (SELECT * FROM pricing.offers(x.h, current_date + 10, current_date + 12, 2)
                 ORDER BY total, room_id, plan_id LIMIT 1) o}), '2', 'two bookings');
$src->safe_psql('postgres', q{SELECT pricing.cancel(min(booking_id)) FROM pricing.booking});
$src->safe_psql('postgres', 'SELECT pricing.refresh(true)');
my $before = answers($src, 'postgres');
my $ncalls = scalar(keys %$before);
my $nanswered = scalar(grep { $_ ne '' } values %$before);
note("$ncalls calls, $nanswered with rows");
cmp_ok($nanswered, '>', $ncalls / 3, 'many calls have rows');

# The data reaches what 1.1 added: plans, boards, clamped bases,
# conversions, deadlines passed, and every reason of explain.
is( $src->safe_psql(
		'postgres', q{
WITH s AS (SELECT s.* FROM unnest(ARRAY['Dumpville', 'Restorton']) c, generate_series(0, 15) f,
                       pricing.search(c, current_date + f, current_date + f + 3, 2, '{5}', 20) s),
u AS (SELECT s.* FROM unnest(ARRAY['Dumpville', 'Restorton']) c, generate_series(0, 15) f,
                       pricing.search(c, current_date + f, current_date + f + 3, currency => 'USD') s),
o AS (SELECT o.* FROM generate_series(501, 540) h, generate_series(0, 15) f,
                       pricing.offers(h, current_date + f, current_date + f + 3) o)
SELECT (SELECT count(DISTINCT plan_id) > 1 FROM s), (SELECT count(DISTINCT plan_id) FROM o),
       (SELECT count(DISTINCT board) FROM o),
       (SELECT count(*) > 0 FROM o WHERE base = 0), (SELECT count(*) > 0 FROM o WHERE extra > 0),
       (SELECT count(*) > 0 FROM o WHERE free_cancel_until IS NULL),
       (SELECT count(*) > 0 FROM o WHERE discount > 0),
       (SELECT count(DISTINCT currency) FROM o), (SELECT count(DISTINCT currency) FROM u)}),
	't|5|5|t|t|t|t|4|1',
	'the answers have every plan, every board, clamped bases, extras, passed deadlines, discounts, currencies'
);
my %reasons;
for my $v (map { $before->{$_} } grep { /^explain / } keys %$before)
{
	$reasons{$1} = 1 while $v =~ /\(\d+,\d+,([a-z_]+),/g;
}
is( join(',', sort keys %reasons),
	join(',', sort qw(offered outside_window too_many_guests too_many_infants no_rate sold_out
		  closed_to_arrival min_stay max_stay closed_to_departure plan_min_stay plan_max_stay
		  booked_too_late booked_too_early)),
	'the explain calls meet every reason');

# --- dump, restore on a second server ------------------------------------------------------
my @tables = qw(hotel room rate discount fee rate_plan occupancy exchange_rate booking);
sub table_summary
{
	my ($node, $db) = @_;
	my %s;
	for my $t (@tables)
	{
		$s{$t} = $node->safe_psql($db,
			"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM pricing.$t t"
		);
	}
	return \%s;
}
my $summary = table_summary($src, 'postgres');

my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $dump = "$tempdir/pricing.dump";
$src->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', 'postgres' ], 'pg_dump of the 1.1 database');
$src->command_ok([ 'pg_dump', '-f', "$tempdir/pricing.sql", '-d', 'postgres' ],
	'pg_dump in plain format');
my $plain = slurp_file("$tempdir/pricing.sql");
for my $t (qw(rate_plan occupancy exchange_rate booking))
{
	like($plain, qr/^COPY pricing\.$t \(/m, "the plain dump has the rows of pricing.$t");
}
like($plain, qr/^COPY pricing\.hotel \(hotel_id, city, name, stars, currency, vat_percent, city_tax, infant_age, child_age\)/m,
	'and the new columns of the 1.0 tables');

my $dst = new_pricing_node('restore_11', 'pricing.database' => "'restored'");
$dst->start;
$dst->safe_psql('postgres', 'CREATE DATABASE restored');
$dst->command_ok([ 'pg_restore', '--exit-on-error', '-d', 'restored', $dump ],
	'pg_restore into a new database of a second server');
# the worker tried to connect before the database existed: a restart
# connects at once instead of after its backoff
$dst->restart;
ok( $dst->poll_query_until(
		'restored', q{SELECT database = 'restored' AND generation > 0 FROM pricing.status}),
	'the worker loads the restored database');
$dst->safe_psql('restored', 'SELECT pricing.refresh(true)');
is($dst->safe_psql('restored', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.2', 'the restored database runs 1.2');
is(status_of($dst, 'restored', q{hotels || '/' || coalesce(last_error, '')}), '40/',
	'and serves the 40 hotels');

my $restored = table_summary($dst, 'restored');
for my $t (@tables)
{
	my ($n) = split / /, $summary->{$t};
	cmp_ok($n, '>', 0, "pricing.$t has rows");
	is($restored->{$t}, $summary->{$t}, "pricing.$t: the same rows after the restore");
}

my $after = answers($dst, 'restored');
is(scalar(keys %$after), $ncalls, 'the same calls on the restored database');
my @differ = grep { !defined $after->{$_} || $after->{$_} ne $before->{$_} } sort keys %$before;
is(scalar(@differ), 0, "all $ncalls calls of search, offers and explain answer as on the original");
for my $k (@differ[ 0 .. ($#differ < 4 ? $#differ : 4) ])
{
	diag("$k\n  original: $before->{$k}\n  restored: " . ($after->{$k} // '(none)'));
}

# the restored tables are the extension's, with their change triggers: a
# change reaches the index without a call to refresh
my $gen = status_of($dst, 'restored', 'generation');
$dst->safe_psql('restored', q{UPDATE pricing.exchange_rate SET per_unit = 2 WHERE currency = 'USD'});
ok($dst->poll_query_until('restored', "SELECT generation > $gen FROM pricing.status"),
	'a change of a restored 1.1 table wakes the worker');

$src->stop;
$dst->stop;
done_testing();
