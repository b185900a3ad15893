--
-- bounds11: pricing.search in a city big enough that its scan order and
-- early stop matter (src/bounds.c, src/scan.c), against the exhaustive
-- answer built from pricing.offers of every hotel of the city.
--
-- search visits a city's hotels in the order of a lower bound of what a
-- night costs under any of their offers (or, when it converts totals, of
-- that bound in the pivot currency) and stops at the first hotel whose
-- bound exceeds the worst total it keeps.  A bound that is not one drops a
-- hotel that belongs in the answer.  So the data here makes every 1.1
-- term of the price matter: plans with negative adjust_amount (down to a
-- base clamped at zero), adjust_percent -100 and +100, occupancy rows of
-- -100% and +100%, board fees per occupant, children (extra per young
-- child, ages that differ per hotel), discounts by plan and by room, fees,
-- VAT and city tax; currencies with tiny and huge exchange rates (and one
-- without a rate); restrictions on the nights and on the plans.  The stays
-- check in on every night from + 0 to + 45, for 1 to 16 nights, top 1, 3
-- or 10, with and without a currency, max_total, min_board and
-- free_cancellation.  Only counts are printed; the mismatch counts must
-- be 0.
--
-- The exhaustive answer: for each hotel of the city (with stars >=
-- min_stars), its offers (pricing.offers) with a board at least min_board
-- and, with free_cancellation, a free_cancel_until; the best by total in
-- the hotel's own currency, then room_id, then plan_id; converted with
-- round(total * s.per_unit / t.per_unit, 2) (unchanged in its own
-- currency; left out without a rate; no rows at all when the requested
-- currency has none); at most max_total; ordered by total, then hotel_id;
-- the first max_results.
--
-- Data: hotels 21001..21160 in the city Prunington, rates from
-- current_date to current_date + 62; hotels 21161..21180 in the city
-- Prunetrap, rates from + 3 to + 5.  The exchange rates are the suite's
-- own: the rows other suites left are kept aside and put back at the end.
--
SELECT setseed(0.29);

CREATE TEMP TABLE b11_saved_rate AS SELECT * FROM pricing.exchange_rate;
DELETE FROM pricing.exchange_rate;
-- EUR, USD, a currency worth almost nothing (XTN: 810045 to the euro) and
-- one worth a lot (XHG: 1234.57 euros); XNR has no rate.
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES
  ('EUR', 1), ('USD', 0.9123456789), ('XTN', 0.0000012345), ('XHG', 1234.5678);

-- Hotels: a currency, and a scale that makes amounts in it comparable
-- (amounts are drawn in euros and multiplied by the scale); a few hotels
-- in XTN and XHG are left unscaled, so that their totals are extreme.
CREATE TEMP TABLE b11_hotel AS
SELECT 21000 + i AS hotel_id,
       (ARRAY[0, 1, 2, 3, 3, 4, 5])[1 + floor(random() * 7)::int]::smallint AS stars,
       (ARRAY['EUR', 'EUR', 'EUR', 'USD', 'USD', 'XTN', 'XTN', 'XHG', 'XHG', 'XNR'])[1 + floor(random() * 10)::int] AS currency,
       random() AS r_scale,
       (ARRAY[0, 7, 10, 19, 25, 100])[1 + floor(random() * 6)::int]::numeric(5,2) AS vat_percent,
       (ARRAY[0, 0, 1.5, 3, 25])[1 + floor(random() * 5)::int] AS city_tax_eur,
       (ARRAY[2, 2, 0, 4, 6])[1 + floor(random() * 5)::int] AS infant_age,
       (ARRAY[12, 12, 6, 14, 18])[1 + floor(random() * 5)::int] AS child_age,
       1 + floor(random() * 3)::int AS rooms,
       30 + floor(random() * 200)::int AS rack,
       floor(random() * 4)::int AS plans,
       random() AS r_plan0,
       floor(random() * 3)::int AS discounts,
       floor(random() * 3)::int AS fees
FROM generate_series(1, 160) AS i;
CREATE TEMP TABLE b11_hotel_s AS
SELECT h.*,
       CASE WHEN h.currency = 'XTN' AND h.r_scale >= 0.2 THEN 810045
            WHEN h.currency = 'XHG' AND h.r_scale >= 0.2 THEN 0.00081
            ELSE 1 END AS scale
FROM b11_hotel h ORDER BY hotel_id;

-- amounts in a hotel's currency: a euro amount times its scale, within
-- what numeric(10,2) holds (numeric(12,2) for prices)
CREATE FUNCTION pg_temp.amount(eur numeric, scale numeric, top numeric DEFAULT 99999999.99)
RETURNS numeric
LANGUAGE sql IMMUTABLE
AS $$ SELECT least(greatest(round(eur * scale, 2), -top), top) $$;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax,
                           infant_age, child_age)
SELECT hotel_id, 'Prunington', 'Prune ' || hotel_id, stars, currency, vat_percent,
       pg_temp.amount(city_tax_eur, scale), least(infant_age, child_age), child_age
FROM b11_hotel_s ORDER BY hotel_id;

CREATE TEMP TABLE b11_room AS
SELECT h.hotel_id, j, (ARRAY[3, 1, 8])[j] AS room_id
FROM b11_hotel_s h, generate_series(1, h.rooms) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE b11_room_r AS
SELECT hotel_id, room_id, random() AS r_max, random() AS r_inf, random() AS r_base,
       random() AS r_fee, random() AS r_child, random() AS r_mult
FROM b11_room ORDER BY hotel_id, room_id;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT r.hotel_id, r.room_id, 'room ' || r.room_id, 1 + floor(r.r_max * 5)::int,
       1 + floor(r.r_base * 2)::int,
       pg_temp.amount((ARRAY[0, 0, 10, 25])[1 + floor(r.r_fee * 4)::int], h.scale),
       floor(r.r_inf * 3)::int,
       CASE WHEN r.r_child < 0.5 THEN NULL
            ELSE pg_temp.amount((ARRAY[0, 4, 15])[1 + floor((r.r_child - 0.5) * 6)::int], h.scale) END
FROM b11_room_r r JOIN b11_hotel_s h USING (hotel_id)
ORDER BY r.hotel_id, r.room_id;

-- Occupancy rows: up to three per room, from -100% to +100%.
CREATE TEMP TABLE b11_occ AS
SELECT r.hotel_id, r.room_id, o AS occupants, random() AS r_keep, random() AS r_pct
FROM b11_room r, generate_series(1, 4) AS o
ORDER BY r.hotel_id, r.room_id, o;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, occupants,
       (ARRAY[-100, -60, -25, -10, 15, 40, 100])[1 + floor(r_pct * 7)::int]
FROM b11_occ WHERE r_keep < 0.35
ORDER BY hotel_id, room_id, occupants;

-- Nightly prices: the hotel's rack rate times the room's factor times 0.5
-- to 2 per night; 4% of the nights at a tenth of that; 5% sold out, 8%
-- with a minimum stay, 5% with a maximum stay, 5% closed to arrival, 5%
-- closed to departure; 3% missing.
CREATE TEMP TABLE b11_rate_key AS
SELECT r.hotel_id, r.room_id, k FROM b11_room r, generate_series(0, 62) AS k
ORDER BY r.hotel_id, r.room_id, k;
CREATE TEMP TABLE b11_rate AS
SELECT hotel_id, room_id, k, random() AS r_keep, random() AS r_price, random() AS r_cheap,
       random() AS r_avail, random() AS r_min, random() AS r_max, random() AS r_cta,
       random() AS r_ctd
FROM b11_rate_key ORDER BY hotel_id, room_id, k;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, max_stay,
                          closed_to_arrival, closed_to_departure)
SELECT t.hotel_id, t.room_id, current_date + t.k,
       pg_temp.amount((h.rack * (1 + rr.r_mult) * (0.5 + 1.5 * t.r_price)
                       * CASE WHEN t.r_cheap < 0.04 THEN 0.1 ELSE 1 END)::numeric, h.scale,
                      9999999999.99),
       CASE WHEN t.r_avail < 0.05 THEN 0 ELSE 1 + floor(t.r_avail * 3)::int END,
       CASE WHEN t.r_min < 0.08 THEN 2 + floor(t.r_min * 50)::int ELSE 1 END,
       CASE WHEN t.r_max < 0.05 THEN 1 + floor(t.r_max * 80)::int END,
       t.r_cta < 0.05,
       t.r_ctd < 0.05
FROM b11_rate t
JOIN b11_hotel_s h USING (hotel_id)
JOIN b11_room_r rr USING (hotel_id, room_id)
WHERE t.r_keep >= 0.03
ORDER BY t.hotel_id, t.room_id, t.k;

-- Plans 1..3 (and a rate_plan row for plan 0 in a third of the hotels):
-- boards with fees per occupant, refundability and deadlines, percents
-- from -100 to +100, amounts from -500 (a base clamped at zero) to +30,
-- stay lengths, early booking and last minute.
CREATE TEMP TABLE b11_plan_key AS
SELECT h.hotel_id, j FROM b11_hotel_s h, generate_series(0, h.plans) AS j
WHERE j > 0 OR h.r_plan0 < 0.33
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE b11_plan AS
SELECT hotel_id, j, random() AS r_room, random() AS r_board, random() AS r_fee,
       random() AS r_refund, random() AS r_cancel, random() AS r_pct, random() AS r_amount,
       random() AS r_min, random() AS r_max, random() AS r_ahead, random() AS r_late
FROM b11_plan_key ORDER BY hotel_id, j;

INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT p.hotel_id, p.j, 'plan ' || p.j,
       CASE WHEN p.j = 0 OR p.r_room < 0.6 THEN NULL
            ELSE (SELECT min(r.room_id) FROM b11_room r WHERE r.hotel_id = p.hotel_id) END,
       (ARRAY['room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive'])[1 + floor(p.r_board * 5)::int],
       pg_temp.amount((ARRAY[0, 0, 8, 20, 45])[1 + floor(p.r_fee * 5)::int], h.scale),
       p.r_refund >= 0.3,
       (ARRAY[NULL, NULL, 0, 3, 10, 30])[1 + floor(p.r_cancel * 6)::int],
       CASE WHEN p.j = 0 THEN 0 ELSE (ARRAY[-100, -50, -10, 0, 0, 15, 100])[1 + floor(p.r_pct * 7)::int] END,
       CASE WHEN p.j = 0 THEN 0
            ELSE pg_temp.amount((ARRAY[-500, -60, -20, 0, 0, 5, 30])[1 + floor(p.r_amount * 7)::int], h.scale) END,
       CASE WHEN p.r_min < 0.8 THEN 1 ELSE 2 + floor((p.r_min - 0.8) * 15)::int END,
       CASE WHEN p.r_max < 0.8 THEN NULL ELSE 1 + floor((p.r_max - 0.8) * 40)::int END,
       CASE WHEN p.r_ahead < 0.85 THEN NULL ELSE 7 END,
       CASE WHEN p.r_late < 0.85 THEN NULL ELSE 20 END
FROM b11_plan p JOIN b11_hotel_s h USING (hotel_id)
ORDER BY p.hotel_id, p.j;

-- Discounts by plan (NULL, 0, 1, 2 or a plan the hotel lacks) and room,
-- up to 100%.
CREATE TEMP TABLE b11_discount_key AS
SELECT h.hotel_id, j FROM b11_hotel_s h, generate_series(1, h.discounts) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE b11_discount AS
SELECT hotel_id, j, random() AS r_room, random() AS r_plan, random() AS r_percent,
       random() AS r_nights, random() AS r_from, random() AS r_ahead
FROM b11_discount_key ORDER BY hotel_id, j;

INSERT INTO pricing.discount (hotel_id, room_id, plan_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id,
       CASE WHEN r_room < 0.6 THEN NULL ELSE (ARRAY[3, 1, 8])[1 + floor((r_room - 0.6) * 7.5)::int] END,
       (ARRAY[NULL, NULL, 0, 1, 2, 7])[1 + floor(r_plan * 6)::int],
       (ARRAY[5, 12.5, 20, 33.33, 50, 100])[1 + floor(r_percent * 6)::int],
       CASE WHEN r_nights < 0.7 THEN 1 ELSE 3 END,
       CASE WHEN r_from < 0.7 THEN NULL ELSE current_date + floor((r_from - 0.7) * 150)::int END,
       CASE WHEN r_from < 0.7 THEN NULL ELSE current_date + floor((r_from - 0.7) * 150)::int + 12 END,
       CASE WHEN r_ahead < 0.8 THEN NULL ELSE 10 END
FROM b11_discount ORDER BY hotel_id, j;

-- Fees per stay, per night and per guest and night.
CREATE TEMP TABLE b11_fee_key AS
SELECT h.hotel_id, j FROM b11_hotel_s h, generate_series(1, h.fees) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE b11_fee AS
SELECT hotel_id, j, random() AS r_amount, random() AS r_per
FROM b11_fee_key ORDER BY hotel_id, j;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT f.hotel_id, 'fee ' || f.j, pg_temp.amount(round((f.r_amount * 30)::numeric, 2), h.scale),
       (ARRAY['stay', 'night', 'guest_night'])[1 + floor(f.r_per * 3)::int]
FROM b11_fee f JOIN b11_hotel_s h USING (hotel_id)
ORDER BY f.hotel_id, f.j;

--
-- Prunetrap: hotels built to be missed by a bound that is not one, each
-- cheap only through one term, among ten plain ones.  For 2 nights from
-- + 3, 2 adults (totals in the hotel's currency, then in EUR, XTN and XHG):
--   21161  1000.00 a night, plan 1 adjust_amount -990.00:
--          20.00                      20.00   16200891.05    0.02
--   21162  1000.00 a night, plan 1 adjust_percent -100:     0.00 everywhere
--   21163  1000.00 a night, occupancy -100% for 2 occupants: 0.00
--   21164  1000.00 a night, a 100% discount for plan 2 only: 0.00
--   21165  20000000.00 XTN a night:
--          40000000.00 XTN            49.38   40000000.00    0.04
--   21166  0.01 XHG a night, breakfast plan 0 with a board fee of 0.01 per
--          occupant: 0.02 + 0.04 =
--          0.06 XHG                   74.07   60003295.26    0.06
--   21171 .. 21180: 30.50, 31.00, .. 35.00 a night (61.00 .. 70.00 EUR;
--          in XHG 0.05 up to 67.00, 0.06 from 68.00)
-- So the top 10 is, without a currency: 21162, 21163, 21164, 21166,
-- 21161, 21171 .. 21175; in EUR, XTN and XHG: 21162, 21163, 21164, 21161,
-- 21165, 21171 .. 21175.
--
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency) VALUES
  (21161, 'Prunetrap', 'Trap amount', 3, 'EUR'),
  (21162, 'Prunetrap', 'Trap percent', 3, 'EUR'),
  (21163, 'Prunetrap', 'Trap occupancy', 3, 'EUR'),
  (21164, 'Prunetrap', 'Trap discount', 3, 'EUR'),
  (21165, 'Prunetrap', 'Trap tiny', 3, 'XTN'),
  (21166, 'Prunetrap', 'Trap huge', 3, 'XHG');
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency)
SELECT h, 'Prunetrap', 'Plain ' || h, 3, 'EUR' FROM generate_series(21171, 21180) AS h;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests)
SELECT hotel_id, 1, 'room', 2 FROM pricing.hotel WHERE city = 'Prunetrap';
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT h.hotel_id, 1, current_date + k,
       CASE WHEN h.hotel_id = 21165 THEN 20000000.00
            WHEN h.hotel_id = 21166 THEN 0.01
            WHEN h.hotel_id > 21170 THEN 30.00 + 0.50 * (h.hotel_id - 21170)
            ELSE 1000.00 END
FROM pricing.hotel h, generate_series(3, 4) AS k
WHERE h.city = 'Prunetrap';
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, adjust_percent, adjust_amount) VALUES
  (21161, 1, 'minus 990', 0, -990.00),
  (21162, 1, 'free', -100, 0),
  (21164, 2, 'promo', 0, 0);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee) VALUES
  (21166, 0, 'breakfast', 'breakfast', 0.01);
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES
  (21163, 1, 2, -100);
INSERT INTO pricing.discount (hotel_id, plan_id, percent) VALUES (21164, 2, 100);

SELECT count(*) AS hotels,
       count(*) FILTER (WHERE currency = 'XTN') AS xtn,
       count(*) FILTER (WHERE currency = 'XHG') AS xhg,
       count(*) FILTER (WHERE currency = 'XNR') AS without_rate,
       (SELECT count(*) FROM pricing.rate_plan WHERE hotel_id BETWEEN 21001 AND 21160) AS plans,
       (SELECT count(*) FROM pricing.rate_plan WHERE hotel_id BETWEEN 21001 AND 21160
                                                 AND adjust_amount < 0) AS negative_amounts,
       (SELECT count(*) FROM pricing.occupancy WHERE hotel_id BETWEEN 21001 AND 21160) AS occupancy_rows
FROM pricing.hotel WHERE city = 'Prunington';

-- Stays: every check-in night from + 0 to + 45, each with six of 1..16
-- nights, top 1, 3 or 10, 1 to 3 adults with children of several ages;
-- a currency (none, EUR, XTN, XHG, USD; XNR, which has no rate, gives no
-- rows), max_total (an amount in euros, converted to the currency asked
-- for), min_board, free_cancellation, min_stars and booking dates before,
-- on and after today.
CREATE TEMP TABLE b11_stay AS
SELECT row_number() OVER (ORDER BY d, k) AS i, 'Prunington' AS city, current_date + d AS ci,
       current_date + d + (ARRAY[1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 2])[1 + (d * 3 + k * 5) % 11] AS co,
       1 + (d + k) % 3 AS adults,
       (ARRAY['{}', '{}', '{0}', '{5}', '{1,8}', '{13}', '{3,3,3}', '{17,0}'])[1 + (d * 5 + k) % 8]::int[] AS children,
       (ARRAY[1, 3, 10])[1 + (d + 2 * k) % 3] AS max_results,
       CASE WHEN (d + k) % 7 = 0 THEN 3 ELSE 0 END AS min_stars,
       CASE WHEN (d + 3 * k) % 5 = 0 THEN 100 + 60 * k END::numeric AS max_total_eur,
       (ARRAY[NULL, 'EUR', 'XTN', NULL, 'XHG', 'USD', 'EUR', NULL, 'XTN', 'XHG', 'XNR'])[1 + (d * 7 + k * 3) % 11]::char(3) AS currency,
       (ARRAY['room_only', 'room_only', 'room_only', 'breakfast', 'half_board', 'room_only', 'all_inclusive'])[1 + (d + 5 * k) % 7] AS min_board,
       (d + k) % 3 = 1 AS free_cancellation,
       current_date + (ARRAY[0, 0, -20, 15])[1 + (d + k) % 4] AS b
FROM generate_series(0, 45) AS d, generate_series(0, 5) AS k;
ALTER TABLE b11_stay ADD max_total numeric;
UPDATE b11_stay s
   SET max_total = CASE WHEN s.currency IS NULL THEN s.max_total_eur
                        ELSE round(s.max_total_eur
                                   / (SELECT e.per_unit FROM pricing.exchange_rate e WHERE e.currency = s.currency), 2) END;
-- Prunetrap: 2 nights from + 3, 2 adults, top 1, 3 and 10, in each currency
INSERT INTO b11_stay (i, city, ci, co, adults, children, max_results, min_stars, max_total_eur,
                      currency, min_board, free_cancellation, b)
SELECT 1000 + row_number() OVER (ORDER BY u.o, m), 'Prunetrap', current_date + 3,
       current_date + 5, 2, '{}', m, 0, NULL, c, 'room_only', false, current_date
FROM unnest(ARRAY[NULL, 'EUR', 'XTN', 'XHG']::char(3)[]) WITH ORDINALITY AS u(c, o),
     unnest(ARRAY[1, 3, 10]) AS m;

SELECT pricing.refresh(true) > 0 AS refreshed;

CREATE TEMP TABLE b11_result (side text, i bigint, ord bigint, r text);
INSERT INTO b11_result
SELECT 'real', s.i, c.ord,
       (c.hotel_id, c.name, c.stars, c.room_id, c.plan_id, c.plan_name, c.board,
        c.free_cancel_until, c.total, c.currency)::text
FROM b11_stay s,
     pricing.search(s.city, s.ci, s.co, s.adults, s.children, s.max_results, s.min_stars,
                    s.max_total, s.currency, s.min_board, s.free_cancellation, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                            free_cancel_until, total, currency, ord);

-- the exhaustive answer
CREATE FUNCTION pg_temp.board_rank(board text) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$ SELECT array_position(ARRAY['room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive'], board) $$;

CREATE TEMP TABLE b11_best AS
SELECT s.i, h.hotel_id, h.name, h.stars, h.currency AS own_currency, o.*
FROM b11_stay s
JOIN pricing.hotel h ON h.city = s.city AND h.stars >= s.min_stars
CROSS JOIN LATERAL (
  SELECT o.room_id, o.plan_id, o.plan_name, o.board, o.free_cancel_until, o.total
  FROM pricing.offers(h.hotel_id, s.ci, s.co, s.adults, s.children, s.b) o
  WHERE pg_temp.board_rank(o.board) >= pg_temp.board_rank(s.min_board)
    AND (NOT s.free_cancellation OR o.free_cancel_until IS NOT NULL)
  ORDER BY o.total, o.room_id, o.plan_id
  LIMIT 1) o;

INSERT INTO b11_result
SELECT 'ref', i, ord, r
FROM (SELECT c.i, c.max_results,
             row_number() OVER (PARTITION BY c.i ORDER BY c.total, c.hotel_id) AS ord,
             (c.hotel_id, c.name, c.stars, c.room_id, c.plan_id, c.plan_name, c.board,
              c.free_cancel_until, c.total, c.currency)::text AS r
      FROM (SELECT b.i, s.max_results, s.max_total, b.hotel_id, b.name, b.stars, b.room_id,
                   b.plan_id, b.plan_name, b.board, b.free_cancel_until,
                   CASE WHEN s.currency IS NULL OR s.currency = b.own_currency THEN b.total
                        ELSE round(b.total * es.per_unit / et.per_unit, 2) END AS total,
                   coalesce(s.currency, b.own_currency)::char(3) AS currency
            FROM b11_best b
            JOIN b11_stay s USING (i)
            LEFT JOIN pricing.exchange_rate es ON es.currency = b.own_currency
            LEFT JOIN pricing.exchange_rate et ON et.currency = s.currency
            WHERE s.currency IS NULL
               OR (et.currency IS NOT NULL
                   AND (s.currency = b.own_currency OR es.currency IS NOT NULL))) c
      WHERE c.max_total IS NULL OR c.total <= c.max_total) ranked
WHERE ord <= max_results;

-- what was compared, and the mismatches (both must be 0)
SELECT (SELECT count(*) FROM b11_stay) AS stays,
       count(DISTINCT i) FILTER (WHERE side = 'ref') AS stays_with_rows,
       count(*) FILTER (WHERE side = 'ref') AS rows_compared,
       (SELECT count(*) FROM (SELECT i, ord, r FROM b11_result WHERE side = 'real'
                              EXCEPT ALL
                              SELECT i, ord, r FROM b11_result WHERE side = 'ref') m) AS only_in_real,
       (SELECT count(*) FROM (SELECT i, ord, r FROM b11_result WHERE side = 'ref'
                              EXCEPT ALL
                              SELECT i, ord, r FROM b11_result WHERE side = 'real') m) AS only_in_ref
FROM b11_result;

-- how much of it the pruning had to get right: stays of each kind with rows
SELECT coalesce(s.currency, '-') AS currency, count(DISTINCT s.i) AS stays,
       count(DISTINCT s.i) FILTER (WHERE r.side = 'ref') AS stays_with_rows,
       count(r.*) FILTER (WHERE r.side = 'ref') AS rows_compared
FROM b11_stay s LEFT JOIN b11_result r ON r.i = s.i
GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT i) FILTER (WHERE s.max_total IS NOT NULL) AS with_max_total,
       count(DISTINCT i) FILTER (WHERE s.min_board <> 'room_only') AS with_min_board,
       count(DISTINCT i) FILTER (WHERE s.free_cancellation) AS with_free_cancellation,
       count(DISTINCT i) FILTER (WHERE s.children <> '{}') AS with_children
FROM b11_stay s JOIN b11_result r USING (i) WHERE r.side = 'ref';

-- any mismatching rows, to debug a failure (no rows when all is well)
(SELECT 'real' AS side, i, ord, r FROM b11_result WHERE side = 'real'
 EXCEPT ALL SELECT 'real', i, ord, r FROM b11_result WHERE side = 'ref')
UNION ALL
(SELECT 'ref', i, ord, r FROM b11_result WHERE side = 'ref'
 EXCEPT ALL SELECT 'ref', i, ord, r FROM b11_result WHERE side = 'real')
ORDER BY i, ord, side
LIMIT 20;

-- Prunetrap: the hotels search found, for the top 10
SELECT s.currency, string_agg(split_part(trim(both '()' from r.r), ',', 1), ' ' ORDER BY r.ord) AS hotels
FROM b11_stay s JOIN b11_result r USING (i)
WHERE s.city = 'Prunetrap' AND s.max_results = 10 AND r.side = 'real'
GROUP BY s.i, s.currency ORDER BY s.i;

-- leave the cities and exchange rates out of the suites that follow
DELETE FROM pricing.hotel WHERE city IN ('Prunington', 'Prunetrap');
DELETE FROM pricing.exchange_rate;
INSERT INTO pricing.exchange_rate SELECT * FROM b11_saved_rate;
SELECT pricing.refresh(true) > 0 AS refreshed;
