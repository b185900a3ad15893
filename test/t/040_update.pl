# ALTER EXTENSION pricing UPDATE from 1.0 to 1.1, with data, while clients
# query:
#   - a 1.0 installation serves a few cities; pgbench clients call cheapest
#     and quote without pause and check every answer against the one
#     recorded before (a wrong answer is a division by zero, which aborts
#     the client); the update runs in the middle, first left uncommitted for
#     a moment (readers must keep answering, they never wait for its locks),
#     then committed; its commit wakes the worker, which loads the 1.1
#     tables;
#   - the clients saw no error and never stalled for a second; every answer
#     is the same as before; the new columns hold their defaults and the new
#     tables are empty; search with adults => n is cheapest with guests => n
#     (plan 0, 'standard', room_only, free cancellation until check-in), and
#     offers' plan 0 is quote (quote's fees include the board fees);
#   - 1.1 data (a rate plan, an occupancy row, exchange rates) serves;
#   - privileges: pricing_reader reads the new tables and calls search,
#     pricing_admin writes them, a role with neither gets 42501; a write to
#     each new table by pricing_admin wakes the worker
#     (refresh_interval = 0, no call to refresh);
#   - updated on to 1.2, every answer is the same;
#   - an updated 1.0 and a fresh CREATE EXTENSION (1.2) have the same
#     catalog objects: columns, defaults, constraints, indexes, triggers and
#     their enabling, functions, grants, the tables registered for pg_dump,
#     the extension's members.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use PricingTest;

my $node = new_pricing_node('update');
$node->start;

# --- a 1.0 installation with data ----------------------------------------------------
$node->safe_psql('postgres', q{CREATE EXTENSION pricing VERSION '1.0'});
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.0', 'CREATE EXTENSION pricing VERSION 1.0 installs 1.0');
is( $node->safe_psql('postgres',
		q{SELECT to_regproc('pricing.search') IS NULL AND to_regclass('pricing.rate_plan') IS NULL}),
	't', 'without the objects of 1.1');
load_sample_data($node, 'postgres');

# Three more cities of 15 hotels: rooms of 1 to 4 guests, extra guest fees,
# holes, sold-out nights, minimum stays, closed arrivals, discounts and fees
# of every kind, three currencies and VAT rates that round.
$node->safe_psql(
	'postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT 1000 + g, (ARRAY['Updville', 'Migrton', 'Oldham'])[g % 3 + 1], 'Hotel ' || g, g % 6,
       (ARRAY['EUR', 'USD', 'GBP'])[(g / 3) % 3 + 1], (g % 4) * 5.5, (g % 5) * 0.5
  FROM generate_series(1, 45) g;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT 1000 + g, r, 'Room ' || r, 1 + (g + r) % 4, 1 + r % 2, r * 7.5
  FROM generate_series(1, 45) g, generate_series(1, 3) r
 WHERE r <= 1 + g % 3;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT r.hotel_id, r.room_id, current_date + d,
       60 + (r.hotel_id * 13 + r.room_id * 17 + d * 5) % 170 + (d % 3) * 0.33,
       CASE WHEN (r.hotel_id + r.room_id + d) % 13 = 0 THEN 0 ELSE 1 + (r.hotel_id + d) % 4 END,
       CASE WHEN (r.hotel_id + d) % 8 = 0 THEN 3 ELSE 1 END,
       (r.hotel_id + r.room_id + d) % 17 = 0
  FROM pricing.room r, generate_series(-1, 40) d
 WHERE r.hotel_id > 1000 AND (r.hotel_id * r.room_id + d) % 31 <> 0;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead)
SELECT 1000 + g, NULL, 12.5, 2, NULL::date, NULL::date, NULL::int FROM generate_series(1, 45) g WHERE g % 2 = 0
UNION ALL
SELECT 1000 + g, 1, 20, 1, current_date + 2, current_date + 15, 4 FROM generate_series(1, 45) g WHERE g % 3 = 0
UNION ALL
SELECT 1000 + g, NULL, 5, 1, NULL, NULL, NULL FROM generate_series(1, 45) g WHERE g % 7 = 0;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT 1000 + g, 'Cleaning', 30, 'stay' FROM generate_series(1, 45) g WHERE g % 2 = 1
UNION ALL
SELECT 1000 + g, 'Parking', 9.50, 'night' FROM generate_series(1, 45) g WHERE g % 4 = 0
UNION ALL
SELECT 1000 + g, 'Tourism', 1.10, 'guest_night' FROM generate_series(1, 45) g WHERE g % 5 = 0;
COMMIT;
});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(cheapest($node, 'postgres'), $SAMPLE_CHEAPEST, '1.0 serves the sample');
is( cheapest($node, 'postgres', city => 'Migrton', from => 2, to => 6, max_results => 20),
	reference($node, 'postgres', city => 'Migrton', from => 2, to => 6, max_results => 20),
	'and the other cities as the reference computes them');

# --- the probes: calls of cheapest and quote with their answers -------------------------
# public.probe_answer(p) is the answer of a probe as one line of text.
$node->safe_psql(
	'postgres', q{
CREATE TABLE public.probe (i int PRIMARY KEY, kind text, city text, hotel bigint,
                           f int, t int, g int, answer text);
INSERT INTO public.probe (i, kind, city, f, t, g)
SELECT row_number() OVER (ORDER BY c, s.f, g), 'cheapest', c, s.f, s.t, g
  FROM unnest(ARRAY['Testville', 'Updville', 'Migrton', 'Oldham']) c,
       (VALUES (1, 3), (5, 8), (0, 1), (10, 14), (2, 9), (20, 27), (35, 39)) s(f, t),
       generate_series(1, 4) g;
INSERT INTO public.probe (i, kind, hotel, f, t, g)
SELECT 1000 + row_number() OVER (ORDER BY h, s.f, g), 'quote', h, s.f, s.t, g
  FROM (SELECT hotel_id FROM pricing.hotel) hh(h),
       (VALUES (1, 3), (5, 8), (10, 14)) s(f, t),
       generate_series(1, 3) g;
CREATE FUNCTION public.probe_answer(p public.probe) RETURNS text LANGUAGE sql AS $$
SELECT CASE p.kind
  WHEN 'cheapest' THEN
    (SELECT coalesce(string_agg(row(c.hotel_id, c.name, c.stars, c.room_id, c.total, c.currency)::text,
                                ';' ORDER BY c.o), '')
       FROM pricing.cheapest(p.city, current_date + p.f, current_date + p.t, p.g, 20)
            WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, o))
  ELSE
    (SELECT coalesce(string_agg(row(q.room_id, q.nights, q.base, q.extra, q.discount, q.fees,
                                    q.vat, q.city_tax, q.total)::text, ';' ORDER BY q.o), '')
       FROM pricing.quote(p.hotel, current_date + p.f, current_date + p.t, p.g)
            WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, o))
  END
$$;
UPDATE public.probe p SET answer = public.probe_answer(p);
});
my $answers_sql =
  q{SELECT string_agg(p.i || '=' || public.probe_answer(p), E'\n' ORDER BY p.i) FROM public.probe p};
my $before = $node->safe_psql('postgres', $answers_sql);
my ($ncheapest, $nquote, $answered) = split /\|/, $node->safe_psql('postgres',
	q{SELECT count(*) FILTER (WHERE kind = 'cheapest'), count(*) FILTER (WHERE kind = 'quote'),
	         count(*) FILTER (WHERE answer <> '') FROM public.probe});
note("$ncheapest calls of cheapest, $nquote of quote, $answered with an answer");
cmp_ok($answered, '>', ($ncheapest + $nquote) / 2, 'most probes have an answer');

# --- the update while clients query ---------------------------------------------------
my $gen0 = status_of($node, 'postgres', 'generation');
my $tempdir = PostgreSQL::Test::Utils::tempdir;
my $script = "$tempdir/probe.sql";
my $first_quote = 1001;
my $last_quote = 1000 + $nquote;
PostgreSQL::Test::Utils::append_to_file(
	$script, qq{\\set i random(1, $ncheapest)
\\set j random($first_quote, $last_quote)
SELECT 1 / (p.answer IS NOT DISTINCT FROM public.probe_answer(p))::int FROM public.probe p WHERE p.i = :i;
SELECT 1 / (p.answer IS NOT DISTINCT FROM public.probe_answer(p))::int FROM public.probe p WHERE p.i = :j;
});
my $seconds = 12;
my ($pb_out, $pb_err) = ('', '');
my $t0 = time;
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', '2', '-j', '2', '-T', $seconds, '-R', '200', '-P', '1',
		'-f', $script, '-h', $node->host, '-p', $node->port, 'postgres'
	],
	'>', \$pb_out, '2>', \$pb_err);
sleep(2);

my $updater = $node->background_psql('postgres');
$updater->query_safe('BEGIN');
$updater->query_safe(q{ALTER EXTENSION pricing UPDATE TO '1.1'});
is($updater->query_safe(q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.1', 'the update ran (not committed yet)');
# The update holds its locks on the source tables: readers answer all the same.
my ($rc, $out, $err) = ('', '', '');
$rc = $node->psql(
	'postgres', qq{SET statement_timeout = '20s';
SELECT count(*) FILTER (WHERE p.answer IS DISTINCT FROM public.probe_answer(p)) || ' of ' || count(*)
  FROM public.probe p},
	stdout => \$out, stderr => \$err);
is($rc, 0, 'while the update is uncommitted, readers answer without waiting for it') or diag($err);
is($out, "0 of " . ($ncheapest + $nquote), 'and answer as before');
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.0', 'others still see 1.0');
$updater->query_safe('COMMIT');
$updater->quit;
ok($node->poll_query_until('postgres', "SELECT generation > $gen0 FROM pricing.status"),
	'the commit of the update wakes the worker: a new generation serves');
my $elapsed = time - $t0;
note(sprintf('the update served after %.1f s of the clients\' %d s', $elapsed, $seconds));
cmp_ok($elapsed, '<', $seconds - 1, 'while the clients were still querying');
$pgbench->finish;
my $pb_rc = $?;
note("pgbench:\n$pb_out\n$pb_err");
is($pb_rc, 0, 'pgbench exits 0: no client aborted (no error, no wrong answer)');
like($pb_out, qr/^number of failed transactions: 0 /m, 'no failed transaction');
unlike($pb_err, qr/error|abort/i, 'pgbench reports no error');
my ($processed) = $pb_out =~ /^number of transactions actually processed: (\d+)/m;
cmp_ok($processed // 0, '>', 100, "the clients made calls ($processed transactions)");
my @progress = $pb_err =~ /^progress: [\d.]+ s, ([\d.]+) tps/mg;
cmp_ok(scalar(@progress), '>=', $seconds - 2, 'pgbench reported its progress every second');
is(scalar(grep { $_ == 0 } @progress), 0, 'the clients were served in every second of the run');

# --- after the update ---------------------------------------------------------------
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.1', 'extversion is 1.1');
is(status_of($node, 'postgres', q{coalesce(last_error, '') || failed_refreshes}), '0',
	'no refresh failed');
my $after = $node->safe_psql('postgres', $answers_sql);
is($after, $before, 'every answer of cheapest and quote is as before the update');

is( $node->safe_psql(
		'postgres', q{SELECT
 (SELECT count(*) FILTER (WHERE infant_age = 2 AND child_age = 12) || '/' || count(*) FROM pricing.hotel),
 (SELECT count(*) FILTER (WHERE max_infants = 1 AND extra_child_fee IS NULL) || '/' || count(*) FROM pricing.room),
 (SELECT count(*) FILTER (WHERE max_stay IS NULL AND NOT closed_to_departure) || '/' || count(*) FROM pricing.rate),
 (SELECT count(*) FILTER (WHERE plan_id IS NULL) || '/' || count(*) FROM pricing.discount)}),
	$node->safe_psql(
		'postgres', q{SELECT
 (SELECT count(*) || '/' || count(*) FROM pricing.hotel),
 (SELECT count(*) || '/' || count(*) FROM pricing.room),
 (SELECT count(*) || '/' || count(*) FROM pricing.rate),
 (SELECT count(*) || '/' || count(*) FROM pricing.discount)}),
	'the new columns of the old tables hold their defaults in every row');
is( $node->safe_psql(
		'postgres', q{SELECT (SELECT count(*) FROM pricing.rate_plan) + (SELECT count(*) FROM pricing.occupancy)
 + (SELECT count(*) FROM pricing.exchange_rate)}),
	'0', 'the new tables exist, empty');
# a row with the defaults of every column
is( $node->safe_psql(
		'postgres', q{
BEGIN;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name) VALUES (1, 7, 'defaults');
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (99, 'Nowhere', 'defaults');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (99, 1, 'defaults', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (99, 1, current_date, 1);
INSERT INTO pricing.discount (hotel_id, percent) VALUES (99, 1);
SELECT
 (SELECT row(room_id, board, board_fee, refundable, cancel_days, adjust_percent, adjust_amount,
             min_stay, max_stay, min_days_ahead, max_days_ahead)::text
    FROM pricing.rate_plan WHERE hotel_id = 1 AND plan_id = 7),
 (SELECT row(infant_age, child_age)::text FROM pricing.hotel WHERE hotel_id = 99),
 (SELECT row(max_infants, extra_child_fee)::text FROM pricing.room WHERE hotel_id = 99),
 (SELECT row(max_stay, closed_to_departure)::text FROM pricing.rate WHERE hotel_id = 99),
 (SELECT row(plan_id)::text FROM pricing.discount WHERE hotel_id = 99);
ROLLBACK;}),
	'(,room_only,0.00,t,,0.00,0.00,1,,,)|(2,12)|(1,)|(,f)|()',
	'the new columns take their defaults in new rows');

# search with adults => n is cheapest with guests => n, with plan 0
my $sql_cheapest = q{SELECT string_agg(p.i || '=' || public.probe_answer(p), E'\n' ORDER BY p.i)
  FROM public.probe p WHERE p.kind = 'cheapest'};
my $sql_search = q{SELECT string_agg(p.i || '=' ||
  (SELECT coalesce(string_agg(row(s.hotel_id, s.name, s.stars, s.room_id, s.total, s.currency)::text,
                              ';' ORDER BY s.o), '')
     FROM pricing.search(p.city, current_date + p.f, current_date + p.t, adults => p.g, max_results => 20)
          WITH ORDINALITY AS s(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                               free_cancel_until, total, currency, o)), E'\n' ORDER BY p.i)
  FROM public.probe p WHERE p.kind = 'cheapest'};
is($node->safe_psql('postgres', $sql_search), $node->safe_psql('postgres', $sql_cheapest),
	'search with adults => n gives the hotels, rooms and totals of cheapest with n guests');
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FILTER (WHERE NOT (
         s.plan_id = 0 AND s.plan_name = 'standard' AND s.board = 'room_only'
         AND s.free_cancel_until = current_date + p.f))
  FROM public.probe p,
       pricing.search(p.city, current_date + p.f, current_date + p.t, adults => p.g, max_results => 20) s
 WHERE p.kind = 'cheapest'}),
	'0',
	'every row of search is plan 0: standard, room only, free cancellation until check-in');

my $sql_quote = q{SELECT string_agg(p.i || '=' || public.probe_answer(p), E'\n' ORDER BY p.i)
  FROM public.probe p WHERE p.kind = 'quote'};
my $sql_offers = q{SELECT string_agg(p.i || '=' ||
  (SELECT coalesce(string_agg(row(o.room_id, o.nights, o.base, o.extra, o.discount, o.fees + o.board_fees,
                                  o.vat, o.city_tax, o.total)::text, ';' ORDER BY o.n), '')
     FROM pricing.offers(p.hotel, current_date + p.f, current_date + p.t, adults => p.g)
          WITH ORDINALITY AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights, base, extra,
                               discount, board_fees, fees, vat, city_tax, total, currency, n)
    WHERE o.plan_id = 0), E'\n' ORDER BY p.i)
  FROM public.probe p WHERE p.kind = 'quote'};
is($node->safe_psql('postgres', $sql_offers), $node->safe_psql('postgres', $sql_quote),
	'offers of plan 0 with adults => n are quote with n guests');
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FILTER (WHERE NOT (
         o.plan_id = 0 AND o.plan_name = 'standard' AND o.board = 'room_only' AND o.board_fees = 0
         AND o.free_cancel_until = current_date + p.f AND o.currency = h.currency))
  FROM public.probe p JOIN pricing.hotel h ON h.hotel_id = p.hotel,
       pricing.offers(p.hotel, current_date + p.f, current_date + p.t, adults => p.g) o
 WHERE p.kind = 'quote'}),
	'0', 'every offer is plan 0 in the hotel\'s currency');

# --- 1.1 data serves ----------------------------------------------------------------------
# Hotel 1 (Testville, EUR, no VAT, city tax 1.50, room 1 at 100.00), 3 nights
# from day 5, 2 adults:
#   plan 0, occupancy -10%: 300.00 -> 270.00, + city tax 9.00       = 279.00
#   plan 1, breakfast 10.00 per occupant per night: 270.00 + 60.00 + 9.00 = 339.00,
#     not refundable
# In USD (EUR 1, USD 0.8): hotel 1 279.00 / 0.8 = 348.75, hotel 2 379.50 / 0.8
# = 474.375 -> 474.38, hotel 3 430.00 / 0.8 = 537.50.
$node->safe_psql(
	'postgres', q{
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable)
VALUES (1, 1, 'Breakfast', 'breakfast', 10.00, false);
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES (1, 1, 2, -10);
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES ('EUR', 1), ('USD', 0.8);
});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
my $offers1 = q{SELECT string_agg(row(o.room_id, o.plan_id, o.plan_name, o.board, o.free_cancel_until - current_date,
                                  o.base, o.board_fees, o.total, o.currency)::text, ';')
  FROM pricing.offers(1, current_date + 5, current_date + 8) o};
is($node->safe_psql('postgres', $offers1),
	'(1,0,standard,room_only,5,270.00,0.00,279.00,EUR);(1,1,Breakfast,breakfast,,270.00,60.00,339.00,EUR)',
	'offers: the new plan, and the occupancy row, serve after a refresh');
my $search_usd = q{SELECT string_agg(s.hotel_id || ':' || s.plan_id || ':' || s.total || ':' || s.currency, ',')
  FROM pricing.search('Testville', current_date + 5, current_date + 8, currency => 'USD') s};
is($node->safe_psql('postgres', $search_usd),
	'1:0:348.75:USD,2:0:474.38:USD,3:0:537.50:USD', 'search converts with the exchange rates');
is(cheapest($node, 'postgres'), '1:1:279.00,2:2:379.50,3:1:430.00',
	'cheapest applies the occupancy row too');

# --- privileges after the update ------------------------------------------------------------------
($rc, $out, $err) = sql_error(
	$node, 'postgres', q{SET ROLE pricing_reader;
SELECT (SELECT count(*) FROM pricing.rate_plan) || '/' || (SELECT count(*) FROM pricing.occupancy)
       || '/' || (SELECT count(*) FROM pricing.exchange_rate);
SELECT count(*) FROM pricing.search('Testville', current_date + 5, current_date + 8);
SELECT count(*) FROM pricing.offers(1, current_date + 5, current_date + 8);
SELECT count(*) FROM pricing.explain(1, current_date + 5, current_date + 8);});
is($rc, 0, 'pricing_reader reads the new tables and calls search, offers and explain') or diag($err);
is($out, "1/1/2\n3\n2\n2", 'and gets their rows and answers');
($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET ROLE pricing_reader; INSERT INTO pricing.exchange_rate VALUES ('CHF', 1)});
like($err, qr/42501: permission denied for table exchange_rate/, 'pricing_reader cannot write them');

$node->safe_psql('postgres', 'CREATE ROLE outsider');
($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET ROLE outsider; SELECT * FROM pricing.search('Testville', current_date + 5, current_date + 8)});
like($err, qr/42501: permission denied to read prices/,
	'a role without pricing_reader cannot read prices with search');
($rc, $out, $err) = sql_error($node, 'postgres',
	q{SET ROLE outsider; SELECT * FROM pricing.rate_plan});
like($err, qr/42501: permission denied for table rate_plan/, 'nor read the new tables');

($rc, $out, $err) = sql_error(
	$node, 'postgres', q{SET ROLE pricing_admin;
BEGIN;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name) VALUES (2, 1, 'x');
UPDATE pricing.rate_plan SET name = 'y' WHERE hotel_id = 2;
DELETE FROM pricing.rate_plan WHERE hotel_id = 2;
TRUNCATE pricing.rate_plan;
INSERT INTO pricing.occupancy VALUES (2, 1, 1, 5);
UPDATE pricing.occupancy SET adjust_percent = 6 WHERE hotel_id = 2;
DELETE FROM pricing.occupancy WHERE hotel_id = 2;
TRUNCATE pricing.occupancy;
INSERT INTO pricing.exchange_rate VALUES ('CHF', 1.1);
UPDATE pricing.exchange_rate SET per_unit = 1.2 WHERE currency = 'CHF';
DELETE FROM pricing.exchange_rate WHERE currency = 'CHF';
TRUNCATE pricing.exchange_rate;
ROLLBACK;});
is($rc, 0, 'pricing_admin inserts, updates, deletes and truncates in the new tables') or diag($err);

# Each write below wakes the worker: refresh_interval is 0 and nobody calls
# refresh, so only the change notification can bring the new answer.
sub admin_write_serves
{
	my ($write, $query, $expected, $what) = @_;
	my $gen = status_of($node, 'postgres', 'generation');
	$node->safe_psql('postgres', "SET ROLE pricing_admin; $write");
	ok($node->poll_query_until('postgres', $query, $expected), $what);
	cmp_ok(status_of($node, 'postgres', 'generation'), '>', $gen, '... by a new generation');
}
# plan 1's board fee 20.00: 270.00 + 120.00 + 9.00 = 399.00
admin_write_serves(
	q{UPDATE pricing.rate_plan SET board_fee = 20 WHERE hotel_id = 1 AND plan_id = 1},
	$offers1,
	'(1,0,standard,room_only,5,270.00,0.00,279.00,EUR);(1,1,Breakfast,breakfast,,270.00,120.00,399.00,EUR)',
	'a change of pricing.rate_plan by pricing_admin wakes the worker');
# occupancy -20%: plan 0 240.00 + 9.00 = 249.00
admin_write_serves(
	q{UPDATE pricing.occupancy SET adjust_percent = -20 WHERE hotel_id = 1},
	cheapest_query(), '1:1:249.00,2:2:379.50,3:1:430.00',
	'a change of pricing.occupancy by pricing_admin wakes the worker');
# USD at 0.5: 249.00 -> 498.00, 379.50 -> 759.00, 430.00 -> 860.00
admin_write_serves(
	q{UPDATE pricing.exchange_rate SET per_unit = 0.5 WHERE currency = 'USD'},
	$search_usd, '1:0:498.00:USD,2:0:759.00:USD,3:0:860.00:USD',
	'a change of pricing.exchange_rate by pricing_admin wakes the worker');
# and the deletes
admin_write_serves(
	q{DELETE FROM pricing.rate_plan; DELETE FROM pricing.occupancy; DELETE FROM pricing.exchange_rate},
	'SELECT (' . cheapest_query() . q{) || '/' || (SELECT count(*) FROM pricing.search('Testville', current_date + 5, current_date + 8, currency => 'USD'))},
	"$SAMPLE_CHEAPEST/0",
	'deletes from the new tables wake the worker too');

# --- an updated installation is a fresh one ------------------------------------------------------
my $describe = q{
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT format('extension %s %s relocatable=%s schema=%s owner=%s config=%s conditions=%s',
                e.extname, e.extversion, e.extrelocatable, e.extnamespace::regnamespace, e.extowner::regrole,
                (SELECT string_agg(c::regclass::text, ',' ORDER BY o) FROM unnest(e.extconfig) WITH ORDINALITY u(c, o)),
                array_to_string(e.extcondition, ',', '<null>'))
    FROM pg_extension e WHERE e.extname = 'pricing'
  UNION ALL
  SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
    FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
   WHERE e.extname = 'pricing' AND d.deptype = 'e'
  UNION ALL
  SELECT format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
    FROM pg_namespace n WHERE n.nspname = 'pricing'
  UNION ALL
  SELECT format('relation %s kind=%s owner=%s acl=%s rls=%s/%s persistence=%s options=%s',
                c.relname, c.relkind, c.relowner::regrole, c.relacl, c.relrowsecurity,
                c.relforcerowsecurity, c.relpersistence, c.reloptions)
    FROM pg_class c WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('column %s.%s #%s %s notnull=%s default=%s identity=%s generated=%s acl=%s collation=%s',
                c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attacl, a.attcollation)
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
   WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('constraint %s.%s %s validated=%s deferrable=%s', c.relname, k.conname,
                pg_get_constraintdef(k.oid), k.convalidated, k.condeferrable)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
   WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('trigger %s.%s enabled=%s %s', c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'pricing'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT format('function %s(%s) returns %s kind=%s volatile=%s parallel=%s strict=%s secdef=%s rows=%s cost=%s lang=%s src=%s bin=%s acl=%s owner=%s config=%s',
                p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.prokind,
                p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.prorows, p.procost, l.lanname,
                p.prosrc, p.probin, p.proacl, p.proowner::regrole, p.proconfig)
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('view %s %s', c.relname, pg_get_viewdef(c.oid))
    FROM pg_class c WHERE c.relnamespace = 'pricing'::regnamespace AND c.relkind = 'v'
  UNION ALL
  SELECT format('sequence %s %s start=%s increment=%s max=%s cache=%s', c.relname, s.seqtypid::regtype,
                s.seqstart, s.seqincrement, s.seqmax, s.seqcache)
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
   WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('policy %s.%s', c.relname, p.polname)
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
   WHERE c.relnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('type %s %s', t.typname, t.typtype) FROM pg_type t
   WHERE t.typnamespace = 'pricing'::regnamespace
  UNION ALL
  SELECT format('comment %s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
    FROM pg_description d
   WHERE (d.classoid = 'pg_class'::regclass
          AND d.objoid IN (SELECT oid FROM pg_class WHERE relnamespace = 'pricing'::regnamespace))
      OR (d.classoid = 'pg_proc'::regclass
          AND d.objoid IN (SELECT oid FROM pg_proc WHERE pronamespace = 'pricing'::regnamespace))
  UNION ALL
  SELECT format('role %s login=%s super=%s inherit=%s', r.rolname, r.rolcanlogin, r.rolsuper, r.rolinherit)
    FROM pg_roles r WHERE r.rolname IN ('pricing_admin', 'pricing_reader', 'pricing_booker')
) s(line)};
# On to the current version (1.2: booking), with the data, then compare.
my $at11 = $node->safe_psql('postgres', $answers_sql);
$node->safe_psql('postgres', 'ALTER EXTENSION pricing UPDATE');
is($node->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.2', 'ALTER EXTENSION pricing UPDATE goes on to 1.2');
is($node->safe_psql('postgres', $answers_sql), $at11,
	'every answer of cheapest and quote is the same in 1.2');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION pricing');
is($node->safe_psql('fresh', q{SELECT extversion FROM pg_extension WHERE extname = 'pricing'}),
	'1.2', 'CREATE EXTENSION pricing installs 1.2');
my $updated = $node->safe_psql('postgres', $describe);
my $fresh = $node->safe_psql('fresh', $describe);
like($fresh, qr/^column rate_plan\.board #5 text notnull=t default='room_only'::text/m,
	'the description has the columns');
like($fresh, qr/^trigger exchange_rate\.exchange_rate_applied enabled=A /m, 'and the triggers');
like($fresh,
	qr/config=pricing\.hotel,pricing\.room,pricing\.rate,pricing\.discount,pricing\.fee,pricing\.discount_discount_id_seq,pricing\.fee_fee_id_seq,pricing\.rate_plan,pricing\.occupancy,pricing\.exchange_rate,pricing\.booking,pricing\.booking_booking_id_seq /,
	'and the tables pg_dump keeps, the new ones among them');
like($fresh, qr/^function search\(city text, .* returns TABLE\(hotel_id bigint, /m, 'and the functions');
is($updated, $fresh,
	'an updated 1.0 has the same objects as a fresh 1.2: columns, constraints, indexes, triggers, functions, grants, config tables');

# A database updated without data, and without a worker, is the same too.
$node->safe_psql('postgres', 'CREATE DATABASE updated');
$node->safe_psql('updated', q{CREATE EXTENSION pricing VERSION '1.0'});
$node->safe_psql('updated', q{ALTER EXTENSION pricing UPDATE});
is($node->safe_psql('updated', $describe), $fresh, 'and so has an empty 1.0 updated in another database');

$node->stop;
done_testing();
