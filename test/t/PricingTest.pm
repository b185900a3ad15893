# PricingTest.pm: shared helpers for the pricing TAP tests (test/t/*.pl).
#
# A test does
#     use FindBin;
#     use lib $FindBin::RealBin;
#     use PricingTest;
#
# Every date is relative to current_date, because the index only holds the
# nights from current_date - 1 to current_date + pricing.horizon_days.

package PricingTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(
  new_pricing_node
  new_primary_and_standby
  load_sample_data
  load_bulk_data
  cheapest_query
  reference_query
  cheapest
  reference
  wait_serving
  status_of
  worker_pid
  worker_pid_from_activity
  worker_waits_for_lock
  sql_error
  $SAMPLE_CHEAPEST
  @READER_CALLS
);

# The answer of cheapest_query() on the sample data: hotel:room:total for the
# stay current_date+5 .. current_date+8 (3 nights), 2 guests, in Testville.
#   hotel 1: 3 x 100.00 + city tax 1.50 x 2 guests x 3 nights       = 309.00
#   hotel 2: room 2 (3 x 115.00 = 345.00) + 10% VAT 34.50           = 379.50
#            (room 1: 3 x 120.00 + 36.00 VAT = 396.00)
#   hotel 3: 3 x 150.00 - 10% discount (45.00) + cleaning 25.00    = 430.00
#   hotel 4 is in Otherton.
our $SAMPLE_CHEAPEST = '1:1:309.00,2:2:379.50,3:1:430.00';

# Calls of every reader, including those whose arguments alone decide the
# answer is empty (no rows wanted, a negative limit, an unknown city or
# hotel, dates outside the window).  Whatever the arguments, a reader with
# no index to answer from must say so (55000), not return no rows.
our @READER_CALLS = (
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8, max_results => 0)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8, max_total => -1)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8, max_total => 0)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5, current_date + 8, min_stars => 6)},
	q{SELECT * FROM pricing.cheapest('Nowhere', current_date + 5, current_date + 8)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date + 5000, current_date + 5001)},
	q{SELECT * FROM pricing.cheapest('Testville', current_date - 5000, current_date - 4999)},
	q{SELECT * FROM pricing.quote(1, current_date + 5, current_date + 8)},
	q{SELECT * FROM pricing.quote(-1, current_date + 5, current_date + 8)},
	q{SELECT * FROM pricing.quote(1, current_date + 5000, current_date + 5001)},
	q{SELECT * FROM pricing.quote(1, current_date + 5, current_date + 8, guests => 100)});

# A node configured for the extension; not started.  %conf overrides or adds
# postgresql.conf settings (values are written verbatim).
sub new_pricing_node
{
	my ($name, %conf) = @_;
	my $init = delete $conf{init} // {};
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%$init);
	my %settings = (
		shared_preload_libraries => "'pricing'",
		'pricing.database' => "'postgres'",
		'pricing.shared_memory' => "'128MB'",
		# Off, so that a change can only reach the index through the
		# change notification or pricing.refresh(), never by a timer.
		'pricing.refresh_interval' => "'0'",
		'pricing.horizon_days' => '60',
		max_worker_processes => '16',
		%conf);
	$node->append_conf('postgresql.conf',
		join('', map { "$_ = $settings{$_}\n" } sort keys %settings));
	return $node;
}

# A streaming primary serving the sample data, and a hot standby of it,
# started and caught up; the standby inherits the primary's settings.
sub new_primary_and_standby
{
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $primary = new_pricing_node('primary', init => { allows_streaming => 1 });
	$primary->start;
	load_sample_data($primary, 'postgres');
	wait_serving($primary, 'postgres', $SAMPLE_CHEAPEST, 'primary serves');

	$primary->backup('backup');
	my $standby = PostgreSQL::Test::Cluster->new('standby');
	$standby->init_from_backup($primary, 'backup', has_streaming => 1);
	$standby->start;
	$primary->wait_for_catchup($standby);
	return ($primary, $standby);
}

# CREATE EXTENSION and the small data set that $SAMPLE_CHEAPEST describes.
sub load_sample_data
{
	my ($node, $db) = @_;
	$db //= 'postgres';
	$node->safe_psql($db, 'CREATE EXTENSION IF NOT EXISTS pricing');
	$node->safe_psql(
		$db, q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax) VALUES
  (1, 'Testville', 'Alpha', 3, 'EUR',  0, 1.50),
  (2, 'Testville', 'Beta',  4, 'EUR', 10, 0),
  (3, 'Testville', 'Gamma', 5, 'EUR',  0, 0),
  (4, 'Otherton',  'Delta', 2, 'EUR',  0, 0);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (1, 1, 'Double', 2, 2, 0),
  (2, 1, 'Double', 2, 2, 0),
  (2, 2, 'Family', 4, 2, 20),
  (3, 1, 'Suite',  3, 2, 0),
  (4, 1, 'Single', 1, 1, 0);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT p.h, p.r, d::date, p.price, 5
  FROM (VALUES (1, 1, 100.00), (2, 1, 120.00), (2, 2, 115.00),
               (3, 1, 150.00), (4, 1, 50.00)) AS p(h, r, price)
 CROSS JOIN generate_series(current_date - 1, current_date + 30, interval '1 day') AS d;
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (3, 'Cleaning', 25.00, 'stay');
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights) VALUES (3, NULL, 10, 3);
COMMIT;
});
	return;
}

# A larger data set in the city 'Bulkville': $hotels hotels with 2 rooms each
# and a rate for every night of the window, so that a generation takes a few
# megabytes of the arena.
sub load_bulk_data
{
	my ($node, $db, $hotels) = @_;
	$node->safe_psql(
		$db, qq{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, vat_percent, city_tax)
SELECT 100000 + g, 'Bulkville', 'Bulk ' || g, g % 6, (g % 3) * 5, (g % 4) * 0.5
  FROM generate_series(1, $hotels) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT 100000 + g, r, 'Room ' || r, 2 + r, 2, 10 * r
  FROM generate_series(1, $hotels) g, generate_series(1, 2) r;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT 100000 + g, r, d::date, 50 + (g * 7 + r * 13 + (d::date - current_date) * 3) % 200, 1 + (g + r) % 3
  FROM generate_series(1, $hotels) g, generate_series(1, 2) r,
       generate_series(current_date - 1, current_date + 59, interval '1 day') d;
COMMIT;
});
	return;
}

sub _stay
{
	my (%o) = @_;
	return (
		$o{city} // 'Testville',
		$o{from} // 5,
		$o{to} // 8,
		$o{guests} // 2,
		$o{max_results} // 10);
}

# One line "hotel:room:total,..." from the index, in the function's order.
sub cheapest_query
{
	my ($city, $from, $to, $guests, $max) = _stay(@_);
	return qq{SELECT coalesce(string_agg(c.hotel_id || ':' || c.room_id || ':' || c.total, ',' ORDER BY c.ord), '')
  FROM pricing.cheapest('$city', current_date + $from, current_date + $to, $guests, $max)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord)};
}

# The same line computed in plain SQL from the source tables (doc/reference.md, "The price of a stay"),
# for comparison with the index.
sub reference_query
{
	my ($city, $from, $to, $guests, $max) = _stay(@_);
	return qq{
WITH p AS (SELECT current_date + $from AS ci, current_date + $to AS co,
                  $guests AS guests, current_date AS b),
eligible AS (
  SELECT h.hotel_id, r.room_id, h.vat_percent, h.city_tax, r.base_guests,
         r.extra_guest_fee, p.co - p.ci AS n, p.ci, p.b, p.guests,
         sum(rt.price) AS base
    FROM p
    JOIN pricing.hotel h ON h.city = '$city'
    JOIN pricing.room r ON r.hotel_id = h.hotel_id AND p.guests <= r.max_guests
    JOIN pricing.rate rt ON rt.hotel_id = r.hotel_id AND rt.room_id = r.room_id
                        AND rt.stay_date >= p.ci AND rt.stay_date < p.co
   GROUP BY h.hotel_id, r.hotel_id, r.room_id, p.ci, p.co, p.b, p.guests
  HAVING count(*) = p.co - p.ci
     AND bool_and(rt.available >= 1)
     AND bool_and(rt.stay_date <> p.ci
                  OR (NOT rt.closed_to_arrival AND rt.min_stay <= p.co - p.ci))),
sub AS (
  SELECT e.*,
         e.base + greatest(e.guests - e.base_guests, 0) * e.extra_guest_fee * e.n AS subtotal,
         coalesce((SELECT max(d.percent) FROM pricing.discount d
                    WHERE d.hotel_id = e.hotel_id
                      AND (d.room_id IS NULL OR d.room_id = e.room_id)
                      AND e.n >= d.min_nights
                      AND (d.checkin_from IS NULL OR e.ci >= d.checkin_from)
                      AND (d.checkin_to IS NULL OR e.ci <= d.checkin_to)
                      AND (d.min_days_ahead IS NULL OR e.ci - e.b >= d.min_days_ahead)), 0) AS pct,
         coalesce((SELECT sum(CASE f.per WHEN 'stay' THEN f.amount
                                         WHEN 'night' THEN f.amount * e.n
                                         ELSE f.amount * e.guests * e.n END)
                     FROM pricing.fee f WHERE f.hotel_id = e.hotel_id), 0) AS fees
    FROM eligible e),
net AS (
  SELECT s.*, s.subtotal - round(s.subtotal * s.pct / 100, 2) + s.fees AS net FROM sub s),
total AS (
  SELECT n.hotel_id, n.room_id,
         n.net + round(n.net * n.vat_percent / 100, 2) + n.city_tax * n.guests * n.n AS total
    FROM net n),
best AS (
  SELECT DISTINCT ON (hotel_id) hotel_id, room_id, total
    FROM total ORDER BY hotel_id, total, room_id),
top AS (
  SELECT * FROM best ORDER BY total, hotel_id LIMIT $max)
SELECT coalesce(string_agg(hotel_id || ':' || room_id || ':' || round(total, 2),
                           ',' ORDER BY total, hotel_id), '')
  FROM top};
}

sub cheapest
{
	my ($node, $db, %o) = @_;
	return $node->safe_psql($db, cheapest_query(%o));
}

sub reference
{
	my ($node, $db, %o) = @_;
	return $node->safe_psql($db, reference_query(%o));
}

# Poll (no refresh call) until cheapest_query(%o) answers $expected.
sub wait_serving
{
	my ($node, $db, $expected, $what, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	return ok($node->poll_query_until($db, cheapest_query(%o), $expected),
		$what);
}

# One column (or expression over the columns) of the view pricing.status.
sub status_of
{
	my ($node, $db, $expr) = @_;
	return $node->safe_psql($db, "SELECT $expr FROM pricing.status");
}

sub worker_pid
{
	my ($node, $db) = @_;
	return status_of($node, $db // 'postgres', 'worker_pid');
}

# The pid(s) of the refresh worker according to pg_stat_activity.
sub worker_pid_from_activity
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT coalesce(string_agg(pid::text, ',' ORDER BY pid), '') FROM pg_stat_activity
		   WHERE backend_type = 'pricing refresh worker'});
}

# Poll until the refresh worker waits for a heavyweight lock (a refresh
# blocked by a session's lock on a source table); true if it came to that.
sub worker_waits_for_lock
{
	my ($node) = @_;
	return $node->poll_query_until('postgres',
		q{SELECT count(*) > 0 FROM pg_stat_activity
		   WHERE backend_type = 'pricing refresh worker' AND wait_event_type = 'Lock'});
}

# Run $sql expecting an error; returns (exit code, stdout, stderr).
# psql is run with VERBOSITY verbose so stderr carries the SQLSTATE.
sub sql_error
{
	my ($node, $db, $sql) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql(
		$db, "\\set VERBOSITY verbose\n$sql",
		stdout => \$out,
		stderr => \$err,
		on_error_stop => 1);
	return ($rc, $out, $err);
}

1;
