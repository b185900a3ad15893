--
-- calendar: pricing.calendar and pricing.hotel_calendar (doc/reference.md,
-- "pricing.calendar" and "pricing.hotel_calendar") against the functions
-- they are defined by, on seeded random data that mixes every 1.1 feature.
--
-- For each check-in date d from first_checkin to last_checkin:
--  - calendar's row is the first row of pricing.search(city, d, d + nights,
--    adults, children, 1, min_stars, NULL, currency, min_board,
--    free_cancellation, booking_date) (checkin, hotel_id, name, room_id,
--    plan_id, total, currency), and its hotels the number of rows that
--    search gives with max_results 10000;
--  - hotel_calendar's row is the first row of pricing.offers(hotel_id, d,
--    d + nights, adults, children, booking_date) (checkin, room_id, plan_id,
--    total, currency);
--  - a date without a row there has no row here.
-- Both sides must agree row by row (same rows, same order, same text of
-- every value, so the scale of the totals is checked too).  Only counts are
-- printed: the comparisons, the rows only one side has (both 0), and what
-- the comparisons covered, so a reader sees they are not trivial.
--
-- Data: hotels 13001..13057 in the cities Calendria, Datesville, Flexbourg
-- and Nightsbury (13049..13056 clones of 13001..13008, 13057 without rooms;
-- 13058 is asked for and does not exist), and 13060 in Onegen for the check
-- that one call reads one generation.  Dates are relative to today, the
-- day of the index serving now (pricing.status's first_date + 1: the
-- refresh worker's current_date, which may be a day off the session's):
-- rates cover today - 3 .. today + 45 for every room (the first two nights
-- lie before the loaded window), and today + 380 .. today + 402 for the
-- hotels with window_edges (the last two beyond it).  The calendars'
-- ranges run over both ends of the loaded window, and past them.
--
-- The exchange rates are the suite's own: the rows other suites left are
-- kept aside and put back at the end.
--

-- the loaded window, once for the whole suite, as pricing.status reports it
CREATE TEMP TABLE cal_window AS
SELECT first_date AS first_night, last_date AS last_night, first_date + 1 AS today
FROM pricing.status;
SELECT last_night - first_night AS window_last_night,
       first_night BETWEEN current_date - 2 AND current_date AS starts_yesterday
FROM cal_window;

CREATE FUNCTION pg_temp.today() RETURNS date
LANGUAGE sql STABLE
AS $$
  SELECT today FROM cal_window
$$;

--
-- Random data, seeded.  random() after setseed() is deterministic within
-- this session as long as the calls come in a fixed order, so random values
-- are only ever drawn while scanning a function or a temp table in a fixed
-- order (never in a join), and then mapped to data in a second step.
--
SELECT setseed(0.1308);

-- The suite's exchange rates (per_unit with all ten decimals, so that the
-- conversions round); CHF, a currency some hotels price in, has none; no
-- hotel prices in SEK.
CREATE TEMP TABLE cal_saved_rate (LIKE pricing.exchange_rate);
DO $$
BEGIN
  INSERT INTO cal_saved_rate SELECT * FROM pricing.exchange_rate;
  DELETE FROM pricing.exchange_rate;
END
$$;
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES
  ('EUR', 1.0000000000),
  ('USD', 0.9187654321),
  ('GBP', 1.1598765432),
  ('JPY', 0.0062345678),
  ('SEK', 0.0869876543);

-- 48 random hotels (13001..13048), 12 per city; and 300 in Grandville
-- (14001..14300), a city big enough for the count's pass over whole words of
-- rooms, whose hotels straddle words.
CREATE TEMP TABLE cal_hotel AS
SELECT CASE WHEN i <= 48 THEN 13000 + i ELSE 14000 + i - 48 END AS hotel_id,
       CASE WHEN i <= 48 THEN (ARRAY['Calendria', 'Datesville', 'Flexbourg', 'Nightsbury'])[1 + i % 4]
            ELSE 'Grandville' END AS city,
       'Calendar hotel ' || i AS name,
       (ARRAY[0, 1, 2, 3, 3, 4, 4, 5])[1 + floor(random() * 8)::int]::smallint AS stars,
       (ARRAY['EUR', 'EUR', 'EUR', 'USD', 'GBP', 'JPY', 'CHF'])[1 + floor(random() * 7)::int]::char(3) AS currency,
       (ARRAY[0, 5, 7.5, 12.5, 19, 25, 2.5, 8.25, 10, 0.5])[1 + floor(random() * 10)::int]::numeric(5,2) AS vat_percent,
       (ARRAY[0, 0, 0.75, 1.5, 2.35, 3.05, 0.01])[1 + floor(random() * 7)::int]::numeric(10,2) AS city_tax,
       (ARRAY[0, 1, 2, 2, 3])[1 + floor(random() * 5)::int] AS infant_age,
       random() AS r_child_age,
       1 + floor(random() * 4)::int AS rooms,
       floor(random() * 4)::int AS plans,
       random() AS r_plan0,
       floor(random() * 4)::int AS discounts,
       floor(random() * 4)::int AS fees,
       random() < 0.6 AS window_edges
FROM generate_series(1, 348) AS i;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax,
                           infant_age, child_age)
SELECT hotel_id, city, name, stars, currency, vat_percent, city_tax, infant_age,
       greatest(infant_age, (ARRAY[0, 6, 12, 12, 16, 18])[1 + floor(r_child_age * 6)::int])
FROM cal_hotel ORDER BY hotel_id;

-- 1 to 4 rooms per hotel (ids 4, 9, 2, 6), up to 6 occupants, 0 to 2
-- infants, extra_child_fee NULL (extra_guest_fee applies) half of the time.
CREATE TEMP TABLE cal_room_key AS
SELECT h.hotel_id, j FROM cal_hotel h, generate_series(1, h.rooms) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE cal_room AS
SELECT hotel_id, j, (ARRAY[4, 9, 2, 6])[j] AS room_id,
       random() AS r_max, random() AS r_base, random() AS r_fee,
       random() AS r_infants, random() AS r_child_fee
FROM cal_room_key;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT hotel_id, room_id, 'room ' || j, max_guests,
       least(max_guests, 1 + floor(r_base * 3)::int),
       (ARRAY[0, 0, 10, 12.5, 15.05, 20.01])[1 + floor(r_fee * 6)::int],
       (ARRAY[0, 1, 1, 2])[1 + floor(r_infants * 4)::int],
       CASE WHEN r_child_fee >= 0.5 THEN
         (ARRAY[0, 5, 7.55, 10])[1 + floor((r_child_fee - 0.5) * 8)::int] END
FROM cal_room, LATERAL (SELECT 1 + floor(r_max * 6)::int AS max_guests) m
ORDER BY hotel_id, j;

-- Nights today - 3 .. + 45 for every room, and for the hotels with
-- window_edges also today + 380 .. + 402.  A rack rate per hotel and night
-- that rooms take 40% of the time (ties); 4% of the nights missing (gaps),
-- 5% sold out, 12% min_stay 2..4, 10% max_stay 1..6 (in Grandville, in
-- room 2 only), 8% closed to arrival, 8% closed to departure (half of the
-- nights beyond the window).
CREATE TEMP TABLE cal_night AS
SELECT h.hotel_id, k
FROM cal_hotel h,
     LATERAL (SELECT k FROM generate_series(-3, 45) AS k
              UNION ALL
              SELECT k FROM generate_series(380, 402) AS k WHERE h.window_edges) ks
ORDER BY h.hotel_id, k;
CREATE TEMP TABLE cal_rack AS
SELECT hotel_id, k, round((40 + random() * 260)::numeric, 2) AS price
FROM cal_night;

CREATE TEMP TABLE cal_rate_key AS
SELECT r.hotel_id, r.room_id, n.k
FROM cal_room r JOIN cal_night n USING (hotel_id)
ORDER BY r.hotel_id, r.j, n.k;
CREATE TEMP TABLE cal_rate AS
SELECT hotel_id, room_id, k, random() AS r_keep, random() AS r_rack, random() AS r_price,
       random() AS r_avail, random() AS r_min_stay, random() AS r_max_stay,
       random() AS r_cta, random() AS r_ctd
FROM cal_rate_key;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT t.hotel_id, t.room_id, pg_temp.today() + t.k,
       CASE WHEN t.r_rack < 0.4 THEN rk.price
            ELSE round((30 + t.r_price * 300)::numeric, 2) END,
       CASE WHEN t.r_avail < 0.05 THEN 0 ELSE 1 + floor(t.r_avail * 3)::int END,
       CASE WHEN t.r_min_stay < 0.12 THEN 2 + floor(t.r_min_stay * 25)::int ELSE 1 END,
       t.r_cta < 0.08,
       CASE WHEN t.r_max_stay < 0.1 AND (t.hotel_id < 14000 OR t.room_id = 2)
            THEN 1 + floor(t.r_max_stay * 60)::int END,
       t.r_ctd < 0.08 OR (t.k > 400 AND t.r_ctd < 0.5)
FROM cal_rate t JOIN cal_rack rk USING (hotel_id, k)
WHERE t.r_keep >= 0.04
ORDER BY t.hotel_id, t.room_id, t.k;

-- Rate plans: a plan-0 row for 40% of the hotels (a name, a board and its
-- fee, refundability, restrictions), and 0 to 3 more plans (ids 1, 3, 8),
-- some for one room only, of every board, refundable or not, with a
-- cancellation deadline, adjustments from -100% to +100% and negative
-- amounts (a base clamped to 0), stay and booking-window restrictions.
CREATE TEMP TABLE cal_plan0 AS
SELECT hotel_id, random() AS r_board, random() AS r_fee, random() AS r_refund,
       random() AS r_cancel, random() AS r_min, random() AS r_max,
       random() AS r_ahead_min, random() AS r_ahead_max
FROM cal_hotel
WHERE r_plan0 < 0.4
ORDER BY hotel_id;

INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable,
                               cancel_days, min_stay, max_stay, min_days_ahead, max_days_ahead)
SELECT hotel_id, 0, 'house rate',
       (ARRAY['room_only', 'room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive'])[1 + floor(r_board * 6)::int],
       (ARRAY[0, 0, 4.5, 12.25, 0.05])[1 + floor(r_fee * 5)::int],
       r_refund >= 0.2,
       CASE WHEN r_cancel < 0.5 THEN NULL ELSE floor((r_cancel - 0.5) * 30)::int END,
       CASE WHEN r_min < 0.8 THEN 1 ELSE 2 + floor((r_min - 0.8) * 10)::int END,
       CASE WHEN r_max < 0.8 THEN NULL ELSE 3 + floor((r_max - 0.8) * 30)::int END,
       CASE WHEN r_ahead_min < 0.85 THEN NULL ELSE floor((r_ahead_min - 0.85) * 100)::int END,
       CASE WHEN r_ahead_max < 0.85 THEN NULL ELSE 10 + floor((r_ahead_max - 0.85) * 200)::int END
FROM cal_plan0
ORDER BY hotel_id;

CREATE TEMP TABLE cal_plan_key AS
SELECT h.hotel_id, h.rooms, j FROM cal_hotel h, generate_series(1, h.plans) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE cal_plan AS
SELECT hotel_id, rooms, j, (ARRAY[1, 3, 8])[j] AS plan_id,
       random() AS r_room, random() AS r_board, random() AS r_fee, random() AS r_refund,
       random() AS r_cancel, random() AS r_percent, random() AS r_amount,
       random() AS r_min, random() AS r_max, random() AS r_ahead_min, random() AS r_ahead_max
FROM cal_plan_key;

INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT hotel_id, plan_id, 'plan ' || plan_id,
       CASE WHEN r_room < 0.6 THEN NULL
            ELSE (ARRAY[4, 9, 2, 6])[1 + floor((r_room - 0.6) * 2.5 * rooms)::int] END,
       (ARRAY['room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive'])[1 + floor(r_board * 5)::int],
       (ARRAY[0, 0, 4.5, 12.25, 0.05, 33.33])[1 + floor(r_fee * 6)::int],
       r_refund >= 0.3,
       CASE WHEN r_cancel < 0.3 THEN NULL ELSE floor((r_cancel - 0.3) * 20)::int END,
       (ARRAY[0, 0, 0, -100, -50, -12.5, -10, -7.5, 5, 7.5, 10, 33.33, 100])[1 + floor(r_percent * 13)::int],
       (ARRAY[0, 0, 0, 0, -5, -10.05, -1000, 2.5, 15])[1 + floor(r_amount * 9)::int],
       CASE WHEN r_min < 0.7 THEN 1 ELSE 2 + floor((r_min - 0.7) * 10)::int END,
       CASE WHEN r_max < 0.7 THEN NULL ELSE 2 + floor((r_max - 0.7) * 20)::int END,
       CASE WHEN r_ahead_min < 0.7 THEN NULL ELSE floor((r_ahead_min - 0.7) * 100)::int END,
       CASE WHEN r_ahead_max < 0.7 THEN NULL ELSE floor((r_ahead_max - 0.7) * 50)::int END
FROM cal_plan
ORDER BY hotel_id, j;

-- Occupancy: for each room and 1 to 5 occupants, a row 40% of the time,
-- with a percent from -100 to +100.
CREATE TEMP TABLE cal_occ_key AS
SELECT r.hotel_id, r.room_id, r.j, o FROM cal_room r, generate_series(1, 5) AS o
ORDER BY r.hotel_id, r.j, o;
CREATE TEMP TABLE cal_occ AS
SELECT hotel_id, room_id, j, o, random() AS r_keep, random() AS r_percent
FROM cal_occ_key;

INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, o,
       (ARRAY[-100, -25, -12.5, -7.5, -5, 0, 2.5, 7.5, 10, 12.35, 25, 100])[1 + floor(r_percent * 12)::int]
FROM cal_occ
WHERE r_keep < 0.4
ORDER BY hotel_id, j, o;

-- 0 to 3 discounts per hotel: every plan (NULL), plan 0, plans 1, 3, 8 or a
-- plan the hotel does not have; every room or one (maybe not the hotel's);
-- check-in ranges, minimum nights, early booking.
CREATE TEMP TABLE cal_discount_key AS
SELECT h.hotel_id, j FROM cal_hotel h, generate_series(1, h.discounts) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE cal_discount AS
SELECT hotel_id, j, random() AS r_plan, random() AS r_room, random() AS r_percent,
       random() AS r_nights, random() AS r_from, random() AS r_to, random() AS r_ahead
FROM cal_discount_key;

INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead, plan_id)
SELECT hotel_id,
       CASE WHEN r_room < 0.5 THEN NULL
            ELSE (ARRAY[4, 9, 2, 6, 99])[1 + floor((r_room - 0.5) * 10)::int] END,
       (ARRAY[5, 7.5, 10, 12.5, 15, 25, 2.5, 33.33, 50, 100])[1 + floor(r_percent * 10)::int],
       CASE WHEN r_nights < 0.6 THEN 1 ELSE 2 + floor((r_nights - 0.6) * 10)::int END,
       CASE WHEN r_from < 0.6 THEN NULL ELSE pg_temp.today() + floor((r_from - 0.6) * 80)::int END,
       CASE WHEN r_to < 0.6 THEN NULL ELSE pg_temp.today() + 10 + floor((r_to - 0.6) * 80)::int END,
       CASE WHEN r_ahead < 0.6 THEN NULL
            ELSE (ARRAY[0, 3, 7, 14, 21, 30])[1 + floor((r_ahead - 0.6) * 15)::int] END,
       CASE WHEN r_plan < 0.4 THEN NULL
            ELSE (ARRAY[0, 0, 1, 3, 8, 9])[1 + floor((r_plan - 0.4) * 10)::int] END
FROM cal_discount
ORDER BY hotel_id, j;

-- 0 to 3 fees per hotel, of every kind
CREATE TEMP TABLE cal_fee_key AS
SELECT h.hotel_id, j FROM cal_hotel h, generate_series(1, h.fees) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE cal_fee AS
SELECT hotel_id, j, random() AS r_amount, random() AS r_per
FROM cal_fee_key;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'fee ' || j, round((r_amount * 20)::numeric, 2),
       (ARRAY['stay', 'night', 'guest_night'])[1 + floor(r_per * 3)::int]
FROM cal_fee
ORDER BY hotel_id, j;

-- Hotels 13049..13056 are clones of 13001..13008 (same city, same
-- everything but hotel_id and name): they tie with their originals, and the
-- lower hotel_id comes first.
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax,
                           infant_age, child_age)
SELECT hotel_id + 48, city, name || ' (clone)', stars, currency, vat_percent, city_tax,
       infant_age, child_age
FROM pricing.hotel WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT hotel_id + 48, room_id, name, max_guests, base_guests, extra_guest_fee,
       max_infants, extra_child_fee
FROM pricing.room WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT hotel_id + 48, room_id, stay_date, price, available, min_stay,
       closed_to_arrival, max_stay, closed_to_departure
FROM pricing.rate WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT hotel_id + 48, plan_id, name, room_id, board, board_fee, refundable,
       cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
       min_days_ahead, max_days_ahead
FROM pricing.rate_plan WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id + 48, room_id, occupants, adjust_percent
FROM pricing.occupancy WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead, plan_id)
SELECT hotel_id + 48, room_id, percent, min_nights, checkin_from, checkin_to,
       min_days_ahead, plan_id
FROM pricing.discount WHERE hotel_id BETWEEN 13001 AND 13008;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id + 48, name, amount, per
FROM pricing.fee WHERE hotel_id BETWEEN 13001 AND 13008;

-- Hotel 13057 has no rooms (and a plan); hotel 13058 does not exist.
INSERT INTO pricing.hotel (hotel_id, city, name, stars) VALUES (13057, 'Calendria', 'Roomless', 5);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name) VALUES (13057, 1, 'nothing to sell');

-- what was generated (deterministic)
SELECT (SELECT count(*) FROM pricing.hotel WHERE hotel_id BETWEEN 13001 AND 13057) AS hotels,
       (SELECT count(*) FROM pricing.room WHERE hotel_id BETWEEN 13001 AND 13057) AS rooms,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 13001 AND 13057) AS rates,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 13001 AND 13057
                                            AND available = 0) AS sold_out,
       (SELECT count(*) FROM pricing.rate_plan WHERE hotel_id BETWEEN 13001 AND 13057) AS plans,
       (SELECT count(*) FROM pricing.occupancy WHERE hotel_id BETWEEN 13001 AND 13057) AS occupancy,
       (SELECT count(*) FROM pricing.discount WHERE hotel_id BETWEEN 13001 AND 13057) AS discounts,
       (SELECT count(*) FROM pricing.fee WHERE hotel_id BETWEEN 13001 AND 13057) AS fees,
       (SELECT count(DISTINCT currency) FROM pricing.hotel
        WHERE hotel_id BETWEEN 13001 AND 13057) AS currencies;
SELECT count(*) AS grandville_hotels, sum(rooms) AS grandville_rooms
FROM (SELECT h.hotel_id, count(r.room_id) AS rooms
      FROM pricing.hotel h LEFT JOIN pricing.room r USING (hotel_id)
      WHERE h.city = 'Grandville' GROUP BY h.hotel_id) g;

--
-- Random calendars of a city: one of the four cities, Grandville (a sixth
-- of them), or 'calendria' (case matters) or an unknown city.  Ranges: 12% around the window's first
-- night (first_checkin from first_night - 4 to first_night + 1), 15% around
-- its last (from last_night - 20 to last_night + 2: the stays of the last
-- dates run past the window, some dates lie beyond it), 3% from today - 2
-- to today + 52 (beyond the rates), the others inside today .. today + 39
-- (the last dates of a range may run past the last rate), 1 to 31 dates;
-- 1 to 30 nights; 1 to 4 adults; 0 to 3 children aged 0..17; min_stars;
-- currency NULL, the hotels' own, converted, SEK (no hotel prices in it),
-- CHF (hotels price in it, no exchange rate) or XXX (unknown); min_board;
-- free_cancellation; booking dates from 44 days before the first check-in
-- to 5 days after it, or today.
--
CREATE TEMP TABLE cal_call_draw AS
SELECT i,
       (ARRAY['Calendria', 'Datesville', 'Flexbourg', 'Nightsbury', 'Calendria',
              'Datesville', 'Flexbourg', 'Nightsbury', 'calendria', 'Nowhere',
              'Grandville', 'Grandville'])[1 + floor(random() * 12)::int] AS city,
       random() AS r_where, random() AS r_first,
       1 + floor(random() * 31)::int AS dates,
       (ARRAY[1, 1, 2, 2, 2, 3, 3, 4, 5, 7, 10, 14, 30])[1 + floor(random() * 13)::int] AS n,
       1 + floor(random() * 4)::int AS adults,
       (ARRAY[0, 0, 0, 0, 1, 1, 1, 2, 2, 3])[1 + floor(random() * 10)::int] AS kids,
       floor(random() * 18)::int AS age1, floor(random() * 18)::int AS age2,
       floor(random() * 18)::int AS age3,
       (ARRAY[0, 0, 0, 0, 2, 3, 4, 5, 6])[1 + floor(random() * 9)::int] AS min_stars,
       (ARRAY[NULL, NULL, NULL, NULL, 'EUR', 'EUR', 'USD', 'GBP', 'JPY', 'SEK', 'CHF', 'XXX'])[1 + floor(random() * 12)::int]::char(3) AS currency,
       (ARRAY['room_only', 'room_only', 'room_only', 'room_only', 'breakfast',
              'half_board', 'full_board', 'all_inclusive'])[1 + floor(random() * 8)::int] AS min_board,
       random() < 0.3 AS free_cancellation,
       random() AS r_booking,
       floor(random() * 50)::int - 5 AS ahead
FROM generate_series(1, 500) AS i;

CREATE TEMP TABLE cal_call AS
SELECT i, city, first, first + dates - 1 AS last, n, adults, children, min_stars,
       currency, min_board, free_cancellation,
       CASE WHEN r_booking < 0.25 THEN pg_temp.today() ELSE first - ahead END AS b
FROM (SELECT d.i, d.city, d.n, d.adults, d.min_stars, d.currency, d.min_board,
             d.free_cancellation, d.r_booking, d.ahead,
             CASE WHEN r_where < 0.12 THEN w.first_night - 4 + floor(r_first * 6)::int
                  WHEN r_where < 0.27 THEN w.last_night - 20 + floor(r_first * 23)::int
                  WHEN r_where < 0.30 THEN w.today - 2
                  ELSE w.today + floor(r_first * 40)::int END AS first,
             CASE WHEN r_where >= 0.27 AND r_where < 0.30 THEN 55 ELSE d.dates END AS dates,
             (ARRAY[age1, age2, age3])[1:kids] AS children
      FROM cal_call_draw d, cal_window w) s
ORDER BY i;

-- And fixed calendars: every city over 366 dates from the window's first
-- night - 1 and up to its last night + 1, for 1 and 2 nights; a week of
-- each city with infinite booking dates.
INSERT INTO cal_call (i, city, first, last, n, adults, children, min_stars, currency,
                      min_board, free_cancellation, b)
SELECT 1000 + row_number() OVER (ORDER BY c.city, e.edge, n.n), c.city,
       CASE e.edge WHEN 'first' THEN w.first_night - 1 ELSE w.last_night - 364 END,
       CASE e.edge WHEN 'first' THEN w.first_night + 364 ELSE w.last_night + 1 END,
       n.n, 2, '{}', 0, NULL, 'room_only', false, w.today
FROM cal_window w,
     unnest(ARRAY['Calendria', 'Datesville', 'Flexbourg', 'Nightsbury']) AS c(city),
     unnest(ARRAY['first', 'last']) AS e(edge),
     unnest(ARRAY[1, 2]) AS n(n);
INSERT INTO cal_call (i, city, first, last, n, adults, children, min_stars, currency,
                      min_board, free_cancellation, b)
SELECT 1100 + row_number() OVER (ORDER BY c.city, b.b), c.city, w.today + 3, w.today + 9,
       2, 2, '{}', 0, 'EUR', 'room_only', false, b.b
FROM cal_window w,
     unnest(ARRAY['Calendria', 'Datesville', 'Flexbourg', 'Nightsbury']) AS c(city),
     unnest(ARRAY['infinity', '-infinity']::date[]) AS b(b);

--
-- Random calendars of a hotel: a hotel of 13001..13056, the one without
-- rooms (13057) or an unknown one (13058); ranges, nights, parties and
-- booking dates as above.
--
CREATE TEMP TABLE cal_hcall_draw AS
SELECT i,
       13001 + floor(random() * 58)::bigint AS hotel_id,
       random() AS r_where, random() AS r_first,
       1 + floor(random() * 31)::int AS dates,
       (ARRAY[1, 1, 2, 2, 2, 3, 3, 4, 5, 7, 10, 14, 30])[1 + floor(random() * 13)::int] AS n,
       1 + floor(random() * 4)::int AS adults,
       (ARRAY[0, 0, 0, 0, 1, 1, 1, 2, 2, 3])[1 + floor(random() * 10)::int] AS kids,
       floor(random() * 18)::int AS age1, floor(random() * 18)::int AS age2,
       floor(random() * 18)::int AS age3,
       random() AS r_booking,
       floor(random() * 50)::int - 5 AS ahead
FROM generate_series(1, 500) AS i;

CREATE TEMP TABLE cal_hcall AS
SELECT i, hotel_id, first, first + dates - 1 AS last, n, adults, children,
       CASE WHEN r_booking < 0.25 THEN pg_temp.today() ELSE first - ahead END AS b
FROM (SELECT d.*,
             CASE WHEN r_where < 0.12 THEN w.first_night - 4 + floor(r_first * 6)::int
                  WHEN r_where < 0.27 THEN w.last_night - 20 + floor(r_first * 23)::int
                  ELSE w.today + floor(r_first * 40)::int END AS first,
             (ARRAY[age1, age2, age3])[1:kids] AS children
      FROM cal_hcall_draw d, cal_window w) s
ORDER BY i;

-- And fixed ones: every hotel from the window's first night - 2 to today +
-- 50, and from its last night - 20 to its last night + 2, for 1 and 3
-- nights.
INSERT INTO cal_hcall (i, hotel_id, first, last, n, adults, children, b)
SELECT 1000 + row_number() OVER (ORDER BY h.h, e.edge, n.n), h.h,
       CASE e.edge WHEN 'first' THEN w.first_night - 2 ELSE w.last_night - 20 END,
       CASE e.edge WHEN 'first' THEN w.today + 50 ELSE w.last_night + 2 END,
       n.n, 2, '{}', w.today
FROM cal_window w, generate_series(13001, 13058) AS h(h),
     unnest(ARRAY['first', 'last']) AS e(edge),
     unnest(ARRAY[1, 3]) AS n(n);

SELECT (SELECT count(*) FROM cal_call) AS calendars,
       (SELECT sum(last - first + 1) FROM cal_call) AS calendar_dates,
       (SELECT count(*) FROM cal_hcall) AS hotel_calendars,
       (SELECT sum(last - first + 1) FROM cal_hcall) AS hotel_calendar_dates;

SELECT pricing.refresh(true) > 0 AS refreshed;

-- the window the suite read is the one serving
SELECT s.first_date = w.first_night AS same_first, s.last_date = w.last_night AS same_last
FROM pricing.status s, cal_window w;

--
-- The comparisons.  Each side is a list of (function, side, call, position,
-- row as text); comparing the text compares the scale of every amount too.
--
CREATE TEMP TABLE cal_cmp (what text, side text, i int, ord bigint, r text);

-- calendar
INSERT INTO cal_cmp
SELECT 'calendar', 'calendar', s.i, c.ord,
       ROW(c.checkin, c.hotel_id, c.name, c.room_id, c.plan_id, c.total, c.currency, c.hotels)::text
FROM cal_call s,
     pricing.calendar(s.city, s.first, s.last, s.n, s.adults, s.children, s.min_stars,
                      s.currency, s.min_board, s.free_cancellation, s.b)
       WITH ORDINALITY AS c(checkin, hotel_id, name, room_id, plan_id, total, currency,
                            hotels, ord);

-- search, date by date: its first row with max_results 1, and the number of
-- its rows with max_results 10000
CREATE TEMP TABLE cal_search AS
SELECT s.i, g.d, x.hotel_id, x.name, x.room_id, x.plan_id, x.board, x.total,
       x.currency AS currency, s.currency AS asked,
       (SELECT count(*)
        FROM pricing.search(s.city, g.d, g.d + s.n, s.adults, s.children, 10000,
                            s.min_stars, NULL, s.currency, s.min_board,
                            s.free_cancellation, s.b)) AS hotels
FROM cal_call s
CROSS JOIN LATERAL (SELECT gs::date AS d
                    FROM generate_series(s.first, s.last, interval '1 day') AS gs) g
CROSS JOIN LATERAL pricing.search(s.city, g.d, g.d + s.n, s.adults, s.children, 1,
                                  s.min_stars, NULL, s.currency, s.min_board,
                                  s.free_cancellation, s.b)
       WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                            free_cancel_until, total, currency, ord)
WHERE x.ord = 1;

INSERT INTO cal_cmp
SELECT 'calendar', 'search', i, row_number() OVER (PARTITION BY i ORDER BY d),
       ROW(d, hotel_id, name, room_id, plan_id, total, currency, hotels)::text
FROM cal_search;

-- hotel_calendar
INSERT INTO cal_cmp
SELECT 'hotel_calendar', 'calendar', s.i, c.ord,
       ROW(c.checkin, c.room_id, c.plan_id, c.total, c.currency)::text
FROM cal_hcall s,
     pricing.hotel_calendar(s.hotel_id, s.first, s.last, s.n, s.adults, s.children, s.b)
       WITH ORDINALITY AS c(checkin, room_id, plan_id, total, currency, ord);

-- offers, date by date: its first row
CREATE TEMP TABLE cal_offers AS
SELECT s.i, s.hotel_id, s.n, g.d, o.room_id, o.plan_id, o.board, o.total, o.currency
FROM cal_hcall s
CROSS JOIN LATERAL (SELECT gs::date AS d
                    FROM generate_series(s.first, s.last, interval '1 day') AS gs) g
CROSS JOIN LATERAL pricing.offers(s.hotel_id, g.d, g.d + s.n, s.adults, s.children, s.b)
       WITH ORDINALITY AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights,
                            base, extra, discount, board_fees, fees, vat, city_tax,
                            total, currency, ord)
WHERE o.ord = 1;

INSERT INTO cal_cmp
SELECT 'hotel_calendar', 'offers', i, row_number() OVER (PARTITION BY i ORDER BY d),
       ROW(d, room_id, plan_id, total, currency)::text
FROM cal_offers;

-- per function: calls, calls with rows, rows, and the rows only one side
-- has (both must be 0)
SELECT d.what,
       CASE d.what WHEN 'calendar' THEN (SELECT count(*) FROM cal_call)
                   ELSE (SELECT count(*) FROM cal_hcall) END AS calls,
       count(DISTINCT d.i) FILTER (WHERE d.side <> 'calendar') AS calls_with_rows,
       count(*) FILTER (WHERE d.side <> 'calendar') AS rows_compared,
       (SELECT count(*) FROM (SELECT i, ord, r FROM cal_cmp x
                              WHERE x.what = d.what AND x.side = 'calendar'
                              EXCEPT ALL
                              SELECT i, ord, r FROM cal_cmp x
                              WHERE x.what = d.what AND x.side <> 'calendar') m
       ) AS only_in_calendar,
       (SELECT count(*) FROM (SELECT i, ord, r FROM cal_cmp x
                              WHERE x.what = d.what AND x.side <> 'calendar'
                              EXCEPT ALL
                              SELECT i, ord, r FROM cal_cmp x
                              WHERE x.what = d.what AND x.side = 'calendar') m
       ) AS only_in_reference
FROM cal_cmp d
GROUP BY d.what
ORDER BY d.what;

-- Grandville's share: dates compared, the hotels counted, the most in a date
SELECT count(*) AS grandville_dates, sum(s.hotels) AS hotels_counted,
       max(s.hotels) AS most_in_a_date
FROM cal_search s JOIN cal_call c USING (i)
WHERE c.city = 'Grandville';

-- Any mismatching rows, to debug a failure (no rows when all is well).
(SELECT 'calendar' AS side, what, i, ord, r FROM cal_cmp WHERE side = 'calendar'
 EXCEPT ALL SELECT 'calendar', what, i, ord, r FROM cal_cmp WHERE side <> 'calendar')
UNION ALL
(SELECT 'reference', what, i, ord, r FROM cal_cmp WHERE side <> 'calendar'
 EXCEPT ALL SELECT 'reference', what, i, ord, r FROM cal_cmp WHERE side = 'calendar')
ORDER BY what, i, ord, side
LIMIT 30;

--
-- What the comparisons covered, by the reference side.
--
-- calendar: dates asked, dates with a row, rows with several hotels, the
-- best hotel's plan, board and currency, conversions, ties broken by
-- hotel_id (a hotel whose clone has the same total is best, the clone
-- never), rows on the window's first night
-- and on stays ending on its last night, dates before and after the window
-- (no rows), and calls whose every date is empty.
SELECT (SELECT sum(last - first + 1) FROM cal_call) AS dates,
       count(*) AS dates_with_row,
       count(*) FILTER (WHERE s.hotels > 1) AS several_hotels,
       max(s.hotels) AS most_hotels,
       count(DISTINCT s.hotel_id) AS best_hotels,
       count(*) FILTER (WHERE s.plan_id > 0) AS other_plans,
       count(*) FILTER (WHERE s.board <> 'room_only') AS with_board,
       count(*) FILTER (WHERE s.currency <> h.currency) AS converted,
       count(*) FILTER (WHERE s.asked = h.currency) AS own_currency_asked,
       count(*) FILTER (WHERE s.asked IS NULL AND s.currency <> 'EUR') AS own_currency_not_eur,
       count(*) FILTER (WHERE s.hotel_id BETWEEN 13001 AND 13008) AS best_with_a_tied_clone,
       count(*) FILTER (WHERE s.hotel_id BETWEEN 13049 AND 13056) AS clone_best,
       count(*) FILTER (WHERE s.d = w.first_night) AS on_first_night,
       count(*) FILTER (WHERE s.d + c.n - 1 = w.last_night) AS ending_on_last_night
FROM cal_search s
JOIN cal_call c USING (i)
JOIN pricing.hotel h USING (hotel_id)
CROSS JOIN cal_window w;

-- calendars with dates outside the window or running past it, and their
-- rows (none on such dates)
SELECT count(*) FILTER (WHERE c.first < w.first_night) AS starting_before_window,
       count(*) FILTER (WHERE c.last + c.n - 1 > w.last_night) AS running_past_window,
       count(*) FILTER (WHERE c.first < w.first_night
                          AND EXISTS (SELECT FROM cal_search s WHERE s.i = c.i)) AS before_with_rows,
       count(*) FILTER (WHERE c.last + c.n - 1 > w.last_night
                          AND EXISTS (SELECT FROM cal_search s WHERE s.i = c.i)) AS past_with_rows,
       (SELECT count(*) FROM cal_search s JOIN cal_call c2 USING (i), cal_window w2
        WHERE s.d < w2.first_night OR s.d + c2.n - 1 > w2.last_night) AS rows_outside_window
FROM cal_call c, cal_window w;

-- calendars and their rows by requested currency (none in CHF and XXX: no
-- exchange rate)
SELECT c.currency, count(DISTINCT c.i) AS calendars, count(s.i) AS rows
FROM cal_call c
LEFT JOIN cal_search s USING (i)
GROUP BY c.currency
ORDER BY c.currency NULLS FIRST;

-- hotel_calendar: dates with a row, hotels, plans, boards, currencies, rows
-- on the window's first night and on stays ending on its last night, rows
-- outside the window (none)
SELECT (SELECT sum(last - first + 1) FROM cal_hcall) AS dates,
       count(*) AS dates_with_row,
       count(DISTINCT o.hotel_id) AS hotels,
       count(*) FILTER (WHERE o.plan_id > 0) AS other_plans,
       count(*) FILTER (WHERE o.board <> 'room_only') AS with_board,
       count(DISTINCT o.currency) AS currencies,
       count(*) FILTER (WHERE o.d = w.first_night) AS on_first_night,
       count(*) FILTER (WHERE o.d + o.n - 1 = w.last_night) AS ending_on_last_night,
       count(*) FILTER (WHERE o.d < w.first_night OR o.d + o.n - 1 > w.last_night) AS outside_window
FROM cal_offers o, cal_window w;

--
-- One call reads one generation.  A hotel of its own city with a rate on
-- every night of the window, one price for all; eight times over, the
-- price changes and commits (the worker then publishes a new generation, at
-- a moment of its own), and calendars of 366 dates and hotel calendars of
-- 366 dates run back to back until both show the new price (at most a
-- minute).  Every call must show one price on all its dates: the old one or
-- the new one, never both.
--
INSERT INTO pricing.hotel (hotel_id, city, name, currency) VALUES (13060, 'Onegen', 'One generation', 'EUR');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (13060, 1, 'single', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 13060, 1, d::date, 100
FROM cal_window w, generate_series(w.first_night, w.last_night, interval '1 day') AS d;
SELECT pricing.refresh(true) > 0 AS refreshed;

CREATE TEMP TABLE cal_gen (round int, what text, dates bigint, prices bigint, price numeric);
DO $$
DECLARE
  w cal_window;
  t0 timestamptz;
  n1 bigint; d1 bigint; p1 numeric;
  n2 bigint; d2 bigint; p2 numeric;
BEGIN
  SELECT * INTO w FROM cal_window;
  FOR r IN 1 .. 8 LOOP
    UPDATE pricing.rate SET price = 100 + r WHERE hotel_id = 13060;
    COMMIT;
    t0 := clock_timestamp();
    LOOP
      SELECT count(*), count(DISTINCT (c.total, c.hotels)), min(c.total) INTO n1, d1, p1
      FROM pricing.calendar('Onegen', w.first_night, w.first_night + 365, 1) AS c;
      SELECT count(*), count(DISTINCT c.total), min(c.total) INTO n2, d2, p2
      FROM pricing.hotel_calendar(13060, w.first_night + 36, w.last_night, 1) AS c;
      INSERT INTO cal_gen VALUES (r, 'calendar', n1, d1, p1), (r, 'hotel_calendar', n2, d2, p2);
      EXIT WHEN (p1 = 100 + r AND p2 = 100 + r) OR clock_timestamp() > t0 + interval '60 s';
    END LOOP;
    COMMIT;
  END LOOP;
END
$$;
SELECT what, count(DISTINCT round) AS rounds,
       count(DISTINCT round) FILTER (WHERE price = 100 + round) AS rounds_with_new_price,
       min(dates) AS min_dates, max(dates) AS max_dates,
       count(*) FILTER (WHERE prices <> 1) AS calls_with_two_prices,
       count(*) FILTER (WHERE price NOT IN (100 + round, 99 + round)) AS calls_with_other_prices
FROM cal_gen
GROUP BY what
ORDER BY what;

--
-- Arguments.  Defaults and named arguments: as search's and offers'.
--
SELECT count(*) AS calendar_rows,
       count(*) FILTER (WHERE ROW(c.hotel_id, c.total)::text =
                              (SELECT ROW(x.hotel_id, x.total)::text
                               FROM pricing.search('Datesville', c.checkin, c.checkin + 2,
                                                   max_results => 1) x)) AS as_search
FROM cal_window w,
     pricing.calendar('Datesville', w.today + 1, w.today + 30, 2) AS c;
SELECT count(*) AS calendar_rows,
       count(*) FILTER (WHERE ROW(c.hotel_id, c.total)::text =
                              (SELECT ROW(x.hotel_id, x.total)::text
                               FROM pricing.search('Flexbourg', c.checkin, c.checkin + 3, 1,
                                                   '{4}', max_results => 1, currency => 'GBP',
                                                   min_board => 'breakfast',
                                                   booking_date => w.today - 7) x)) AS as_search
FROM cal_window w,
     pricing.calendar(nights => 3, last_checkin => w.today + 30, city => 'Flexbourg',
                      first_checkin => w.today + 1, adults => 1, children => '{4}',
                      currency => 'GBP', min_board => 'breakfast',
                      booking_date => w.today - 7) AS c;
SELECT count(*) AS hotel_calendar_rows,
       count(*) FILTER (WHERE ROW(c.room_id, c.plan_id, c.total)::text =
                              (SELECT ROW(o.room_id, o.plan_id, o.total)::text
                               FROM pricing.offers(h, c.checkin, c.checkin + 2) o
                               LIMIT 1)) AS as_offers
FROM cal_window w, generate_series(13001, 13056) AS h,
     pricing.hotel_calendar(h, w.today + 1, w.today + 30, 2) AS c;
SELECT count(*) AS hotel_calendar_rows,
       count(*) FILTER (WHERE ROW(c.room_id, c.plan_id, c.total)::text =
                              (SELECT ROW(o.room_id, o.plan_id, o.total)::text
                               FROM pricing.offers(h, c.checkin, c.checkin + 4, 3, '{0,9}',
                                                   w.today - 20) o
                               LIMIT 1)) AS as_offers
FROM cal_window w, generate_series(13001, 13056) AS h,
     pricing.hotel_calendar(booking_date => w.today - 20, children => '{0,9}',
                            nights => 4, first_checkin => w.today + 1, adults => 3,
                            last_checkin => w.today + 30, hotel_id => h) AS c;

-- one date, the first and last dates there are, and 366 dates at the end
-- of the calendar: no rows, no error
SELECT count(*) FROM cal_window w, pricing.calendar('Calendria', w.today + 5, w.today + 5, 1);
SELECT count(*) FROM pricing.calendar('Calendria', '4714-11-24 BC', '4714-11-24 BC', 30);
SELECT count(*) FROM pricing.calendar('Calendria', '5874897-12-01', '5874897-12-31', 30);
SELECT count(*) FROM pricing.hotel_calendar(13001, '4714-11-24 BC', '4714-11-24 BC', 30);
SELECT count(*) FROM pricing.hotel_calendar(13001, '5874896-12-31', '5874897-12-31', 30);
-- an unknown city or hotel, a hotel without rooms, a currency without an
-- exchange rate (one hotels price in, and an unknown one): no rows
SELECT count(*) FROM cal_window w, pricing.calendar('Nowhere', w.today, w.today + 30, 2);
SELECT count(*) FROM cal_window w, pricing.calendar('calendria', w.today, w.today + 30, 2);
SELECT count(*) FROM cal_window w, pricing.hotel_calendar(13058, w.today, w.today + 30, 2);
SELECT count(*) FROM cal_window w, pricing.hotel_calendar(13057, w.today, w.today + 30, 2);
SELECT count(*) FROM cal_window w, pricing.calendar('Calendria', w.today, w.today + 30, 2, currency => 'CHF');
SELECT count(*) FROM cal_window w, pricing.calendar('Calendria', w.today, w.today + 30, 2, currency => 'XXX');
-- ... though the city has hotels that price in CHF, and rows without a currency
SELECT count(*) > 0 AS chf_hotels FROM pricing.hotel WHERE city = 'Calendria' AND currency = 'CHF';
SELECT count(*) > 0 AS rows FROM cal_window w, pricing.calendar('Calendria', w.today, w.today + 30, 2);

--
-- Errors.  A NULL in any argument but currency: 22004.
--
SELECT expect_error($$SELECT * FROM pricing.calendar(NULL, current_date + 1, current_date + 9, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', NULL, current_date + 9, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, NULL, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, adults => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, children => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, min_stars => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, min_board => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, free_cancellation => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, booking_date => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, currency => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, children => '{5,NULL}')$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(NULL, current_date + 1, current_date + 9, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, NULL, current_date + 9, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, NULL, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, adults => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, children => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, booking_date => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, children => '{NULL}')$$);

-- last_checkin before first_checkin; 367 check-in dates (366 are fine);
-- infinite dates: 22023
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 9, current_date + 8, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 9, current_date + 8, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date, current_date + 366, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date, current_date + 366, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date, current_date + 365, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date, current_date + 365, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', '4714-11-24 BC', '5874897-12-31', 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date, 'infinity', 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', '-infinity', current_date, 2)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', 'infinity', 'infinity', 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date, 'infinity', 2)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, '-infinity', '-infinity', 2)$$);

-- nights below 1 or above pricing.max_nights (30 is fine): 22023
SHOW pricing.max_nights;
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, -1)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 31)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 30)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 31)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 30)$$);

-- adults below 1, a child's age outside 0..17, more than 16 children: 22023
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 0)$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, -1)$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 2, '{-1}')$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 2, '{5,18}')$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, 2, '{-1}')$$);
SELECT expect_error($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, 2, '{18}')$$);
SELECT expect_error(format($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 2, %L)$$, array_fill(5, ARRAY[17])));
SELECT expect_error(format($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, 2, %L)$$, array_fill(5, ARRAY[17])));
SELECT expect_error(format($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 2, %L)$$, array_fill(5, ARRAY[16])));
SELECT expect_error(format($$SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 2, 2, %L)$$, array_fill(5, ARRAY[16])));
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, 1, '{0,17}')$$);

-- an unknown min_board: 22023
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, min_board => 'bed_and_breakfast')$$);
SELECT expect_error($$SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, min_board => '')$$);

-- as the user sees them
\set VERBOSITY default
SELECT * FROM pricing.calendar('Calendria', current_date, current_date + 400, 2);
SELECT * FROM pricing.hotel_calendar(13001, current_date + 1, current_date + 9, 31);
SELECT * FROM pricing.calendar('Calendria', current_date + 1, current_date + 9, 2, free_cancellation => NULL);

--
-- Clean up: the suite's hotels (their rooms, rates, plans, occupancy,
-- discounts and fees go with them) and the exchange rates the other suites
-- had.
--
DELETE FROM pricing.hotel WHERE hotel_id BETWEEN 13001 AND 13060 OR city = 'Grandville';
DO $$
BEGIN
  DELETE FROM pricing.exchange_rate;
  INSERT INTO pricing.exchange_rate SELECT * FROM cal_saved_rate;
END
$$;
SELECT pricing.refresh(true) > 0 AS refreshed;
