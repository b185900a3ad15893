--
-- differential: pricing.quote and pricing.cheapest against a plain-SQL
-- reference implementation of the price of a stay (doc/reference.md), on seeded random data.
--
-- The reference (schema pricing_ref) is written straight from the text of doc/reference.md
-- and reads the source tables directly; the extension answers from its
-- index in shared memory.  Both must agree row by row (same rows, same order,
-- same text of every value, so scale 2 is checked too).  Only counts are
-- printed: the number of comparisons (deterministic: setseed) and the number
-- of mismatching rows, which must be 0.
--
-- Data: hotels 9001..9060 in the cities Diffburg, Diffstadt, Diffville.
-- Dates are relative to current_date: rates cover current_date + 1 ..
-- current_date + 60, well inside the loaded window.
--
CREATE SCHEMA pricing_ref;

--
-- The price of a stay, one stay, one hotel: a row per eligible room, with the
-- intermediate values (percent, subtotal, net) too.
--
CREATE FUNCTION pricing_ref.quote_detail(hotel_id bigint, checkin date, checkout date,
                                         guests int, booking_date date)
RETURNS TABLE (room_id int, nights int, base numeric, extra numeric,
               discount numeric, fees numeric, vat numeric,
               city_tax numeric, total numeric,
               subtotal numeric, percent numeric, net numeric, vat_percent numeric)
LANGUAGE sql STABLE
AS $$
  SELECT r.room_id, s.n, b.base, e.extra, dc.discount, f.fees, v.vat,
         ct.city_tax, tt.total,
         st.subtotal, p.percent, nt.net, h.vat_percent
  FROM (SELECT quote_detail.hotel_id AS hid,
               quote_detail.checkin AS ci,
               quote_detail.checkout AS co,
               quote_detail.guests AS guests,
               quote_detail.booking_date AS b,
               quote_detail.checkout - quote_detail.checkin AS n) s
  JOIN pricing.hotel h ON h.hotel_id = s.hid
  JOIN pricing.room r ON r.hotel_id = h.hotel_id
  -- base = sum of price over the n nights ci, ci+1, ..., co-1
  CROSS JOIN LATERAL (
    SELECT sum(t.price) AS base
    FROM generate_series(s.ci, s.co - 1, interval '1 day') AS night(d)
    JOIN pricing.rate t ON t.hotel_id = r.hotel_id AND t.room_id = r.room_id
                       AND t.stay_date = night.d::date
  ) b
  -- extra = greatest(guests - base_guests, 0) * extra_guest_fee * n
  CROSS JOIN LATERAL (
    SELECT greatest(s.guests - r.base_guests, 0) * r.extra_guest_fee * s.n AS extra
  ) e
  CROSS JOIN LATERAL (SELECT b.base + e.extra AS subtotal) st
  -- percent = the largest percent among the discounts that apply, else 0
  CROSS JOIN LATERAL (
    SELECT coalesce(max(d.percent), 0) AS percent
    FROM pricing.discount d
    WHERE d.hotel_id = h.hotel_id
      AND (d.room_id IS NULL OR d.room_id = r.room_id)
      AND s.n >= d.min_nights
      AND (d.checkin_from IS NULL OR s.ci >= d.checkin_from)
      AND (d.checkin_to IS NULL OR s.ci <= d.checkin_to)
      AND (d.min_days_ahead IS NULL OR s.ci - s.b >= d.min_days_ahead)
  ) p
  CROSS JOIN LATERAL (SELECT round(st.subtotal * p.percent / 100, 2) AS discount) dc
  -- fees: stay -> amount, night -> amount * n, guest_night -> amount * guests * n
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(CASE fee.per
                          WHEN 'stay' THEN fee.amount
                          WHEN 'night' THEN fee.amount * s.n
                          WHEN 'guest_night' THEN fee.amount * s.guests * s.n
                        END), 0.00) AS fees
    FROM pricing.fee
    WHERE fee.hotel_id = h.hotel_id
  ) f
  CROSS JOIN LATERAL (SELECT st.subtotal - dc.discount + f.fees AS net) nt
  CROSS JOIN LATERAL (SELECT round(nt.net * h.vat_percent / 100, 2) AS vat) v
  CROSS JOIN LATERAL (SELECT h.city_tax * s.guests * s.n AS city_tax) ct
  CROSS JOIN LATERAL (SELECT nt.net + v.vat + ct.city_tax AS total) tt
  -- eligibility
  WHERE s.guests <= r.max_guests                                    -- rule 1
    AND NOT EXISTS (                                                -- rule 2
          SELECT FROM generate_series(s.ci, s.co - 1, interval '1 day') AS night(d)
          WHERE NOT EXISTS (SELECT FROM pricing.rate t
                            WHERE t.hotel_id = r.hotel_id
                              AND t.room_id = r.room_id
                              AND t.stay_date = night.d::date
                              AND t.available >= 1))
    AND EXISTS (SELECT FROM pricing.rate t                          -- rule 3
                WHERE t.hotel_id = r.hotel_id
                  AND t.room_id = r.room_id
                  AND t.stay_date = s.ci
                  AND NOT t.closed_to_arrival
                  AND t.min_stay <= s.n)
  ORDER BY tt.total, r.room_id
$$;

-- pricing.quote: the same rows without the intermediate values.
CREATE FUNCTION pricing_ref.quote(hotel_id bigint, checkin date, checkout date,
                                  guests int DEFAULT 2,
                                  booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, nights int, base numeric, extra numeric,
               discount numeric, fees numeric, vat numeric,
               city_tax numeric, total numeric)
LANGUAGE sql STABLE
AS $$
  SELECT d.room_id, d.nights, d.base, d.extra, d.discount, d.fees, d.vat,
         d.city_tax, d.total
  FROM pricing_ref.quote_detail($1, $2, $3, $4, $5) d
  ORDER BY d.total, d.room_id
$$;

--
-- pricing.cheapest: each hotel's price is the lowest total among its
-- eligible rooms (ties: lowest room_id); hotels ordered by total, hotel_id.
--
CREATE FUNCTION pricing_ref.cheapest(city text, checkin date, checkout date,
                                     guests int DEFAULT 2, max_results int DEFAULT 10,
                                     min_stars int DEFAULT 0, max_total numeric DEFAULT NULL,
                                     booking_date date DEFAULT current_date)
RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int,
               total numeric, currency char(3))
LANGUAGE sql STABLE
AS $$
  SELECT h.hotel_id, h.name, h.stars, best.room_id, best.total, h.currency
  FROM pricing.hotel h
  CROSS JOIN LATERAL (
    SELECT q.room_id, q.total
    FROM pricing_ref.quote(h.hotel_id, cheapest.checkin, cheapest.checkout,
                           cheapest.guests, cheapest.booking_date) q
    ORDER BY q.total, q.room_id
    LIMIT 1
  ) best
  WHERE h.city = cheapest.city
    AND h.stars >= cheapest.min_stars
    AND (cheapest.max_total IS NULL OR best.total <= cheapest.max_total)
  ORDER BY best.total, h.hotel_id
  LIMIT cheapest.max_results
$$;

--
-- Random data, seeded.  random() after setseed() is deterministic within
-- this session as long as the calls come in a fixed order, so random values
-- are only ever drawn while scanning a function or a temp table in a fixed
-- order (never in a join, whose row order depends on the plan), and then
-- mapped to data in a second step.
--
SELECT setseed(0.42);

-- 45 random hotels.  vat_percent and city_tax are picked among values that
-- often make net * vat / 100 land on half a cent (25, 12.5, 7.5, 2.5, ...).
CREATE TEMP TABLE diff_hotel AS
SELECT 9000 + i AS hotel_id,
       (ARRAY['Diffburg', 'Diffstadt', 'Diffville'])[1 + i % 3] AS city,
       'Diff hotel ' || i AS name,
       (ARRAY[0, 1, 2, 3, 3, 4, 4, 5])[1 + floor(random() * 8)::int]::smallint AS stars,
       (ARRAY['EUR', 'EUR', 'EUR', 'CHF'])[1 + floor(random() * 4)::int]::char(3) AS currency,
       (ARRAY[0, 5, 7.5, 12.5, 19, 25, 2.5, 8.25, 10, 0.5])[1 + floor(random() * 10)::int]::numeric(5,2) AS vat_percent,
       (ARRAY[0, 0, 0.75, 1.5, 2.35, 3.05, 0.01])[1 + floor(random() * 7)::int]::numeric(10,2) AS city_tax,
       1 + floor(random() * 4)::int AS rooms,
       floor(random() * 4)::int AS discounts,
       floor(random() * 4)::int AS fees
FROM generate_series(1, 45) AS i;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT hotel_id, city, name, stars, currency, vat_percent, city_tax
FROM diff_hotel ORDER BY hotel_id;

-- 1 to 4 rooms per hotel, up to 5 guests; room ids are not in the order of
-- creation.
CREATE TEMP TABLE diff_room_key AS
SELECT h.hotel_id, j FROM diff_hotel h, generate_series(1, h.rooms) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE diff_room AS
SELECT hotel_id, j, random() AS r_max, random() AS r_base, random() AS r_fee
FROM diff_room_key;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT hotel_id, (ARRAY[7, 3, 12, 5])[j], 'room ' || j, max_guests,
       least(max_guests, 1 + floor(r_base * 2)::int),
       (ARRAY[0, 0, 10, 12.5, 15.05, 20.01])[1 + floor(r_fee * 6)::int]
FROM diff_room, LATERAL (SELECT 1 + floor(r_max * 5)::int AS max_guests) m
ORDER BY hotel_id, j;

-- Nights current_date + 1 .. + 60.  A "rack rate" per hotel and night; each
-- room takes it 40% of the time (so that rooms of one hotel tie), else a
-- random price with odd cents.  About 3% of the nights are missing (gaps),
-- 5% sold out, 15% have a min_stay of 2 to 4, 8% are closed to arrival.
CREATE TEMP TABLE diff_rack_key AS
SELECT h.hotel_id, k FROM diff_hotel h, generate_series(1, 60) AS k
ORDER BY h.hotel_id, k;
CREATE TEMP TABLE diff_rack AS
SELECT hotel_id, k, round((40 + random() * 260)::numeric, 2) AS price
FROM diff_rack_key;

CREATE TEMP TABLE diff_rate_key AS
SELECT r.hotel_id, r.j, k FROM diff_room r, generate_series(1, 60) AS k
ORDER BY r.hotel_id, r.j, k;
CREATE TEMP TABLE diff_rate AS
SELECT hotel_id, j, k, random() AS r_keep, random() AS r_rack, random() AS r_price,
       random() AS r_avail, random() AS r_min_stay, random() AS r_cta
FROM diff_rate_key;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT t.hotel_id, (ARRAY[7, 3, 12, 5])[t.j], current_date + t.k,
       CASE WHEN t.r_rack < 0.4 THEN rk.price
            ELSE round((30 + t.r_price * 300)::numeric, 2) END,
       CASE WHEN t.r_avail < 0.05 THEN 0 ELSE 1 + floor(t.r_avail * 3)::int END,
       CASE WHEN t.r_min_stay < 0.15 THEN 2 + floor(t.r_min_stay * 20)::int ELSE 1 END,
       t.r_cta < 0.08
FROM diff_rate t JOIN diff_rack rk USING (hotel_id, k)
WHERE t.r_keep >= 0.03
ORDER BY t.hotel_id, t.j, t.k;

-- 0 to 3 discounts per hotel, of every kind; room_id NULL half of the time,
-- sometimes a room the hotel does not have (never applies).  Percents that
-- make half cents (12.5, 7.5, 2.5, ...), and 100.
CREATE TEMP TABLE diff_discount_key AS
SELECT h.hotel_id, j FROM diff_hotel h, generate_series(1, h.discounts) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE diff_discount AS
SELECT hotel_id, j, random() AS r_room, random() AS r_percent, random() AS r_nights,
       random() AS r_from, random() AS r_to, random() AS r_ahead
FROM diff_discount_key;

INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id,
       CASE WHEN r_room < 0.5 THEN NULL
            ELSE (ARRAY[7, 3, 12, 5, 99])[1 + floor((r_room - 0.5) * 10)::int] END,
       (ARRAY[5, 7.5, 10, 12.5, 15, 25, 2.5, 33.33, 50, 100])[1 + floor(r_percent * 10)::int],
       CASE WHEN r_nights < 0.6 THEN 1 ELSE 2 + floor((r_nights - 0.6) * 10)::int END,
       CASE WHEN r_from < 0.6 THEN NULL ELSE current_date + floor((r_from - 0.6) * 125)::int END,
       CASE WHEN r_to < 0.6 THEN NULL ELSE current_date + 10 + floor((r_to - 0.6) * 125)::int END,
       CASE WHEN r_ahead < 0.6 THEN NULL
            ELSE (ARRAY[0, 3, 7, 14, 21, 30])[1 + floor((r_ahead - 0.6) * 15)::int] END
FROM diff_discount
ORDER BY hotel_id, j;

-- 0 to 3 fees per hotel, of every kind
CREATE TEMP TABLE diff_fee_key AS
SELECT h.hotel_id, j FROM diff_hotel h, generate_series(1, h.fees) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE diff_fee AS
SELECT hotel_id, j, random() AS r_amount, random() AS r_per
FROM diff_fee_key;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'fee ' || j, round((r_amount * 20)::numeric, 2),
       (ARRAY['stay', 'night', 'guest_night'])[1 + floor(r_per * 3)::int]
FROM diff_fee
ORDER BY hotel_id, j;

-- Hotels 9046..9060 are clones of 9001..9015 (same city, same everything
-- but hotel_id and name): they tie with their originals in cheapest.
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT hotel_id + 45, city, name || ' (clone)', stars, currency, vat_percent, city_tax
FROM pricing.hotel WHERE hotel_id BETWEEN 9001 AND 9015;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT hotel_id + 45, room_id, name, max_guests, base_guests, extra_guest_fee
FROM pricing.room WHERE hotel_id BETWEEN 9001 AND 9015;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT hotel_id + 45, room_id, stay_date, price, available, min_stay, closed_to_arrival
FROM pricing.rate WHERE hotel_id BETWEEN 9001 AND 9015;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id + 45, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead
FROM pricing.discount WHERE hotel_id BETWEEN 9001 AND 9015;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id + 45, name, amount, per
FROM pricing.fee WHERE hotel_id BETWEEN 9001 AND 9015;

-- what was generated (deterministic)
SELECT (SELECT count(*) FROM pricing.hotel WHERE hotel_id BETWEEN 9001 AND 9060) AS hotels,
       (SELECT count(*) FROM pricing.room WHERE hotel_id BETWEEN 9001 AND 9060) AS rooms,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 9001 AND 9060) AS rates,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 9001 AND 9060 AND available = 0) AS sold_out,
       (SELECT count(*) FROM pricing.discount WHERE hotel_id BETWEEN 9001 AND 9060) AS discounts,
       (SELECT count(*) FROM pricing.fee WHERE hotel_id BETWEEN 9001 AND 9060) AS fees;

--
-- Random stays.  Check-ins from current_date + 2 to + 58, 1 to 8 nights, and
-- 9 to 30 (pricing.max_nights) one time in ten; some run past the last rate
-- and so have no eligible room.  1 to 5 guests,
-- booking dates from 40 days before check-in to 5 days after it.
--
CREATE TEMP TABLE diff_quote_stay AS
SELECT i, hotel_id, ci, ci + n AS co, guests, ci - ahead AS b
FROM (SELECT i,
             9001 + floor(random() * 60)::bigint AS hotel_id,
             current_date + 2 + floor(random() * 57)::int AS ci,
             CASE WHEN random() < 0.1 THEN 9 + floor(random() * 22)::int
                  ELSE 1 + floor(random() * 8)::int END AS n,
             1 + floor(random() * 5)::int AS guests,
             floor(random() * 46)::int - 5 AS ahead
      FROM generate_series(1, 800) AS i) s
ORDER BY i;

CREATE TEMP TABLE diff_cheapest_stay AS
SELECT i, city, ci, ci + n AS co, guests, max_results, min_stars,
       max_total, ci - ahead AS b, bound_rank
FROM (SELECT i,
             (ARRAY['Diffburg', 'Diffstadt', 'Diffville', 'Diffburg', 'Diffstadt',
                    'Diffville', 'diffburg', 'Nowhere'])[1 + floor(random() * 8)::int] AS city,
             current_date + 2 + floor(random() * 57)::int AS ci,
             CASE WHEN random() < 0.1 THEN 9 + floor(random() * 22)::int
                  ELSE 1 + floor(random() * 8)::int END AS n,
             1 + floor(random() * 5)::int AS guests,
             (ARRAY[0, 1, 3, 5, 10, 10, 25, 10000])[1 + floor(random() * 8)::int] AS max_results,
             (ARRAY[0, 0, 0, 2, 3, 4, 5])[1 + floor(random() * 7)::int] AS min_stars,
             CASE WHEN random() < 0.3 THEN round((100 + random() * 2000)::numeric, 2) END AS max_total,
             floor(random() * 46)::int - 5 AS ahead,
             CASE WHEN random() < 0.3 THEN floor(random() * 8)::int END AS bound_rank
      FROM generate_series(1, 400) AS i) s
ORDER BY i;

-- For some stays, max_total is exactly the total of the bound_rank-th hotel
-- (by the reference), so the inclusive bound is hit on the nose.
UPDATE diff_cheapest_stay s
SET max_total = (SELECT c.total
                 FROM pricing_ref.cheapest(s.city, s.ci, s.co, s.guests, 10000,
                                           s.min_stars, NULL, s.b) c
                 OFFSET s.bound_rank LIMIT 1)
WHERE bound_rank IS NOT NULL;


SELECT pricing.refresh(true) > 0 AS refreshed;

--
-- The comparisons.  Each side is a list of (round, stay, position, row as
-- text); comparing the text compares the scale of every amount too.
--
CREATE TEMP TABLE diff_quote (round int, side text, i int, ord bigint, r text);
CREATE TEMP TABLE diff_cheapest (round int, side text, i int, ord bigint, r text);

CREATE TEMP VIEW diff_mismatch AS
SELECT round, 'quote' AS what,
       (SELECT count(*) FROM diff_quote_stay) AS stays,
       count(DISTINCT i) FILTER (WHERE side = 'ref') AS stays_with_rows,
       count(*) FILTER (WHERE side = 'ref') AS rows_compared,
       (SELECT count(*) FROM (SELECT i, ord, r FROM diff_quote x WHERE x.round = d.round AND side = 'real'
                              EXCEPT ALL
                              SELECT i, ord, r FROM diff_quote x WHERE x.round = d.round AND side = 'ref') m
       ) AS only_in_real,
       (SELECT count(*) FROM (SELECT i, ord, r FROM diff_quote x WHERE x.round = d.round AND side = 'ref'
                              EXCEPT ALL
                              SELECT i, ord, r FROM diff_quote x WHERE x.round = d.round AND side = 'real') m
       ) AS only_in_ref
FROM diff_quote d GROUP BY round
UNION ALL
SELECT round, 'cheapest',
       (SELECT count(*) FROM diff_cheapest_stay),
       count(DISTINCT i) FILTER (WHERE side = 'ref'),
       count(*) FILTER (WHERE side = 'ref'),
       (SELECT count(*) FROM (SELECT i, ord, r FROM diff_cheapest x WHERE x.round = d.round AND side = 'real'
                              EXCEPT ALL
                              SELECT i, ord, r FROM diff_cheapest x WHERE x.round = d.round AND side = 'ref') m),
       (SELECT count(*) FROM (SELECT i, ord, r FROM diff_cheapest x WHERE x.round = d.round AND side = 'ref'
                              EXCEPT ALL
                              SELECT i, ord, r FROM diff_cheapest x WHERE x.round = d.round AND side = 'real') m)
FROM diff_cheapest d GROUP BY round
ORDER BY round, what DESC;

-- round 1
INSERT INTO diff_quote
SELECT 1, 'real', s.i, q.ord, q::text
FROM diff_quote_stay s,
     pricing.quote(s.hotel_id, s.ci, s.co, s.guests, s.b)
       WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
INSERT INTO diff_quote
SELECT 1, 'ref', s.i, q.ord, q::text
FROM diff_quote_stay s,
     pricing_ref.quote(s.hotel_id, s.ci, s.co, s.guests, s.b)
       WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
INSERT INTO diff_cheapest
SELECT 1, 'real', s.i, c.ord, c::text
FROM diff_cheapest_stay s,
     pricing.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);
INSERT INTO diff_cheapest
SELECT 1, 'ref', s.i, c.ord, c::text
FROM diff_cheapest_stay s,
     pricing_ref.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);

-- What the stays exercised, by the reference (so a reader sees the
-- comparison is not trivial): rows with extra guests, discounts, fees, city
-- tax, discounts and VAT that land exactly on half a cent, and ties.
SELECT count(*) AS quote_rows,
       count(*) FILTER (WHERE nights > 8) AS long_stays,
       count(*) FILTER (WHERE extra > 0) AS with_extra,
       count(*) FILTER (WHERE discount > 0) AS with_discount,
       count(*) FILTER (WHERE percent = 100) AS free_stay,
       count(*) FILTER (WHERE fees > 0) AS with_fees,
       count(*) FILTER (WHERE city_tax > 0) AS with_city_tax,
       count(*) FILTER (WHERE subtotal * percent / 100 * 1000 % 10 = 5) AS discount_half_cent,
       count(*) FILTER (WHERE net * vat_percent / 100 * 1000 % 10 = 5) AS vat_half_cent,
       count(*) FILTER (WHERE total = prev_total) AS ties_with_previous_room
FROM (SELECT d.*, lag(d.total) OVER (PARTITION BY s.i ORDER BY d.total, d.room_id) AS prev_total
      FROM diff_quote_stay s,
           pricing_ref.quote_detail(s.hotel_id, s.ci, s.co, s.guests, s.b) d) x;

SELECT count(*) AS cheapest_rows,
       count(*) FILTER (WHERE total = prev_total) AS ties_with_previous_hotel,
       count(DISTINCT i) FILTER (WHERE total = max_total) AS stays_on_max_total
FROM (SELECT s.i, s.max_total, c.total,
             lag(c.total) OVER (PARTITION BY s.i ORDER BY c.total, c.hotel_id) AS prev_total
      FROM diff_cheapest_stay s,
           pricing_ref.cheapest(s.city, s.ci, s.co, s.guests, s.max_results,
                                s.min_stars, s.max_total, s.b) c) x;

--
-- Round 2: change the data (prices, availability, discounts, fees, VAT,
-- a deleted hotel), wait for a generation that has the changes, compare again.
--
-- (rows are picked by a formula, not random(), so that the choice does not
-- depend on the physical order of the rows)
UPDATE pricing.rate SET price = price + 0.05
WHERE hotel_id BETWEEN 9001 AND 9060
  AND (hotel_id * 7 + room_id * 3 + (stay_date - current_date)) % 10 = 0;
UPDATE pricing.rate SET available = 0
WHERE hotel_id BETWEEN 9001 AND 9060
  AND (hotel_id * 11 + room_id * 5 + (stay_date - current_date) * 3) % 50 = 0;
UPDATE pricing.rate SET available = 1
WHERE hotel_id BETWEEN 9001 AND 9060 AND available = 0
  AND (hotel_id + room_id + (stay_date - current_date)) % 3 = 0;
DELETE FROM pricing.discount
WHERE hotel_id BETWEEN 9001 AND 9060 AND (hotel_id + percent::int) % 5 = 0;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
VALUES (9002, 'late fee', 4.45, 'guest_night'), (9047, 'towels', 0.35, 'night');
UPDATE pricing.hotel SET vat_percent = 12.5, city_tax = 1.15 WHERE hotel_id IN (9004, 9049);
DELETE FROM pricing.hotel WHERE hotel_id = 9010;

SELECT pricing.refresh(true) > 0 AS refreshed;

INSERT INTO diff_quote
SELECT 2, 'real', s.i, q.ord, q::text
FROM diff_quote_stay s,
     pricing.quote(s.hotel_id, s.ci, s.co, s.guests, s.b)
       WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
INSERT INTO diff_quote
SELECT 2, 'ref', s.i, q.ord, q::text
FROM diff_quote_stay s,
     pricing_ref.quote(s.hotel_id, s.ci, s.co, s.guests, s.b)
       WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
INSERT INTO diff_cheapest
SELECT 2, 'real', s.i, c.ord, c::text
FROM diff_cheapest_stay s,
     pricing.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);
INSERT INTO diff_cheapest
SELECT 2, 'ref', s.i, c.ord, c::text
FROM diff_cheapest_stay s,
     pricing_ref.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);

-- Both rounds: only_in_real and only_in_ref must be 0.
SELECT * FROM diff_mismatch;

-- Any mismatching rows, to debug a failure (no rows when all is well).
(SELECT 'real' AS side, round, i, ord, r FROM diff_quote WHERE side = 'real'
 EXCEPT ALL SELECT 'real', round, i, ord, r FROM diff_quote WHERE side = 'ref')
UNION ALL
(SELECT 'ref', round, i, ord, r FROM diff_quote WHERE side = 'ref'
 EXCEPT ALL SELECT 'ref', round, i, ord, r FROM diff_quote WHERE side = 'real')
ORDER BY round, i, ord, side
LIMIT 20;
(SELECT 'real' AS side, round, i, ord, r FROM diff_cheapest WHERE side = 'real'
 EXCEPT ALL SELECT 'real', round, i, ord, r FROM diff_cheapest WHERE side = 'ref')
UNION ALL
(SELECT 'ref', round, i, ord, r FROM diff_cheapest WHERE side = 'ref'
 EXCEPT ALL SELECT 'ref', round, i, ord, r FROM diff_cheapest WHERE side = 'real')
ORDER BY round, i, ord, side
LIMIT 20;
