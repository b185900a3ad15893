--
-- test/bench/generate.sql: seeded benchmark data for pricing, at a scale.
--
--   psql -v scale=1 -v seed=1 -f test/bench/generate.sql
--
-- In the spirit of pgbench -i -s: scale 1 is 20,000 hotels x 2 rooms x 365
-- nights = 14.6M rates.  Fractional scales (0.05) give proportionally fewer
-- hotels and cities.  Every random value is a hash of the row's key and the
-- seed (pg_temp.u below), not random(), so a seed and a scale give the same
-- rows whatever plan the executor picks (for the same current_date: the year
-- of rates starts today).
--
-- Cities: max(10, min(1000, 1000 * scale)) of them, named City1, City2, ...
-- Their sizes follow Zipf's law (city k has weight 1/k): at scale 1, City1
-- has ~2,670 hotels, City2 ~1,340, City10 ~270, City100 ~27, City1000 ~3.
-- Hotels are spread over the cities in a random order of hotel_id, so a
-- city's hotels are not neighbours in the tables.
--
-- Per hotel: stars 0-5, a VAT rate, a city tax per guest per night; room 1
-- (double: 2 guests) and room 2 (family: 3 or 4 guests, an extra-guest fee);
-- 365 nightly rates each, priced by stars, room, season, weekday and noise;
-- ~4% sold-out nights, some minimum stays on Saturdays, ~2% nights closed to
-- arrival.  About a quarter of the hotels have a discount (early booking,
-- long stay, or a seasonal offer on one room), about a third have fees (per
-- stay, per night, per guest and night).
--
-- Version 1.1 (rate plans, occupancy, children, currencies): every hotel
-- has three rate plans, a plan-0 row (standard, room only, free
-- cancellation until 0, 1, 2 or 7 days before check-in), a non-refundable
-- plan at -10 % and a breakfast plan (a board fee per occupant and night,
-- min_stay 2, cancellation as plan 0); room 1 has a single-use price (an
-- occupancy row: 1 occupant at -15 %); room 2 of half of the hotels has an
-- extra_child_fee (half its extra_guest_fee), the other half charges
-- young children extra_guest_fee.  A third of the hotels, picked at random
-- (so mixed within cities), price in USD, GBP or CHF, at prices of about
-- the same value as the others' in EUR; pricing.exchange_rate has EUR, USD,
-- GBP and CHF.  Discounts are for every plan (plan_id NULL); the ages, the
-- rates' max_stay and closed_to_departure keep their defaults.
--
-- The load runs with session_replication_role = replica, which skips the
-- foreign-key checks of 14.6M rows (the generator makes them consistent)
-- and the row-level change triggers; run.sh calls pricing.refresh() afterwards.  The
-- tables are truncated in the same transaction, so with wal_level = minimal
-- the rows are not WAL-logged.
--
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 1
\endif
\if :{?seed}
\else
\set seed 1
\endif

SET session_replication_role = replica;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';

-- a uniform number in [0, 1) from a key and a salt, fixed by the seed
-- (psql does not substitute :seed inside the body, hence format and \gexec)
SELECT format($f$
  CREATE FUNCTION pg_temp.u(key bigint, salt int) RETURNS float8
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashint8extended(key * 64 + salt, %s) & 2147483647)::float8 / 2147483648 $$
$f$, (:seed)::bigint) \gexec

BEGIN;

-- CASCADE: the bookings of 1.2 (pricing.booking) refer to the rooms
TRUNCATE pricing.hotel, pricing.room, pricing.rate, pricing.discount, pricing.fee,
	pricing.rate_plan, pricing.occupancy, pricing.exchange_rate CASCADE;
-- the row triggers <table>_applied (which tell a logical replica of applied
-- rows, and, with incremental refresh, log the changed hotels in every
-- session) would fire for every row of this load: disabled until the end of
-- the transaction, whose statement triggers (ALWAYS) announce the load, and
-- then put back as they were (REPLICA or ALWAYS, whichever the installed
-- version makes them)
CREATE TEMP TABLE bench_trigger AS
SELECT t.tgrelid::regclass AS rel, t.tgname, t.tgenabled
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'pricing'::regnamespace AND t.tgname = c.relname || '_applied';
ALTER TABLE pricing.hotel DISABLE TRIGGER hotel_applied;
ALTER TABLE pricing.room DISABLE TRIGGER room_applied;
ALTER TABLE pricing.rate DISABLE TRIGGER rate_applied;
ALTER TABLE pricing.discount DISABLE TRIGGER discount_applied;
ALTER TABLE pricing.fee DISABLE TRIGGER fee_applied;
ALTER TABLE pricing.rate_plan DISABLE TRIGGER rate_plan_applied;
ALTER TABLE pricing.occupancy DISABLE TRIGGER occupancy_applied;
ALTER TABLE pricing.exchange_rate DISABLE TRIGGER exchange_rate_applied;

CREATE TEMP TABLE bench_param AS
SELECT greatest(1, round(20000 * :scale))::int AS nhotels,
       greatest(10, least(1000, round(1000 * :scale)))::int AS ncities;

-- Zipf: the cumulative share of the cities 1..k
CREATE TEMP TABLE bench_city AS
SELECT k, sum(1.0 / k) OVER (ORDER BY k) / sum(1.0 / k) OVER () AS cdf
FROM bench_param, generate_series(1, ncities) AS k;
CREATE INDEX ON bench_city (cdf);

-- hotel attributes
CREATE TEMP TABLE bench_hotel AS
SELECT h AS hotel_id,
       (ARRAY[0, 1, 2, 3, 3, 3, 4, 4, 5])[1 + floor(pg_temp.u(h, 1) * 9)::int]::smallint AS stars,
       pg_temp.u(h, 2) AS u_vat, pg_temp.u(h, 3) AS u_tax, pg_temp.u(h, 4) AS u_price,
       pg_temp.u(h, 5) AS u_family, pg_temp.u(h, 6) AS u_disc, pg_temp.u(h, 7) AS u_disc2,
       pg_temp.u(h, 8) AS u_fee, pg_temp.u(h, 9) AS u_fee2, pg_temp.u(h, 10) AS u_minstay,
       pg_temp.u(h, 11) AS u_city, pg_temp.u(h, 12) AS u_cur, pg_temp.u(h, 13) AS u_cur2,
       pg_temp.u(h, 14) AS u_plan, pg_temp.u(h, 15) AS u_plan2
FROM bench_param, generate_series(1, nhotels) AS h;

-- the currencies: one unit's value in EUR, with ten decimals so that
-- conversions round
CREATE TEMP TABLE bench_currency (i int, currency char(3), per_unit numeric(20,10));
INSERT INTO bench_currency VALUES
  (0, 'EUR', 1.0000000000), (1, 'USD', 0.9187654321), (2, 'GBP', 1.1712345678),
  (3, 'CHF', 1.0523456789);
INSERT INTO pricing.exchange_rate (currency, per_unit)
SELECT currency, per_unit FROM bench_currency ORDER BY i;
-- a third of the hotels in USD, GBP or CHF, the rest in EUR
CREATE TEMP TABLE bench_hotel_currency AS
SELECT h.hotel_id, c.currency, c.per_unit
FROM bench_hotel h
JOIN bench_currency c ON c.i = CASE WHEN h.u_cur < 1.0 / 3 THEN 1 + floor(h.u_cur2 * 3)::int ELSE 0 END;

-- city slot s of nhotels lies in the city whose Zipf quantile covers
-- (s - 0.5) / nhotels; hotels take the slots in a random order
CREATE TEMP TABLE bench_slot AS
SELECT row_number() OVER (ORDER BY u_city, hotel_id) AS slot, hotel_id
FROM bench_hotel;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT h.hotel_id,
       'City' || c.k,
       'Hotel ' || h.hotel_id,
       h.stars,
       hc.currency,
       (ARRAY[0, 5.5, 7, 10, 12.5, 19, 20, 21])[1 + floor(h.u_vat * 8)::int],
       CASE WHEN h.u_tax < 0.3 THEN 0 ELSE round((0.5 + h.u_tax * 4.5)::numeric, 1) END
FROM bench_hotel h
JOIN bench_slot USING (hotel_id)
JOIN bench_hotel_currency hc USING (hotel_id)
CROSS JOIN bench_param p
CROSS JOIN LATERAL (SELECT k FROM bench_city
                    WHERE cdf >= (bench_slot.slot - 0.5) / p.nhotels
                    ORDER BY cdf LIMIT 1) c
ORDER BY h.hotel_id;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                         extra_child_fee)
SELECT h.hotel_id, r.room_id,
       CASE r.room_id WHEN 1 THEN 'Double' ELSE 'Family' END,
       CASE r.room_id WHEN 1 THEN 2 ELSE 3 + (h.u_family < 0.5)::int END,
       2,
       CASE r.room_id WHEN 1 THEN 0 ELSE round((10 + h.u_family * 30)::numeric, 0) END,
       CASE WHEN r.room_id = 2 AND h.u_plan2 < 0.5 THEN round(round((10 + h.u_family * 30)::numeric, 0) / 2, 2) END
FROM bench_hotel h CROSS JOIN generate_series(1, 2) AS r(room_id)
ORDER BY h.hotel_id, r.room_id;

-- a year of nightly rates from today: price by stars, room, season, weekend
-- and noise; ~4% sold out; min_stay 2 on Saturdays at a fifth of the
-- hotels; ~2% closed to arrival
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT x.hotel_id, x.room_id, x.stay_date,
       round((x.base * (1 + 0.25 * sin(2 * pi() * x.doy / 365.0))
              * CASE WHEN x.dow IN (5, 6) THEN 1.2 ELSE 1 END
              * (0.9 + 0.2 * pg_temp.u(x.key, 1)))::numeric, 2),
       CASE WHEN x.u2 < 0.04 THEN 0 ELSE 1 + floor(x.u2 * 5)::int END,
       CASE WHEN x.minstay_hotel AND x.dow = 6 THEN 2 ELSE 1 END,
       pg_temp.u(x.key, 3) < 0.02
FROM (
  SELECT h.hotel_id, r.room_id, current_date + d AS stay_date,
         extract(doy FROM current_date + d) AS doy,
         extract(isodow FROM current_date + d) AS dow,
         (40 + h.stars * 25 + h.u_price * 60) * CASE r.room_id WHEN 1 THEN 1 ELSE 1.45 END
           / hc.per_unit::float8 AS base,
         h.u_minstay < 0.2 AS minstay_hotel,
         (h.hotel_id * 4 + r.room_id) * 1024 + d AS key,
         pg_temp.u((h.hotel_id * 4 + r.room_id) * 1024 + d, 2) AS u2
  FROM bench_hotel h
  JOIN bench_hotel_currency hc USING (hotel_id)
  CROSS JOIN generate_series(1, 2) AS r(room_id)
  CROSS JOIN generate_series(0, 364) AS d
) x;

-- discounts: early booking (hotel-wide), long stay (hotel-wide), and a
-- seasonal offer on the family room
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id, NULL::int, 10 + floor(u_disc2 * 3) * 2.5, 1, NULL::date, NULL::date, 60
FROM bench_hotel WHERE u_disc < 0.10
UNION ALL
SELECT hotel_id, NULL, 5 + floor(u_disc2 * 4) * 2.5, 4, NULL::date, NULL::date, NULL
FROM bench_hotel WHERE u_disc >= 0.10 AND u_disc < 0.20
UNION ALL
SELECT hotel_id, 2, 20, 1, current_date + floor(u_disc2 * 300)::int,
       current_date + floor(u_disc2 * 300)::int + 30, NULL
FROM bench_hotel WHERE u_disc >= 0.15 AND u_disc < 0.25
ORDER BY 1;

-- fees
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'cleaning', round((15 + u_fee2 * 25)::numeric, 0), 'stay'
FROM bench_hotel WHERE u_fee < 0.15
UNION ALL
SELECT hotel_id, 'resort fee', round((5 + u_fee2 * 5)::numeric, 2), 'night'
FROM bench_hotel WHERE u_fee >= 0.10 AND u_fee < 0.25
UNION ALL
SELECT hotel_id, 'tourism levy', round((1 + u_fee2)::numeric, 2), 'guest_night'
FROM bench_hotel WHERE u_fee >= 0.25 AND u_fee < 0.33
ORDER BY 1;

-- rate plans: plan 0 (standard), 1 (non-refundable, -10 %), 2 (breakfast,
-- a board fee per occupant and night in the hotel's currency, min_stay 2)
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable,
                               cancel_days, adjust_percent, min_stay)
SELECT h.hotel_id, p.plan_id,
       (ARRAY['Standard', 'Non-refundable', 'Bed and breakfast'])[p.plan_id + 1],
       CASE p.plan_id WHEN 2 THEN 'breakfast' ELSE 'room_only' END,
       CASE p.plan_id WHEN 2 THEN round(((8 + h.u_plan * 12) / hc.per_unit::float8)::numeric, 2) ELSE 0 END,
       p.plan_id <> 1,
       CASE WHEN p.plan_id <> 1 THEN (ARRAY[0, 1, 2, 7])[1 + floor(h.u_plan2 * 4)::int] END,
       CASE p.plan_id WHEN 1 THEN -10 ELSE 0 END,
       CASE p.plan_id WHEN 2 THEN 2 ELSE 1 END
FROM bench_hotel h
JOIN bench_hotel_currency hc USING (hotel_id)
CROSS JOIN generate_series(0, 2) AS p(plan_id)
ORDER BY h.hotel_id, p.plan_id;

-- a single-use price: room 1 (the double) for one occupant at -15 %
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, 1, 1, -15 FROM bench_hotel ORDER BY hotel_id;

SELECT format('ALTER TABLE %s %s TRIGGER %I', rel,
              CASE tgenabled WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA'
                             WHEN 'O' THEN 'ENABLE' ELSE 'DISABLE' END, tgname)
FROM bench_trigger ORDER BY rel::text \gexec
COMMIT;

RESET session_replication_role;
VACUUM (FREEZE, ANALYZE) pricing.hotel, pricing.room, pricing.rate, pricing.discount, pricing.fee,
	pricing.rate_plan, pricing.occupancy, pricing.exchange_rate;
