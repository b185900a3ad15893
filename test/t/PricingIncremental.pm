# PricingIncremental.pm: helpers for the tests of incremental refresh
# (042_incremental.pl, 043_incremental_visibility.pl,
# 044_incremental_crash.pl, 045_incremental_memory.pl).
#
#     use FindBin;
#     use lib $FindBin::RealBin;
#     use PricingTest;
#     use PricingIncremental;
#
# A committed change to the source tables is applied by the worker
# incrementally: it rebuilds the touched hotels and the city structures around
# them, and publishes a generation that shares the rest.  These tests never
# call pricing.refresh(true) to wait for a change (that would be a full
# rebuild): they commit a change to a sentinel hotel after the others and
# poll until the index serves it (settle()), or poll until an answer shows
# the change.  A refresh(true) is the oracle: what it serves is what a full
# rebuild makes of the same tables.
#
# Every loop here is bounded in count and in time.

package PricingIncremental;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use PricingTest ();

our @EXPORT = qw(
  has_incremental_columns
  incremental_status
  add_sentinel
  settle
  wait_one_generation
  load_rich_data
  create_answers_function
  answers
  stable_answers
  compare_answers
  random_changes
  run_script
  $SENTINEL
  @RICH_CITIES
);

# The sentinel hotel, in a city of its own: one room, one rate a night, no
# VAT, tax, fee or discount, so that a one-night stay costs its price.
our $SENTINEL = 999999;

# The cities of load_rich_data, and the one hotels move to that has no hotel
# at first.
our @RICH_CITIES = ('Incburg', 'Incstadt', 'Incville', 'Inchaven');

# Whether pricing.status has the columns of incremental refresh
# (incremental_refreshes, changes_applied, last_change_ms, last_refresh).  A
# library or extension script installed before them has not.
sub has_incremental_columns
{
	my ($node, $db) = @_;
	return $node->safe_psql($db // 'postgres', q{
SELECT count(*) = 4 FROM pg_attribute
 WHERE attrelid = 'pricing.status'::regclass AND NOT attisdropped
   AND attname IN ('incremental_refreshes', 'changes_applied', 'last_change_ms', 'last_refresh')})
	  eq 't';
}

# A hash of the status columns of incremental refresh, or undef when the
# view lacks them.
sub incremental_status
{
	my ($node, $db) = @_;
	return undef unless has_incremental_columns($node, $db);
	my $out = $node->safe_psql($db // 'postgres', q{
SELECT generation, incremental_refreshes, changes_applied, coalesce(last_change_ms::text, ''),
       coalesce(last_refresh, ''), refreshes, generations
  FROM pricing.status});
	my %s;
	@s{qw(generation incremental_refreshes changes_applied last_change_ms last_refresh refreshes generations)}
	  = split /\|/, $out;
	return \%s;
}

# Create the sentinel hotel (city 'Sentinelburg').
sub add_sentinel
{
	my ($node, $db) = @_;
	$node->safe_psql($db // 'postgres', qq{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES ($SENTINEL, 'Sentinelburg', 'Sentinel');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES ($SENTINEL, 1, 'Watch', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT $SENTINEL, 1, current_date + d, 1.00 FROM generate_series(-1, 40) d;
COMMIT;});
	return;
}

# Commit a change to the sentinel hotel, after every change committed so far,
# and poll (no refresh call) until the index serves it.  A generation that
# serves it was built from a snapshot that sees every transaction committed
# before, so once settle() returns true every earlier commit is served.
# Returns true if it came to that in time.
sub settle
{
	my ($node, $db) = @_;
	$db //= 'postgres';
	my $price = $node->safe_psql($db, qq{
UPDATE pricing.rate SET price = price + 0.01 WHERE hotel_id = $SENTINEL
RETURNING price}) =~ s/\n.*//sr;
	return $node->poll_query_until($db, qq{
SELECT coalesce((SELECT total FROM pricing.quote($SENTINEL, current_date + 1, current_date + 2)), -1) = $price});
}

# Poll until one generation is live (a retired one released); returns the
# status line "generation|arena_bytes_used|arena_bytes_committed" then, or
# undef.
sub wait_one_generation
{
	my ($node, $db) = @_;
	for (1 .. 100 * $PostgreSQL::Test::Utils::timeout_default)
	{
		my $out = $node->safe_psql($db // 'postgres',
			'SELECT generations, generation, arena_bytes_used, arena_bytes_committed FROM pricing.status');
		my ($n, @rest) = split /\|/, $out;
		return join('|', @rest) if defined $n && $n eq '1';
		usleep(10_000);
	}
	return undef;
}

# $n hotels in the cities @RICH_CITIES (round robin), hotel_id $first + 1 ..
# $first + $n, with every feature of the model mixed: 1 to 3 rooms, extra
# guest and child fees, infants, holes, sold out nights, minimum and maximum
# stays, closed arrivals and departures, rate plans (a plan 0 row, a
# non-refundable plan, board, a plan for one room, days ahead), occupancy
# prices, discounts of every kind, fees of every kind, four currencies, one of
# which (CHF) has no exchange rate.  Rates cover the nights current_date - 1
# .. current_date + 45.  Deterministic (hashes of the ids, no random()).
sub load_rich_data
{
	my ($node, $db, %o) = @_;
	my $first = $o{first_id} // 1000;
	my $n = $o{hotels} // 160;
	my $last = $first + $n;
	my $cities = join(',', map { "'$_'" } @{ $o{cities} // \@RICH_CITIES });
	$node->safe_psql($db // 'postgres', qq{
BEGIN;
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES ('EUR', 1), ('USD', 0.92), ('GBP', 1.17)
ON CONFLICT DO NOTHING;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax, infant_age, child_age)
SELECT $first + g, (ARRAY[$cities])[1 + (g - 1) % cardinality(ARRAY[$cities])], 'Hotel ' || ($first + g), g % 6,
       (ARRAY['EUR', 'EUR', 'USD', 'GBP', 'CHF'])[1 + g % 5],
       (ARRAY[0, 7, 10, 19.5])[1 + g % 4], (ARRAY[0, 0.5, 1.25, 2])[1 + (g / 4) % 4],
       g % 3, 10 + g % 5
  FROM generate_series(1, $n) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee, max_infants, extra_child_fee)
SELECT h, r, 'Room ' || r, 1 + (h + r) % 5, 1 + r % 2, r * 7.5, (h + r) % 3,
       CASE WHEN (h + r) % 4 = 0 THEN NULL ELSE (h % 3) * 5.5 END
  FROM generate_series($first + 1, $last) h, generate_series(1, 3) r
 WHERE r <= 1 + h % 3;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT r.hotel_id, r.room_id, current_date + d,
       30 + (x % 30000) / 100.0,
       CASE WHEN x % 13 = 0 THEN 0 ELSE 1 + x % 4 END,
       CASE WHEN x % 11 = 0 THEN 2 + x % 3 ELSE 1 END,
       x % 19 = 0,
       CASE WHEN x % 29 = 0 THEN 3 + x % 5 END,
       x % 31 = 0
  FROM pricing.room r, generate_series(-1, 45) d,
       LATERAL (SELECT hashint8(r.hotel_id * 7919 + r.room_id * 104729 + d * 31) & 2147483647 AS x) hx
 WHERE r.hotel_id > $first AND r.hotel_id <= $last AND x % 37 <> 0;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT h, 0, 'Flexible', NULL::int, 'room_only', 0, true, 2 + h % 5, 0, 0, 1, NULL::int, NULL::int, NULL::int
  FROM generate_series($first + 1, $last) h WHERE h % 3 = 0
UNION ALL
SELECT h, 1, 'Non-refundable', NULL, 'room_only', 0, false, NULL, -12, 0, 1, NULL, NULL, NULL
  FROM generate_series($first + 1, $last) h WHERE h % 2 = 0
UNION ALL
SELECT h, 2, 'Breakfast', NULL, 'breakfast', 12.50, true, 1, 5, 0, 1, NULL, NULL, NULL
  FROM generate_series($first + 1, $last) h WHERE h % 4 <> 1
UNION ALL
SELECT h, 3, 'Half board, room 1', 1, 'half_board', 30, true, 7, 0, -5, 2, 10, NULL, NULL
  FROM generate_series($first + 1, $last) h WHERE h % 5 = 0
UNION ALL
SELECT h, 4, 'Early bird', NULL, 'room_only', 0, false, NULL, -20, 0, 1, NULL, 7, 40
  FROM generate_series($first + 1, $last) h WHERE h % 7 = 0;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, 1, -15 FROM pricing.room
 WHERE hotel_id > $first AND hotel_id <= $last AND (hotel_id + room_id) % 3 = 0
UNION ALL
SELECT hotel_id, room_id, 3, 10 FROM pricing.room
 WHERE hotel_id > $first AND hotel_id <= $last AND (hotel_id + room_id) % 4 = 0;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to,
                              min_days_ahead, plan_id)
SELECT h, NULL::int, 10, 3, NULL::date, NULL::date, NULL::int, NULL::int
  FROM generate_series($first + 1, $last) h WHERE h % 2 = 1
UNION ALL
SELECT h, 1, 15, 1, current_date + 5, current_date + 20, NULL, NULL
  FROM generate_series($first + 1, $last) h WHERE h % 3 = 1
UNION ALL
SELECT h, NULL, 7.5, 2, NULL, NULL, 10, NULL
  FROM generate_series($first + 1, $last) h WHERE h % 5 = 2
UNION ALL
SELECT h, NULL, 20, 1, NULL, NULL, NULL, 2
  FROM generate_series($first + 1, $last) h WHERE h % 6 = 3;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT h, 'Cleaning', 25, 'stay' FROM generate_series($first + 1, $last) h WHERE h % 2 = 0
UNION ALL
SELECT h, 'Parking', 8.50, 'night' FROM generate_series($first + 1, $last) h WHERE h % 3 = 0
UNION ALL
SELECT h, 'Resort', 1.20, 'guest_night' FROM generate_series($first + 1, $last) h WHERE h % 5 = 0;
COMMIT;});
	return;
}

# public.inc_answers(cities, hotels): the answers of every reader for a broad
# set of arguments, one line each ("kind|arguments|rows"), in a fixed order.
#   cheapest: every city x 9 stays x 1..4 guests
#   search: every city x 9 stays x 6 parties x (own currency, USD), and with
#           min_board, free_cancellation and max_total
#   offers, explain, quote: every hotel x a few stays and parties
#   calendar: every city, 41 check-in dates, 1 and 3 nights, 2 parties,
#           2 currencies
#   hotel_calendar: every hotel, 41 dates, 2 nights
# The stays include a night before the window's first (-2) and nights after
# its last.
sub create_answers_function
{
	my ($node, $db) = @_;
	$node->safe_psql($db // 'postgres', q{
CREATE FUNCTION public.inc_answers(cities text[], hotels bigint[]) RETURNS SETOF text
LANGUAGE sql VOLATILE AS $f$
WITH stays(f, t) AS (VALUES (0, 1), (1, 3), (5, 8), (10, 14), (2, 9), (20, 27), (30, 44),
                            (44, 47), (58, 62), (-2, 1)),
     parties(a, ch) AS (VALUES (2, '{}'::int[]), (1, '{}'), (3, '{}'), (2, '{5}'),
                               (2, '{1,8,15}'), (1, '{0,0}')),
     c(c) AS (SELECT unnest(cities)),
     h(h) AS (SELECT unnest(hotels))
SELECT line FROM (
SELECT format('cheapest|%s|%s|%s|%s' || E'\t', c.c, s.f, s.t, g) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.cheapest(c.c, current_date + s.f, current_date + s.t, g, 200)
                        WITH ORDINALITY x), '')
  FROM c, stays s, generate_series(1, 4) g
UNION ALL
SELECT format('search|%s|%s|%s|%s|%s|%s' || E'\t', c.c, s.f, s.t, p.a, p.ch, cu.cur) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.search(c.c, current_date + s.f, current_date + s.t, p.a, p.ch,
                                       max_results => 200, currency => cu.cur)
                        WITH ORDINALITY x), '')
  FROM c, stays s, parties p, (VALUES (NULL::char(3)), ('USD')) cu(cur)
UNION ALL
SELECT format('search_options|%s|%s|%s|%s' || E'\t', c.c, s.f, s.t, v.v) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.search(c.c, current_date + s.f, current_date + s.t, 2, '{}',
                                       max_results => v.m, min_stars => v.st,
                                       max_total => v.mt, currency => v.cur,
                                       min_board => v.b, free_cancellation => v.fc)
                        WITH ORDINALITY x), '')
  FROM c, stays s,
       (VALUES (1, 3, 0, NULL::numeric, NULL::char(3), 'breakfast', false),
               (2, 5, 2, 900, 'GBP', 'room_only', true),
               (3, 1, 4, NULL, 'EUR', 'half_board', false)) v(v, m, st, mt, cur, b, fc)
UNION ALL
SELECT format('offers|%s|%s|%s|%s|%s' || E'\t', h.h, s.f, s.t, p.a, p.ch) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.offers(h.h, current_date + s.f, current_date + s.t, p.a, p.ch)
                        WITH ORDINALITY x), '')
  FROM h, (VALUES (1, 3), (5, 8), (10, 14), (30, 44)) s(f, t),
       (VALUES (2, '{}'::int[]), (1, '{}'), (2, '{1,8,15}')) p(a, ch)
UNION ALL
SELECT format('explain|%s|%s|%s|%s|%s' || E'\t', h.h, s.f, s.t, p.a, p.ch) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.explain(h.h, current_date + s.f, current_date + s.t, p.a, p.ch)
                        WITH ORDINALITY x), '')
  FROM h, (VALUES (2, 9), (20, 27), (58, 62)) s(f, t),
       (VALUES (2, '{}'::int[]), (3, '{0,0,4}')) p(a, ch)
UNION ALL
SELECT format('quote|%s|%s|%s|%s' || E'\t', h.h, s.f, s.t, g) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.quote(h.h, current_date + s.f, current_date + s.t, g)
                        WITH ORDINALITY x), '')
  FROM h, (VALUES (1, 3), (20, 27)) s(f, t), (VALUES (1), (3)) gg(g)
UNION ALL
SELECT format('calendar|%s|%s|%s|%s|%s' || E'\t', c.c, n, p.a, p.ch, cu.cur) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.calendar(c.c, current_date, current_date + 40, n, p.a, p.ch,
                                         currency => cu.cur)
                        WITH ORDINALITY x), '')
  FROM c, (VALUES (1), (3)) nn(n), (VALUES (2, '{}'::int[]), (1, '{7}')) p(a, ch),
       (VALUES (NULL::char(3)), ('USD')) cu(cur)
UNION ALL
SELECT format('hotel_calendar|%s' || E'\t', h.h) ||
       coalesce((SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
                   FROM pricing.hotel_calendar(h.h, current_date, current_date + 40, 2)
                        WITH ORDINALITY x), '')
  FROM h
) q(line)
ORDER BY line
$f$;});
	return;
}

# The lines of inc_answers for the hotels @$hotels and the cities @$cities.
sub answers
{
	my ($node, $db, $cities, $hotels) = @_;
	my $c = join(',', map { "'$_'" } @$cities);
	my $h = join(',', @$hotels);
	return split /\n/,
	  $node->safe_psql($db // 'postgres',
		"SELECT public.inc_answers(ARRAY[$c]::text[], ARRAY[$h]::bigint[])");
}

# answers() read while a single generation serves (the same generation
# before and after; retried a few times if not).  Returns (generation,
# lines).
sub stable_answers
{
	my ($node, $db, $cities, $hotels) = @_;
	for my $try (1 .. 5)
	{
		my $g0 = PricingTest::status_of($node, $db // 'postgres', 'generation');
		my @lines = answers($node, $db, $cities, $hotels);
		my $g1 = PricingTest::status_of($node, $db // 'postgres', 'generation');
		return ($g0, @lines) if $g0 eq $g1;
		note("a new generation ($g1) served while the answers were read from $g0; again");
	}
	return (undef);
}

# Compare two lists of answer lines ("arguments<TAB>rows"); one test.  Shows
# the first differences.
sub compare_answers
{
	my ($got, $want, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my (%got, %want);
	for (@$got) { my ($k, $v) = split /\t/, $_, 2; $got{$k} = $v // ''; }
	for (@$want) { my ($k, $v) = split /\t/, $_, 2; $want{$k} = $v // ''; }
	my %keys = (%got, %want);
	my $mismatch = 0;
	for my $k (sort keys %keys)
	{
		my ($g, $w) = ($got{$k} // '<no line>', $want{$k} // '<no line>');
		next if $g eq $w;
		$mismatch++;
		if ($mismatch <= 6)
		{
			diag("$k:");
			diag("  now:      " . substr($g, 0, 700));
			diag("  expected: " . substr($w, 0, 700));
		}
	}
	my $rows = grep { $_ ne '' } values %want;
	return is($mismatch, 0,
		sprintf('%s: all %d answers identical row for row (%d with rows)',
			$what, scalar(keys %want), $rows));
}

# Run an SQL script in one psql, stopping at the first error; returns
# (rc, stderr).
sub run_script
{
	my ($node, $db, $sql) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql($db // 'postgres', $sql,
		stdout => \$out, stderr => \$err, on_error_stop => 1,
		extra_params => [ '-q' ]);
	return ($rc, $err);
}

# A list of $o{count} transactions (SQL text, each BEGIN ... COMMIT) of
# random committed changes of every kind, from the seed $o{seed}, on the
# hotels @{$o{hotels}} (and the new hotel ids @{$o{new_ids}}, which the
# transactions insert, delete and insert again).  Every statement is valid
# whatever the earlier ones did: they name rows by keys and guard foreign
# keys with EXISTS, so a statement on a deleted hotel does nothing.  A
# transaction changes one to three hotels, in one city or several.  Between
# transactions a pause of 0, 2 or 15 ms (pg_sleep), so that the worker
# applies some alone and some together.  Some statements run in a savepoint
# that is released, and some in one rolled back, followed by another change
# to the same hotel.  Rooms 1..3 are the loaded rooms,
# 4..6 rooms added with rates, 9 a room without rates (which only explain
# shows) that moves between hotels.
sub random_changes
{
	my (%o) = @_;
	srand($o{seed});
	my @pool = @{ $o{hotels} };
	my @new = @{ $o{new_ids} // [] };
	my @cities = (@{ $o{cities} // \@RICH_CITIES }, $o{new_city} // 'Incnew');
	my @txns;
	my %kinds;
	for my $i (1 .. $o{count})
	{
		my $nstmt = rand() < 0.3 ? 2 + int(rand(2)) : 1;
		my @stmts;
		for (1 .. $nstmt)
		{
			my $x = rand();
			if ($x < 0.12)
			{
				# a change rolled back to a savepoint, then another change
				# to the same hotel
				my $h = _pick(\@pool);
				my (undef, $undone) = _one_change(\@pool, \@new, \@cities, $h);
				my ($kind, $sql) = _one_change(\@pool, \@new, \@cities, $h);
				$kinds{"$kind after a rollback to a savepoint"}++;
				push @stmts, "SAVEPOINT sp;\n$undone\nROLLBACK TO SAVEPOINT sp;\n$sql";
				next;
			}
			my ($kind, $sql) = _one_change(\@pool, \@new, \@cities);
			$kinds{$kind}++;
			$sql = "SAVEPOINT sp;\n$sql\nRELEASE SAVEPOINT sp;" if $x < 0.17;
			push @stmts, $sql;
		}
		my $pause = (0, 0, 0.002, 0.015)[ int(rand(4)) ];
		push @txns,
		  "BEGIN;\n" . join("\n", @stmts) . "\nCOMMIT;\n"
		  . ($pause ? "SELECT pg_sleep($pause);\n" : '');
	}
	return (\@txns, \%kinds);
}

sub _pick { return $_[0]->[ int(rand(scalar @{ $_[0] })) ]; }
sub _money { my ($lo, $hi) = @_; return sprintf('%.2f', $lo + rand($hi - $lo)); }

sub _nights
{
	my $len = 1 + int(rand(30));
	my $d0 = -1 + int(rand(47));
	my $d1 = $d0 + $len - 1;
	$d1 = 45 if $d1 > 45;
	return ($d0, $d1);
}

sub _one_change
{
	my ($pool, $new, $cities, $force_h) = @_;
	my @kinds = (
		[ rate_price => 14 ], [ rate_available => 5 ], [ rate_min_stay => 3 ],
		[ rate_flags => 4 ], [ rate_delete => 3 ], [ rate_upsert => 4 ],
		[ rate_wide => 1 ], [ rate_move => 2 ], [ rate_many_hotels => 2 ],
		[ room_insert => 3 ], [ room_delete => 2 ], [ room_update => 4 ],
		[ room_bare => 2 ], [ room_move => 2 ],
		[ hotel_update => 4 ], [ hotel_currency => 2 ], [ hotel_move => 3 ],
		[ hotel_insert => 3 ], [ hotel_delete => 2 ],
		[ plan_upsert => 4 ], [ plan_delete => 2 ], [ plan_move => 1 ],
		[ occupancy_upsert => 3 ], [ occupancy_delete => 2 ],
		[ discount_insert => 3 ], [ discount_update => 2 ], [ discount_delete => 2 ],
		[ discount_move => 1 ],
		[ fee_insert => 3 ], [ fee_update => 2 ], [ fee_delete => 2 ], [ fee_move => 1 ]);
	my $total = 0;
	$total += $_->[1] for @kinds;
	my $x = rand($total);
	my $kind;
	for (@kinds)
	{
		$x -= $_->[1];
		if ($x < 0) { $kind = $_->[0]; last; }
	}
	$kind //= 'rate_price';
	my $h = $force_h // _pick($pool);
	my $h2 = _pick($pool);
	my $r = 1 + int(rand(3));
	my ($d0, $d1) = _nights();
	my $nights = "stay_date BETWEEN current_date + $d0 AND current_date + $d1";
	my $room = rand() < 0.8 ? "AND room_id = $r" : '';
	my $sql;
	if ($kind eq 'rate_price')
	{
		my $p = _money(20, 400);
		$sql = "UPDATE pricing.rate SET price = $p WHERE hotel_id = $h $room AND $nights;";
	}
	elsif ($kind eq 'rate_available')
	{
		my $a = _pick([ 0, 0, 1, 2, 5 ]);
		$sql = "UPDATE pricing.rate SET available = $a WHERE hotel_id = $h $room AND $nights;";
	}
	elsif ($kind eq 'rate_min_stay')
	{
		my $m = 1 + int(rand(4));
		$sql = "UPDATE pricing.rate SET min_stay = $m WHERE hotel_id = $h $room AND $nights;";
	}
	elsif ($kind eq 'rate_flags')
	{
		my $set = _pick([
				'closed_to_arrival = NOT closed_to_arrival',
				'closed_to_departure = NOT closed_to_departure',
				'max_stay = NULL',
				'max_stay = ' . (2 + int(rand(6))),
				'closed_to_arrival = false, closed_to_departure = false, max_stay = NULL, min_stay = 1' ]);
		$sql = "UPDATE pricing.rate SET $set WHERE hotel_id = $h $room AND $nights;";
	}
	elsif ($kind eq 'rate_delete')
	{
		$sql = "DELETE FROM pricing.rate WHERE hotel_id = $h $room AND $nights;";
	}
	elsif ($kind eq 'rate_upsert')
	{
		my $p = _money(25, 300);
		my $a = 1 + int(rand(3));
		$sql = "INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT hotel_id, room_id, current_date + d, $p + d, $a
  FROM pricing.room, generate_series($d0, $d1) d WHERE hotel_id = $h $room
ON CONFLICT (hotel_id, room_id, stay_date) DO UPDATE SET price = EXCLUDED.price, available = EXCLUDED.available;";
	}
	elsif ($kind eq 'rate_wide')
	{
		# a night dearer than the 32-bit prefix sums hold: the room becomes
		# "wide" (or back, with an ordinary price)
		my $p = rand() < 0.5 ? '200000.00' : _money(40, 90);
		my $d = 1 + int(rand(30));
		$sql = "UPDATE pricing.rate SET price = $p WHERE hotel_id = $h AND room_id = $r AND stay_date BETWEEN current_date + $d AND current_date + $d + 1;";
	}
	elsif ($kind eq 'rate_move')
	{
		# one night's rate row changes hotel (its key): both hotels change
		my $d = int(rand(40));
		$sql = "DELETE FROM pricing.rate WHERE hotel_id = $h2 AND room_id = $r AND stay_date = current_date + $d
   AND EXISTS (SELECT FROM pricing.rate WHERE hotel_id = $h AND room_id = $r AND stay_date = current_date + $d);
UPDATE pricing.rate SET hotel_id = $h2, price = price + 1
 WHERE hotel_id = $h AND room_id = $r AND stay_date = current_date + $d
   AND EXISTS (SELECT FROM pricing.room WHERE hotel_id = $h2 AND room_id = $r);";
	}
	elsif ($kind eq 'rate_many_hotels')
	{
		my $h3 = _pick($pool);
		my $d = int(rand(40));
		$sql = "UPDATE pricing.rate SET price = price + 1.5, available = greatest(available, 1)
 WHERE hotel_id IN ($h, $h2, $h3) AND stay_date BETWEEN current_date + $d AND current_date + $d + 3;";
	}
	elsif ($kind eq 'room_insert')
	{
		my $rid = 4 + int(rand(3));
		my ($mg, $bg) = (1 + int(rand(5)), 1 + int(rand(2)));
		my $fee = _money(0, 30);
		my $mi = int(rand(3));
		my $ecf = rand() < 0.5 ? 'NULL' : _money(0, 15);
		my $p = _money(30, 250);
		$sql = "INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee, max_infants, extra_child_fee)
SELECT $h, $rid, 'Added $rid', $mg, $bg, $fee, $mi, $ecf FROM pricing.hotel WHERE hotel_id = $h
ON CONFLICT DO NOTHING;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay)
SELECT hotel_id, room_id, current_date + d, $p + (d % 7), 1 + d % 3, 1 + (d % 11 = 0)::int
  FROM pricing.room, generate_series(-1, 45) d WHERE hotel_id = $h AND room_id = $rid AND d % 17 <> 5
ON CONFLICT DO NOTHING;";
	}
	elsif ($kind eq 'room_delete')
	{
		my $rid = _pick([ 1, 2, 3, 4, 5, 6, 9 ]);
		$sql = "DELETE FROM pricing.room WHERE hotel_id = $h AND room_id = $rid;";
	}
	elsif ($kind eq 'room_update')
	{
		my $set = _pick([
				'max_guests = ' . (1 + int(rand(5))),
				'base_guests = ' . (1 + int(rand(3))),
				'extra_guest_fee = ' . _money(0, 40),
				'max_infants = ' . int(rand(3)),
				'extra_child_fee = ' . (rand() < 0.3 ? 'NULL' : _money(0, 20)),
				"name = name || '+'" ]);
		$sql = "UPDATE pricing.room SET $set WHERE hotel_id = $h AND room_id = $r;";
	}
	elsif ($kind eq 'room_bare')
	{
		$sql = "INSERT INTO pricing.room (hotel_id, room_id, name, max_guests)
SELECT $h, 9, 'Bare', 2 FROM pricing.hotel WHERE hotel_id = $h ON CONFLICT DO NOTHING;";
	}
	elsif ($kind eq 'room_move')
	{
		# room 9 never has rates, occupancy rows or plans: its key can move
		$sql = "UPDATE pricing.room SET hotel_id = $h2, name = 'Moved from $h'
 WHERE hotel_id = $h AND room_id = 9 AND $h <> $h2
   AND EXISTS (SELECT FROM pricing.hotel WHERE hotel_id = $h2)
   AND NOT EXISTS (SELECT FROM pricing.room WHERE hotel_id = $h2 AND room_id = 9);";
	}
	elsif ($kind eq 'hotel_update')
	{
		my $set = _pick([
				'stars = ' . int(rand(6)),
				'vat_percent = ' . _pick([ 0, 7, 10, 19.5, 21 ]),
				'city_tax = ' . _pick([ 0, 0.5, 1.25, 3 ]),
				'infant_age = 0, child_age = ' . (8 + int(rand(8))),
				'infant_age = ' . int(rand(4)) . ', child_age = 12',
				"name = 'Renamed ' || hotel_id" ]);
		$sql = "UPDATE pricing.hotel SET $set WHERE hotel_id = $h;";
	}
	elsif ($kind eq 'hotel_currency')
	{
		my $cur = _pick([ 'EUR', 'USD', 'GBP', 'CHF' ]);
		$sql = "UPDATE pricing.hotel SET currency = '$cur' WHERE hotel_id = $h;";
	}
	elsif ($kind eq 'hotel_move')
	{
		my $c = _pick($cities);
		$sql = "UPDATE pricing.hotel SET city = '$c' WHERE hotel_id = $h;";
	}
	elsif ($kind eq 'hotel_insert')
	{
		my $n = @$new ? _pick($new) : $h;
		push @$pool, $n unless grep { $_ == $n } @$pool;
		my $c = _pick($cities);
		my $p = _money(30, 250);
		my $vat = _pick([ 0, 7, 10 ]);
		my $cur = _pick([ 'EUR', 'USD', 'CHF' ]);
		$sql = "INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
VALUES ($n, '$c', 'New $n', " . int(rand(6)) . ", '$cur', $vat, 1.00) ON CONFLICT DO NOTHING;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT $n, r, 'New room ' || r, 1 + r, 2, 10 FROM generate_series(1, 2) r ON CONFLICT DO NOTHING;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT $n, r, current_date + d, $p + r * 10 + d % 5, 1 + (d + r) % 3
  FROM generate_series(1, 2) r, generate_series(-1, 45) d ON CONFLICT DO NOTHING;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable, adjust_percent)
VALUES ($n, 1, 'Breakfast', 'breakfast', 9.00, false, -5) ON CONFLICT DO NOTHING;";
	}
	elsif ($kind eq 'hotel_delete')
	{
		my $n = @$new && rand() < 0.5 ? _pick($new) : $h;
		$sql = "DELETE FROM pricing.hotel WHERE hotel_id = $n;";
	}
	elsif ($kind eq 'plan_upsert')
	{
		my $p = int(rand(6));
		my ($board, $bf) = @{ _pick([ [ 'room_only', 0 ], [ 'breakfast', 11 ], [ 'half_board', 25 ],
			[ 'full_board', 40 ], [ 'all_inclusive', 70 ] ]) };
		my $ref = rand() < 0.5 ? 'true' : 'false';
		my $cd = rand() < 0.5 ? 'NULL' : int(rand(10));
		my ($ap, $aa) = $p == 0 ? (0, 0) : (_pick([ -30, -10, 0, 5, 15 ]), _pick([ -8, 0, 0, 6.5 ]));
		my $ms = 1 + int(rand(3));
		my $mx = rand() < 0.7 ? 'NULL' : 3 + int(rand(6));
		my $mda = rand() < 0.8 ? 'NULL' : int(rand(15));
		my $xda = rand() < 0.8 ? 'NULL' : 10 + int(rand(30));
		my $for_room = $p > 0 && rand() < 0.3;
		my $from = $for_room
		  ? "FROM pricing.room WHERE hotel_id = $h AND room_id = $r"
		  : "FROM pricing.hotel WHERE hotel_id = $h";
		my $room_id = $for_room ? $r : 'NULL::int';
		$sql = "INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
       cancel_days, adjust_percent, adjust_amount, min_stay, max_stay, min_days_ahead, max_days_ahead)
SELECT $h, $p, 'Plan $p', $room_id, '$board', $bf, $ref, $cd, $ap, $aa, $ms, $mx, $mda, $xda $from
ON CONFLICT (hotel_id, plan_id) DO UPDATE SET name = EXCLUDED.name || '*', room_id = EXCLUDED.room_id,
  board = EXCLUDED.board, board_fee = EXCLUDED.board_fee, refundable = EXCLUDED.refundable,
  cancel_days = EXCLUDED.cancel_days, adjust_percent = EXCLUDED.adjust_percent,
  adjust_amount = EXCLUDED.adjust_amount, min_stay = EXCLUDED.min_stay, max_stay = EXCLUDED.max_stay,
  min_days_ahead = EXCLUDED.min_days_ahead, max_days_ahead = EXCLUDED.max_days_ahead;";
	}
	elsif ($kind eq 'plan_delete')
	{
		my $p = int(rand(6));
		$sql = "DELETE FROM pricing.rate_plan WHERE hotel_id = $h AND plan_id = $p;";
	}
	elsif ($kind eq 'plan_move')
	{
		# a plan of no room changes hotel (its key)
		my $p = 1 + int(rand(5));
		$sql = "UPDATE pricing.rate_plan SET hotel_id = $h2
 WHERE hotel_id = $h AND plan_id = $p AND room_id IS NULL AND $h <> $h2
   AND EXISTS (SELECT FROM pricing.hotel WHERE hotel_id = $h2)
   AND NOT EXISTS (SELECT FROM pricing.rate_plan WHERE hotel_id = $h2 AND plan_id = $p);";
	}
	elsif ($kind eq 'occupancy_upsert')
	{
		my $occ = 1 + int(rand(4));
		my $pct = _pick([ -25, -10, 0, 8, 20 ]);
		$sql = "INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, $occ, $pct FROM pricing.room WHERE hotel_id = $h AND room_id = $r
ON CONFLICT (hotel_id, room_id, occupants) DO UPDATE SET adjust_percent = EXCLUDED.adjust_percent;";
	}
	elsif ($kind eq 'occupancy_delete')
	{
		$sql = "DELETE FROM pricing.occupancy WHERE hotel_id = $h AND room_id = $r;";
	}
	elsif ($kind eq 'discount_insert')
	{
		my $pct = _pick([ 5, 10, 12.5, 30, 100 ]);
		my $mn = 1 + int(rand(4));
		my $room_id = rand() < 0.3 ? $r : 'NULL';
		my $plan = rand() < 0.2 ? int(rand(3)) : 'NULL';
		my ($cf, $ct) = rand() < 0.3
		  ? ('current_date + ' . int(rand(10)), 'current_date + ' . (10 + int(rand(20))))
		  : ('NULL', 'NULL');
		my $mda = rand() < 0.2 ? int(rand(15)) : 'NULL';
		$sql = "INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead, plan_id)
SELECT $h, $room_id, $pct, $mn, $cf, $ct, $mda, $plan FROM pricing.hotel WHERE hotel_id = $h;";
	}
	elsif ($kind eq 'discount_update')
	{
		my $pct = _pick([ 3, 10, 25, 50 ]);
		$sql = "UPDATE pricing.discount SET percent = $pct, min_nights = " . (1 + int(rand(3))) . "
 WHERE discount_id = (SELECT min(discount_id) FROM pricing.discount WHERE hotel_id = $h);";
	}
	elsif ($kind eq 'discount_delete')
	{
		$sql = "DELETE FROM pricing.discount WHERE discount_id = (SELECT max(discount_id) FROM pricing.discount WHERE hotel_id = $h);";
	}
	elsif ($kind eq 'discount_move')
	{
		$sql = "UPDATE pricing.discount SET hotel_id = $h2
 WHERE discount_id = (SELECT min(discount_id) FROM pricing.discount WHERE hotel_id = $h)
   AND EXISTS (SELECT FROM pricing.hotel WHERE hotel_id = $h2);";
	}
	elsif ($kind eq 'fee_insert')
	{
		my $per = _pick([ 'stay', 'night', 'guest_night' ]);
		my $amt = _money(0, 30);
		$sql = "INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT $h, 'Fee $per', $amt, '$per' FROM pricing.hotel WHERE hotel_id = $h;";
	}
	elsif ($kind eq 'fee_update')
	{
		my $amt = _money(0, 30);
		$sql = "UPDATE pricing.fee SET amount = $amt
 WHERE fee_id = (SELECT min(fee_id) FROM pricing.fee WHERE hotel_id = $h);";
	}
	elsif ($kind eq 'fee_delete')
	{
		$sql = "DELETE FROM pricing.fee WHERE fee_id = (SELECT max(fee_id) FROM pricing.fee WHERE hotel_id = $h);";
	}
	elsif ($kind eq 'fee_move')
	{
		$sql = "UPDATE pricing.fee SET hotel_id = $h2
 WHERE fee_id = (SELECT min(fee_id) FROM pricing.fee WHERE hotel_id = $h)
   AND EXISTS (SELECT FROM pricing.hotel WHERE hotel_id = $h2);";
	}
	return ($kind, $sql);
}

1;
