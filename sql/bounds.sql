--
-- bounds: pricing.cheapest in a city big enough that its scan order and
-- early stop matter (src/bounds.c), against the plain-SQL reference of the
-- differential suite (schema pricing_ref, created there).
--
-- cheapest visits a city's hotels in the order of a lower bound of their
-- nightly price, one order per period of 14 nights for stays of up to 8
-- nights and one for the whole window, and stops at the first hotel whose
-- bound exceeds the worst total it keeps.  A bound that is not one (a
-- night, a discount, a fee, the VAT or the city tax left out, a period
-- that does not cover a stay's last night) drops a hotel that belongs in
-- the answer.  So the data here makes every one of them matter: nightly
-- prices that swing by a factor of 4 and single nights at a tenth of the
-- price, discounts up to 100%, fees of every kind, VAT and city tax; and
-- the stays check in on every night of the window (every period boundary)
-- for 1 to 16 nights, for the top 1, 3, 10 or 40.  Only counts are
-- printed; the mismatch counts must be 0.
--
-- Data: hotels 20001..20120 in the city Boundsville; rates from
-- current_date + 1 to current_date + 56.
--
SELECT setseed(0.17);

CREATE TEMP TABLE bnd_hotel AS
SELECT 20000 + i AS hotel_id,
       (ARRAY[0, 1, 2, 3, 3, 4, 4, 5])[1 + floor(random() * 8)::int]::smallint AS stars,
       (ARRAY[0, 5, 7.5, 12.5, 19, 25, 2.5, 100])[1 + floor(random() * 8)::int]::numeric(5,2) AS vat_percent,
       (ARRAY[0, 0, 0.75, 1.5, 2.35, 30])[1 + floor(random() * 6)::int]::numeric(10,2) AS city_tax,
       1 + floor(random() * 3)::int AS rooms,
       30 + floor(random() * 270)::int AS rack,
       floor(random() * 3)::int AS discounts,
       floor(random() * 3)::int AS fees
FROM generate_series(1, 120) AS i;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT hotel_id, 'Boundsville', 'Bounds hotel ' || hotel_id, stars, 'EUR',
       vat_percent, city_tax
FROM bnd_hotel ORDER BY hotel_id;

CREATE TEMP TABLE bnd_room AS
SELECT h.hotel_id, j, (ARRAY[4, 2, 9])[j] AS room_id
FROM bnd_hotel h, generate_series(1, h.rooms) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE bnd_room_r AS
SELECT hotel_id, room_id, random() AS r_max, random() AS r_fee, random() AS r_mult
FROM bnd_room ORDER BY hotel_id, room_id;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT hotel_id, room_id, 'room ' || room_id, 1 + floor(r_max * 4)::int, 1,
       (ARRAY[0, 0, 10, 12.5])[1 + floor(r_fee * 4)::int]
FROM bnd_room_r ORDER BY hotel_id, room_id;

-- Nightly prices: the hotel's rack rate times the room's factor times a
-- factor of 0.5 to 2 per night; 4% of the nights at a tenth of that (the
-- night that makes a hotel's bound low in one period only); 5% sold out,
-- 10% with a minimum stay, 5% closed to arrival; 3% missing.
CREATE TEMP TABLE bnd_rate_key AS
SELECT r.hotel_id, r.room_id, k FROM bnd_room r, generate_series(1, 56) AS k
ORDER BY r.hotel_id, r.room_id, k;
CREATE TEMP TABLE bnd_rate AS
SELECT hotel_id, room_id, k, random() AS r_keep, random() AS r_price, random() AS r_cheap,
       random() AS r_avail, random() AS r_min_stay, random() AS r_cta
FROM bnd_rate_key ORDER BY hotel_id, room_id, k;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT t.hotel_id, t.room_id, current_date + t.k,
       round((h.rack * (1 + rr.r_mult) * (0.5 + 1.5 * t.r_price)
              * CASE WHEN t.r_cheap < 0.04 THEN 0.1 ELSE 1 END)::numeric, 2),
       CASE WHEN t.r_avail < 0.05 THEN 0 ELSE 1 END,
       CASE WHEN t.r_min_stay < 0.10 THEN 2 + floor(t.r_min_stay * 30)::int ELSE 1 END,
       t.r_cta < 0.05
FROM bnd_rate t
JOIN bnd_hotel h USING (hotel_id)
JOIN bnd_room_r rr USING (hotel_id, room_id)
WHERE t.r_keep >= 0.03
ORDER BY t.hotel_id, t.room_id, t.k;

-- Discounts of every kind, up to 100% (which makes a hotel's bound 0).
CREATE TEMP TABLE bnd_discount_key AS
SELECT h.hotel_id, j FROM bnd_hotel h, generate_series(1, h.discounts) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE bnd_discount AS
SELECT hotel_id, j, random() AS r_room, random() AS r_percent, random() AS r_nights,
       random() AS r_from, random() AS r_ahead
FROM bnd_discount_key ORDER BY hotel_id, j;

INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id,
       CASE WHEN r_room < 0.5 THEN NULL ELSE (ARRAY[4, 2, 9])[1 + floor((r_room - 0.5) * 6)::int] END,
       (ARRAY[5, 12.5, 20, 33.33, 50, 100])[1 + floor(r_percent * 6)::int],
       CASE WHEN r_nights < 0.7 THEN 1 ELSE 3 END,
       CASE WHEN r_from < 0.7 THEN NULL ELSE current_date + floor((r_from - 0.7) * 150)::int END,
       CASE WHEN r_from < 0.7 THEN NULL ELSE current_date + floor((r_from - 0.7) * 150)::int + 12 END,
       CASE WHEN r_ahead < 0.8 THEN NULL ELSE 10 END
FROM bnd_discount ORDER BY hotel_id, j;

-- Fees per stay, per night and per guest and night.
CREATE TEMP TABLE bnd_fee_key AS
SELECT h.hotel_id, j FROM bnd_hotel h, generate_series(1, h.fees) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE bnd_fee AS
SELECT hotel_id, j, random() AS r_amount, random() AS r_per
FROM bnd_fee_key ORDER BY hotel_id, j;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'fee ' || j, round((r_amount * 40)::numeric, 2),
       (ARRAY['stay', 'night', 'guest_night'])[1 + floor(r_per * 3)::int]
FROM bnd_fee ORDER BY hotel_id, j;

SELECT count(*) AS hotels,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 20001 AND 20120) AS rates,
       (SELECT count(*) FROM pricing.discount WHERE hotel_id BETWEEN 20001 AND 20120 AND percent = 100) AS free_discounts
FROM pricing.hotel WHERE city = 'Boundsville';

-- Stays: every check-in night from current_date to current_date + 50,
-- each with three lengths among 1..16 nights (8 is the longest that uses a
-- period's order, 9 the shortest that uses the whole window's), top 1, 3,
-- 10 or 40, 1 to 4 guests; a few with min_stars, max_total or an early
-- booking date.
CREATE TEMP TABLE bnd_stay AS
SELECT row_number() OVER (ORDER BY d, k) AS i, current_date + d AS ci,
       current_date + d + (ARRAY[1, 2, 3, 5, 7, 8, 8, 9, 9, 12, 16])[1 + (d * 3 + k * 5) % 11] AS co,
       1 + (d + k) % 4 AS guests,
       (ARRAY[1, 3, 10, 40])[1 + (d + 2 * k) % 4] AS max_results,
       CASE WHEN (d + k) % 7 = 0 THEN 3 ELSE 0 END AS min_stars,
       CASE WHEN (d + k) % 5 = 0 THEN 400 + 50 * k END::numeric AS max_total,
       current_date - CASE WHEN (d + k) % 3 = 0 THEN 20 ELSE 0 END AS b
FROM generate_series(0, 50) AS d, generate_series(0, 2) AS k;

SELECT pricing.refresh(true) > 0 AS refreshed;

CREATE TEMP TABLE bnd_result (side text, i bigint, ord bigint, r text);
INSERT INTO bnd_result
SELECT 'real', s.i, c.ord, c::text
FROM bnd_stay s,
     pricing.cheapest('Boundsville', s.ci, s.co, s.guests, s.max_results, s.min_stars,
                      s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);
INSERT INTO bnd_result
SELECT 'ref', s.i, c.ord, c::text
FROM bnd_stay s,
     pricing_ref.cheapest('Boundsville', s.ci, s.co, s.guests, s.max_results, s.min_stars,
                          s.max_total, s.b)
       WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);

-- what was compared, and the mismatches (both must be 0)
SELECT (SELECT count(*) FROM bnd_stay) AS stays,
       count(DISTINCT i) FILTER (WHERE side = 'ref') AS stays_with_rows,
       count(*) FILTER (WHERE side = 'ref') AS rows_compared,
       (SELECT count(*) FROM (SELECT i, ord, r FROM bnd_result WHERE side = 'real'
                              EXCEPT ALL
                              SELECT i, ord, r FROM bnd_result WHERE side = 'ref') m) AS only_in_real,
       (SELECT count(*) FROM (SELECT i, ord, r FROM bnd_result WHERE side = 'ref'
                              EXCEPT ALL
                              SELECT i, ord, r FROM bnd_result WHERE side = 'real') m) AS only_in_ref
FROM bnd_result;

-- any mismatching rows, to debug a failure (no rows when all is well)
(SELECT 'real' AS side, i, ord, r FROM bnd_result WHERE side = 'real'
 EXCEPT ALL SELECT 'real', i, ord, r FROM bnd_result WHERE side = 'ref')
UNION ALL
(SELECT 'ref', i, ord, r FROM bnd_result WHERE side = 'ref'
 EXCEPT ALL SELECT 'ref', i, ord, r FROM bnd_result WHERE side = 'real')
ORDER BY i, ord, side
LIMIT 20;

--
-- The last night a period's bound must cover.  A stay of 8 nights checking
-- in on the last night of period p (night 14p + 13 of the window, which
-- starts yesterday) ends on night 14p + 20.  In Trapton, hotel T(p) costs
-- 100.00 a night but 1.00 on that night, hotel O(p) 94.00 every night: for
-- that stay T(p) is the cheaper (701.00 against 752.00), though its other
-- nights cost more.  A period bound blind to that one night would rank
-- T(p) after O(p) and stop before it.
--
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT 20200 + 2 * p + t, 'Trapton', CASE t WHEN 0 THEN 'T' ELSE 'O' END || p, 3, 'EUR', 0, 0
FROM generate_series(0, 3) AS p, generate_series(0, 1) AS t;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT hotel_id, 1, 'room', 2, 2, 0 FROM pricing.hotel WHERE city = 'Trapton';
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT h.hotel_id, 1, current_date + k,
       CASE WHEN h.name LIKE 'O%' THEN 94
            WHEN k = 14 * substr(h.name, 2)::int + 19 THEN 1
            ELSE 100 END
FROM pricing.hotel h, generate_series(0, 70) AS k
WHERE h.city = 'Trapton';

SELECT pricing.refresh(true) > 0 AS refreshed;

SELECT p, c.name, c.total, r.name AS ref_name, r.total AS ref_total
FROM generate_series(0, 3) AS p,
     pricing.cheapest('Trapton', current_date + 14 * p + 12, current_date + 14 * p + 20, 2, 1) c,
     pricing_ref.cheapest('Trapton', current_date + 14 * p + 12, current_date + 14 * p + 20, 2, 1) r
ORDER BY p;

-- leave the cities out of the suites that follow
DELETE FROM pricing.hotel WHERE city IN ('Boundsville', 'Trapton');
SELECT pricing.refresh(true) > 0 AS refreshed;
