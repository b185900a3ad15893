# Incremental refresh serves exactly what committed, whole (tracker issue 14).
#
# Atomicity.  A writer commits, again and again, ONE transaction that sets
# the nightly price of hotels 901 and 902 (city Atomville) and 903 (city
# Atomtown) to the same new value v, v growing with every transaction (three
# statements, the cities interleaved), while a second writer commits noise to
# the other hotels of both cities and of a third one.  Meanwhile, with no
# refresh call:
#   - one reader checks, thousands of times, that ONE call of cheapest (and
#     of search, alternately) in Atomville shows 901 and 902 at the same
#     total: a generation holds the transaction whole, never half of it;
#   - another reader checks, thousands of times, across the cities: once a
#     call has shown any of the three hotels at v, every later call shows
#     each of them at v or more.  (A call reads the generation serving when
#     it starts, and generations only move forward; the transaction that set
#     one hotel to v set the others to v as well.  So an older value after a
#     newer one means a generation held part of a transaction, or went back.)
# Both readers also require the totals never to go back, and run until they
# have seen the writer's last value.
#
# Rolled back changes never serve.  A reader polls the three hotels, a hotel
# that only rolled back transactions insert (904), and Atomville's cheapest
# hotels, without pause, counting any "poison" it sees (a price that only
# rolled back work wrote, a hotel that only rolled back work inserted, a
# hotel missing that only rolled back work deleted), while the test commits
# and rolls back in every way: ROLLBACK, ROLLBACK TO SAVEPOINT (with work
# before and after the savepoint, nested savepoints), an exception block in
# PL/pgSQL, the same hotel changed again after its change was rolled back to
# a savepoint or by an exception block, a COMMIT that fails (a deferred constraint trigger raises), and
# transactions left open while others commit and are served, one rolled
# back, one committed after the worker served a later transaction (its
# change must still come, with no other commit to wake the worker).  Each
# committed change serves, and the poison count stays 0.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use PricingTest;
use PricingMemory;
use PricingIncremental;

my $t_start = time;
my $node = new_pricing_node('incremental_visibility', 'pricing.horizon_days' => '60');
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pricing');
load_city($node, 'postgres', city => 'Atomville', hotels => 30, first_id => 0, rooms => 2, from => -1, to => 45);
load_city($node, 'postgres', city => 'Atomtown', hotels => 30, first_id => 100, rooms => 2, from => -1, to => 45);
load_city($node, 'postgres', city => 'Noiseburg', hotels => 30, first_id => 200, rooms => 2, from => -1, to => 45);
# the three hotels of the writer: one room, no VAT, tax, fee or discount, so
# that a total is 3 x the nightly price
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES
  (901, 'Atomville', 'A1'), (902, 'Atomville', 'A2'), (903, 'Atomtown', 'B');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests)
SELECT h, 1, 'Double', 2 FROM unnest(ARRAY[901, 902, 903]) h;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT h, 1, current_date + d, 1.00, 5 FROM unnest(ARRAY[901, 902, 903]) h, generate_series(-1, 45) d;
COMMIT;
CREATE TABLE public.stop_flag (stop boolean);
});
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(status_of($node, 'postgres', 'hotels'), '93', 'the data is loaded');
is(cheapest($node, 'postgres', city => 'Atomville', max_results => 2),
	'901:1:3.00,902:1:3.00', 'the writer\'s hotels are the cheapest of Atomville');

# --- atomicity ------------------------------------------------------------------------
my $n = 800;
my $final = sprintf('%.2f', 3 * (1 + $n / 100));

$node->safe_psql('postgres', q{
-- The writer's transactions: v = 1 .. n, price 1 + v / 100.
CREATE PROCEDURE public.atom_writer(n int, pause float8) LANGUAGE plpgsql AS $$
BEGIN
  FOR v IN 1 .. n LOOP
    UPDATE pricing.rate SET price = 1 + v / 100.0
     WHERE hotel_id = 901 AND stay_date BETWEEN current_date + 5 AND current_date + 7;
    UPDATE pricing.rate SET price = 1 + v / 100.0
     WHERE hotel_id = 903 AND stay_date BETWEEN current_date + 5 AND current_date + 7;
    UPDATE pricing.rate SET price = 1 + v / 100.0
     WHERE hotel_id = 902 AND stay_date BETWEEN current_date + 5 AND current_date + 7;
    COMMIT;
    PERFORM pg_sleep(pause);
  END LOOP;
END
$$;

-- Noise: other hotels of the three cities, one or two (in two cities) per
-- transaction, prices and stars; never below 50 a night.
CREATE PROCEDURE public.noise_writer(deadline_s int) LANGUAGE plpgsql AS $$
DECLARE
  i int := 0;
  h bigint;
  h2 bigint;
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  PERFORM setseed(0.14);
  LOOP
    EXIT WHEN EXISTS (SELECT FROM public.stop_flag) OR clock_timestamp() > stop_at;
    i := i + 1;
    h := (ARRAY[0, 100, 200])[1 + i % 3] + 1 + floor(random() * 30)::int;
    h2 := (ARRAY[100, 200, 0])[1 + i % 3] + 1 + floor(random() * 30)::int;
    UPDATE pricing.rate SET price = 50 + floor(random() * 20000) / 100
     WHERE hotel_id = h AND stay_date BETWEEN current_date + floor(random() * 10)::int
                                          AND current_date + 10 + floor(random() * 30)::int;
    IF i % 3 = 0 THEN
      UPDATE pricing.hotel SET stars = (stars + 1) % 6 WHERE hotel_id = h2;
    END IF;
    COMMIT;
    PERFORM pg_sleep(0.003);
  END LOOP;
END
$$;

-- Within one city: one call of cheapest or search sees 901 and 902 at the
-- same total, and no total is below one seen before (m).
CREATE FUNCTION public.atom_same_city(final numeric, deadline_s int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  checks bigint := 0;
  bad bigint := 0;
  first_bad text;
  a numeric;
  b numeric;
  m numeric := 0;
  seen_final_c boolean := false;
  seen_final_s boolean := false;
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  LOOP
    EXIT WHEN (seen_final_c AND seen_final_s) OR clock_timestamp() > stop_at;
    IF checks % 2 = 0 THEN
      SELECT max(total) FILTER (WHERE hotel_id = 901), max(total) FILTER (WHERE hotel_id = 902)
        INTO a, b
        FROM pricing.cheapest('Atomville', current_date + 5, current_date + 8, 2, 5);
      seen_final_c := seen_final_c OR a = final;
    ELSE
      SELECT max(total) FILTER (WHERE hotel_id = 901), max(total) FILTER (WHERE hotel_id = 902)
        INTO a, b
        FROM pricing.search('Atomville', current_date + 5, current_date + 8, max_results => 5);
      seen_final_s := seen_final_s OR a = final;
    END IF;
    checks := checks + 1;
    IF a IS NULL OR b IS NULL OR a <> b OR a < m THEN
      bad := bad + 1;
      IF first_bad IS NULL THEN
        first_bad := format('check %s (%s): 901 at %s, 902 at %s, after %s',
                            checks, CASE WHEN checks % 2 = 1 THEN 'cheapest' ELSE 'search' END, a, b, m);
      END IF;
    END IF;
    m := greatest(m, a);
    IF checks % 8 = 0 THEN PERFORM pg_sleep(0.0002); END IF;
  END LOOP;
  RETURN format('checks=%s violations=%s final=%s first=%s', checks, bad,
                seen_final_c AND seen_final_s, coalesce(first_bad, '-'));
END
$$;

-- Across cities: each call reads one of 901 (quote), 903 (offers, another
-- city) and 902 (hotel_calendar); every total must be at least the largest
-- total seen before, of any of the three.
CREATE FUNCTION public.atom_cross_city(final numeric, deadline_s int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  checks bigint := 0;
  bad bigint := 0;
  first_bad text;
  t numeric;
  m numeric := 0;
  k int;
  what text;
  seen int[] := '{0,0,0}';
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  LOOP
    EXIT WHEN seen = '{1,1,1}' OR clock_timestamp() > stop_at;
    k := checks % 3;
    IF k = 0 THEN
      what := 'quote(901)';
      SELECT total INTO t FROM pricing.quote(901, current_date + 5, current_date + 8, 2);
    ELSIF k = 1 THEN
      what := 'offers(903)';
      SELECT total INTO t FROM pricing.offers(903, current_date + 5, current_date + 8) WHERE plan_id = 0;
    ELSE
      what := 'hotel_calendar(902)';
      SELECT total INTO t FROM pricing.hotel_calendar(902, current_date + 5, current_date + 5, 3);
    END IF;
    checks := checks + 1;
    IF t IS NULL OR t < m THEN
      bad := bad + 1;
      IF first_bad IS NULL THEN
        first_bad := format('check %s: %s at %s after %s was seen', checks, what, t, m);
      END IF;
    END IF;
    m := greatest(m, t);
    IF t = final THEN seen[k + 1] := 1; END IF;
    IF checks % 8 = 0 THEN PERFORM pg_sleep(0.0002); END IF;
  END LOOP;
  RETURN format('checks=%s violations=%s final=%s first=%s', checks, bad,
                seen = '{1,1,1}', coalesce(first_bad, '-'));
END
$$;
});

my $s0 = incremental_status($node);
my $gen0 = status_of($node, 'postgres', 'generation');
my $same = psql_session($node, 'postgres', timeout => 180);
my $cross = psql_session($node, 'postgres', timeout => 180);
my $noise = psql_session($node, 'postgres', timeout => 180);
my $writer = psql_session($node, 'postgres', timeout => 180);
my $t0 = time;
my $t_same = $same->send("SELECT public.atom_same_city($final, 120)");
my $t_cross = $cross->send("SELECT public.atom_cross_city($final, 120)");
my $t_noise = $noise->send('CALL public.noise_writer(120)');
my $t_writer = $writer->send("CALL public.atom_writer($n, 0.004)");
my ($w_out, $w_err, $w_done) = $writer->wait($t_writer);
ok($w_done && $w_err eq '', "the writer committed its $n transactions") or diag($w_err);
note(sprintf('the writer took %.1f s', time - $t0));
my ($same_out, $same_err) = $same->wait($t_same);
my ($cross_out, $cross_err) = $cross->wait($t_cross);
$node->safe_psql('postgres', 'INSERT INTO public.stop_flag VALUES (true)');
my ($n_out, $n_err, $n_done) = $noise->wait($t_noise);
ok($n_done && $n_err eq '', 'the noise writer ran without error') or diag($n_err);
$_->quit for ($same, $cross, $noise, $writer);
note(sprintf('the readers ended after %.1f s', time - $t0));
note("same city: $same_out");
note("across cities: $cross_out");
is($same_err, '', 'the same-city reader ran without error');
is($cross_err, '', 'the cross-city reader ran without error');

for my $r ([ 'one city, one call of cheapest or search', $same_out ],
	[ 'across cities, call after call', $cross_out ])
{
	my ($what, $out) = @$r;
	my ($checks, $bad, $fin, $first) =
	  ($out // '') =~ /^checks=(\d+) violations=(\d+) final=(\w+) first=(.*)$/;
	cmp_ok($checks // 0, '>=', 2000, "$what: thousands of checks (" . ($checks // 0) . ')');
	is($bad, '0', "$what: no generation showed part of a transaction, or went back")
	  or diag("first violation: $first");
	is($fin, 't', "$what: the reader saw the writer's last transaction");
}
my $gens = status_of($node, 'postgres', 'generation') - $gen0;
cmp_ok($gens, '>=', 100, "many generations served during the run ($gens)");
my $s1 = incremental_status($node);
note(sprintf('%s of them incremental', $s1 ? $s1->{incremental_refreshes} - $s0->{incremental_refreshes} : '?'));
is(cheapest($node, 'postgres', city => 'Atomville', max_results => 2),
	"901:1:$final,902:1:$final", 'Atomville serves the last transaction');
ok(settle_cities(), 'the noise serves too');
my $before = answers_of_cities();
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(answers_of_cities(), $before, 'the three cities answer as after a full refresh');

# The settled index: commit a change to hotel 903 (room 1's night + 40) and
# wait for it, after the noise writer has stopped.
sub settle_cities
{
	my $p = $node->safe_psql('postgres', q{
UPDATE pricing.rate SET price = price + 0.01 WHERE hotel_id = 903 AND stay_date = current_date + 40
RETURNING price});
	return $node->poll_query_until('postgres', qq{
SELECT total = $p FROM pricing.quote(903, current_date + 40, current_date + 41)});
}

sub answers_of_cities
{
	return $node->safe_psql('postgres', q{
SELECT string_agg(c || ':' || f || ':' || coalesce(
         (SELECT string_agg(x::text, ';' ORDER BY x.ordinality)
            FROM pricing.search(c, current_date + f, current_date + f + 3, max_results => 100)
                 WITH ORDINALITY x), ''), E'\n' ORDER BY c, f)
  FROM unnest(ARRAY['Atomville', 'Atomtown', 'Noiseburg']) c, generate_series(0, 40, 5) f});
}

# --- rolled back changes never serve ---------------------------------------------------
$node->safe_psql('postgres', q{
TRUNCATE public.stop_flag;
-- Poison: a nightly price of 500 or more (a total of 1500 or more) at 901,
-- 902 or 903, any sign of hotel 904, one of them missing.
CREATE FUNCTION public.poison_reader(deadline_s int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  calls bigint := 0;
  poison bigint := 0;
  first_poison text;
  got text;
  stop_at timestamptz := clock_timestamp() + make_interval(secs => deadline_s);
BEGIN
  LOOP
    EXIT WHEN (calls % 16 = 0 AND EXISTS (SELECT FROM public.stop_flag))
      OR clock_timestamp() > stop_at;
    got := NULL;
    CASE calls % 5
    WHEN 0 THEN
      SELECT 'quote(901) ' || coalesce(max(total)::text, 'none') INTO got
        FROM pricing.quote(901, current_date + 5, current_date + 8)
      HAVING coalesce(max(total), 1e9) >= 1500;
    WHEN 1 THEN
      SELECT 'quote(902) ' || coalesce(max(total)::text, 'none') INTO got
        FROM pricing.quote(902, current_date + 5, current_date + 8)
      HAVING coalesce(max(total), 1e9) >= 1500;
    WHEN 2 THEN
      SELECT 'offers(903) ' || coalesce(max(total)::text, 'none') INTO got
        FROM pricing.offers(903, current_date + 5, current_date + 8)
      HAVING coalesce(max(total), 1e9) >= 1500;
    WHEN 3 THEN
      SELECT 'explain(904) ' || count(*) INTO got
        FROM pricing.explain(904, current_date + 5, current_date + 8)
      HAVING count(*) > 0;
    ELSE
      SELECT 'cheapest(Atomville) ' || string_agg(hotel_id || ':' || total, ',') INTO got
        FROM pricing.cheapest('Atomville', current_date + 5, current_date + 8, 2, 3)
      HAVING count(*) FILTER (WHERE hotel_id = 904 OR total >= 1500) > 0
          OR count(*) FILTER (WHERE hotel_id IN (901, 902)) < 2;
    END CASE;
    calls := calls + 1;
    IF got IS NOT NULL THEN
      poison := poison + 1;
      IF first_poison IS NULL THEN first_poison := got; END IF;
    END IF;
    IF calls % 8 = 0 THEN PERFORM pg_sleep(0.0002); END IF;
  END LOOP;
  RETURN format('calls=%s poison=%s first=%s', calls, poison, coalesce(first_poison, '-'));
END
$$;
-- a transaction that inserts into it fails at COMMIT
CREATE TABLE public.fail_at_commit (x int);
CREATE FUNCTION public.fail_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'this commit fails';
END
$$;
CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON public.fail_at_commit
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.fail_now();
});

my $poison = psql_session($node, 'postgres', timeout => 180);
my $t_poison = $poison->send('SELECT public.poison_reader(150)');

# SQL that sets the nightly price of hotel $h for the nights +5 .. +7.
sub price_sql
{
	my ($h, $p) = @_;
	return "UPDATE pricing.rate SET price = $p WHERE hotel_id = $h AND stay_date BETWEEN current_date + 5 AND current_date + 7;";
}

my $insert_904 = q{
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (904, 'Atomville', 'Never');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (904, 1, 'Ghost', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 904, 1, current_date + d, 0.50 FROM generate_series(-1, 45) d;};

# The total of hotel $h for the nights +5 .. +7 (901 and 902 by quote, 903 by
# offers), '' when it has none.
sub total_sql
{
	my ($h) = @_;
	return "SELECT coalesce((SELECT total FROM pricing.quote($h, current_date + 5, current_date + 8)), -1)";
}

sub serves
{
	my ($h, $price, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $total = sprintf('%.2f', 3 * $price);
	return ok($node->poll_query_until('postgres', total_sql($h) . " = $total"),
		"$what: $h serves $total");
}

sub still
{
	my ($h, $price, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	return is($node->safe_psql('postgres', total_sql($h)), sprintf('%.2f', 3 * $price),
		"$what: $h still serves " . sprintf('%.2f', 3 * $price));
}

my $p = 1 + $n / 100;    # where the atomicity writer left the three hotels
my ($p901, $p902, $p903) = ($p, $p, $p);

# 1. ROLLBACK, then a commit
$node->safe_psql('postgres', 'BEGIN; ' . price_sql(901, 501) . ' ROLLBACK;');
$node->safe_psql('postgres', price_sql(901, 20));
serves(901, $p901 = 20, 'ROLLBACK then a commit');

# 2. a hotel inserted and rolled back
$node->safe_psql('postgres', "BEGIN; $insert_904 ROLLBACK;");
$node->safe_psql('postgres', price_sql(903, 21));
serves(903, $p903 = 21, 'an inserted hotel rolled back');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pricing.explain(904, current_date + 5, current_date + 8)'),
	'0', 'an inserted hotel rolled back: 904 does not exist in the index');

# 3. a hotel deleted and rolled back
$node->safe_psql('postgres', 'BEGIN; DELETE FROM pricing.hotel WHERE hotel_id = 902; ROLLBACK;');
$node->safe_psql('postgres', price_sql(901, 22));
serves(901, $p901 = 22, 'a deleted hotel rolled back');
still(902, $p902, 'a deleted hotel rolled back');

# 4. ROLLBACK TO SAVEPOINT, work before the savepoint committed
$node->safe_psql('postgres', 'BEGIN; ' . price_sql(901, 23) . ' SAVEPOINT s; '
	  . price_sql(901, 502) . price_sql(903, 503) . $insert_904
	  . ' ROLLBACK TO SAVEPOINT s; COMMIT;');
serves(901, $p901 = 23, 'ROLLBACK TO SAVEPOINT');
still(903, $p903, 'ROLLBACK TO SAVEPOINT');

# 5. ROLLBACK TO SAVEPOINT, work after it committed
$node->safe_psql('postgres', 'BEGIN; SAVEPOINT a; ' . price_sql(902, 504)
	  . ' ROLLBACK TO SAVEPOINT a; ' . price_sql(903, 24) . ' COMMIT;');
serves(903, $p903 = 24, 'work after ROLLBACK TO SAVEPOINT');
still(902, $p902, 'work after ROLLBACK TO SAVEPOINT');

# 5b. the same hotel changed in a savepoint rolled back, then again after
# it: the second change must serve (whatever the first left behind)
$node->safe_psql('postgres', 'BEGIN; SAVEPOINT a; ' . price_sql(902, 509)
	  . ' ROLLBACK TO SAVEPOINT a; ' . price_sql(902, 35) . ' COMMIT;');
serves(902, $p902 = 35, 'the same hotel after ROLLBACK TO SAVEPOINT');
$node->safe_psql('postgres', 'BEGIN; SAVEPOINT a; DELETE FROM pricing.hotel WHERE hotel_id = 903;'
	  . ' ROLLBACK TO SAVEPOINT a; SAVEPOINT b; ' . price_sql(903, 36) . ' RELEASE SAVEPOINT b; COMMIT;');
serves(903, $p903 = 36, 'the same hotel in a released savepoint after one rolled back');
$node->safe_psql('postgres', "BEGIN; SAVEPOINT a; $insert_904 ROLLBACK TO SAVEPOINT a; "
	  . price_sql(901, 37) . ' COMMIT;');
serves(901, $p901 = 37, 'an insert rolled back to a savepoint, then another hotel');

# 6. nested savepoints: the inner one rolled back, the outer released
$node->safe_psql('postgres', 'BEGIN; ' . price_sql(901, 25) . ' SAVEPOINT a; ' . price_sql(902, 26)
	  . ' SAVEPOINT b; ' . price_sql(902, 505) . ' DELETE FROM pricing.hotel WHERE hotel_id = 903;'
	  . ' ROLLBACK TO SAVEPOINT b; RELEASE SAVEPOINT a; COMMIT;');
serves(901, $p901 = 25, 'nested savepoints');
serves(902, $p902 = 26, 'nested savepoints');
still(903, $p903, 'nested savepoints');

# 7. an exception block in PL/pgSQL (a subtransaction rolled back)
$node->safe_psql('postgres', q{
DO $$
BEGIN
  BEGIN
    UPDATE pricing.rate SET price = 506 WHERE hotel_id = 901;
    DELETE FROM pricing.hotel WHERE hotel_id = 902;
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN
    NULL;
  END;
  UPDATE pricing.rate SET price = 27 WHERE hotel_id = 903 AND stay_date BETWEEN current_date + 5 AND current_date + 7;
END
$$;});
serves(903, $p903 = 27, 'an exception block');
still(901, $p901, 'an exception block');
still(902, $p902, 'an exception block');
# and the same hotel changed in the exception block and after it
$node->safe_psql('postgres', q{
DO $$
BEGIN
  BEGIN
    UPDATE pricing.rate SET price = 510 WHERE hotel_id = 902;
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN
    NULL;
  END;
  UPDATE pricing.rate SET price = 38 WHERE hotel_id = 902 AND stay_date BETWEEN current_date + 5 AND current_date + 7;
END
$$;});
serves(902, $p902 = 38, 'the same hotel in an exception block and after it');

# 8. a COMMIT that fails
my ($rc, $out, $err) = sql_error($node, 'postgres',
	'BEGIN; ' . price_sql(901, 507) . ' INSERT INTO public.fail_at_commit VALUES (1); COMMIT;');
like($err, qr/this commit fails/, 'a COMMIT that fails (a deferred trigger raises)');
$node->safe_psql('postgres', price_sql(902, 28));
serves(902, $p902 = 28, 'a COMMIT that fails');
still(901, $p901, 'a COMMIT that fails');

# 9. transactions left open while others commit
my $open = psql_session($node, 'postgres');
$open->query('BEGIN; ' . price_sql(901, 508));
$node->safe_psql('postgres', price_sql(903, 29));
serves(903, $p903 = 29, 'an open transaction');
still(901, $p901, 'an open transaction');
$open->query('ROLLBACK');
# one that commits after the worker served a later commit: its change must
# come with nothing else committed after it
$open->query('BEGIN; ' . price_sql(902, 30));
$node->safe_psql('postgres', price_sql(901, 31));
serves(901, $p901 = 31, 'a transaction still open');
still(902, $p902, 'a transaction still open');
my ($o_out, $o_err) = $open->query('COMMIT');
is($o_err, '', 'the open transaction commits');
serves(902, $p902 = 30, 'a transaction committed after a later one was served');
# and the same with the open transaction's change to a hotel of another city
# than the one served meanwhile, and two transactions left open at once
my $open2 = psql_session($node, 'postgres');
$open->query('BEGIN; ' . price_sql(903, 32));
$open2->query('BEGIN; ' . price_sql(901, 33));
$node->safe_psql('postgres', price_sql(902, 34));
serves(902, $p902 = 34, 'two transactions still open');
$open2->query('COMMIT');
serves(901, $p901 = 33, 'the second open transaction committed first');
still(903, $p903, 'the first one still open');
$open->query('COMMIT');
serves(903, $p903 = 32, 'then the first one');
$open->quit;
$open2->quit;

$node->safe_psql('postgres', 'INSERT INTO public.stop_flag VALUES (true)');
my ($po_out, $po_err) = $poison->wait($t_poison);
$poison->quit;
note("poison reader: $po_out");
is($po_err, '', 'the poison reader ran without error');
my ($calls, $npoison, $first) = ($po_out // '') =~ /^calls=(\d+) poison=(\d+) first=(.*)$/;
cmp_ok($calls // 0, '>=', 500, 'the poison reader made many calls (' . ($calls // 0) . ')');
is($npoison, '0', 'no rolled back change ever served') or diag("first: $first");
is($node->safe_psql('postgres', 'SELECT count(*) FROM public.fail_at_commit'), '0',
	'(the failed COMMIT left nothing)');

# what serves is what a full rebuild makes of the tables
$before = answers_of_cities();
$node->safe_psql('postgres', 'SELECT pricing.refresh(true)');
is(answers_of_cities(), $before, 'the three cities answer as after a full refresh');
is(status_of($node, 'postgres', 'failed_refreshes'), '0', 'no refresh failed');
my $log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP:|terminated by signal/, 'no crash');
note(sprintf('%.1f s', time - $t_start));
$node->stop;
done_testing();
