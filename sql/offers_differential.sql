--
-- offers_differential: pricing.search, pricing.offers, pricing.explain (and
-- pricing.cheapest and pricing.quote, the 1.0 view of the 1.1 model) against
-- a plain-SQL reference implementation of the price of an offer
-- (doc/reference.md, "The price of an offer (1.1)" and "SQL functions added
-- in 1.1"), on seeded random data that mixes every 1.1 feature.
--
-- The reference (schema pricing_ref11) is written straight from the text of
-- doc/reference.md and reads the source tables directly; the extension answers
-- from its index in shared memory.  Both must agree row by row (same rows,
-- same order, same text of every value, so scale 2 is checked too).  Only
-- counts are printed: the number of comparisons (deterministic: setseed) and
-- the number of mismatching rows, which must be 0.
--
-- Data: hotels 9501..9561 in the cities Offerburg, Offerstadt, Offerville
-- and Offerhaven (9546..9560 clones of 9501..9515, 9561 without rooms;
-- 9562 is asked for and does not exist).  Dates are relative to today, the
-- day of the index serving now (pricing.status's first_date + 1:
-- current_date in the refresh worker's time zone, which may be a day off
-- the session's): rates cover today + 1 .. today + 40 for every hotel, and
-- for some hotels also the first nights (today - 3 .. today) and the last
-- nights (today + 392 .. today + 402) around the loaded window (today - 1 ..
-- today + pricing.horizon_days, 400 here).  Every count printed is then the
-- same whatever the time of day.
--
-- The exchange rates are the suite's own: the rows other suites left are
-- kept aside and put back at the end.
--
CREATE SCHEMA pricing_ref11;

-- today, once for the whole suite
CREATE TEMP TABLE odiff_today AS SELECT first_date + 1 AS d FROM pricing.status;
CREATE FUNCTION pricing_ref11.today() RETURNS date
LANGUAGE sql STABLE
AS $$
  SELECT d FROM odiff_today
$$;

--
-- The loaded window: the nights current_date - 1 .. current_date +
-- pricing.horizon_days, where current_date is the day of the refresh that
-- loaded the index serving now (as pricing.status reports it: the worker's
-- day, which is not the session's when their time zones straddle midnight).
--
CREATE FUNCTION pricing_ref11.first_night() RETURNS date
LANGUAGE sql STABLE
AS $$
  SELECT first_date FROM pricing.status
$$;
CREATE FUNCTION pricing_ref11.last_night() RETURNS date
LANGUAGE sql STABLE
AS $$
  SELECT first_date + 1 + current_setting('pricing.horizon_days')::int FROM pricing.status
$$;

-- The order of boards: room_only < breakfast < half_board < full_board < all_inclusive.
CREATE FUNCTION pricing_ref11.board_rank(board text) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$
  SELECT array_position(ARRAY['room_only', 'breakfast', 'half_board',
                              'full_board', 'all_inclusive'], board)
$$;

--
-- The plans of a hotel: its rate_plan rows, and plan 0 with its defaults
-- when the hotel has no rate_plan row for it.
--
CREATE FUNCTION pricing_ref11.plans(hotel_id bigint)
RETURNS TABLE (plan_id int, name text, room_id int, board text, board_fee numeric,
               refundable boolean, cancel_days int, adjust_percent numeric,
               adjust_amount numeric, min_stay int, max_stay int,
               min_days_ahead int, max_days_ahead int)
LANGUAGE sql STABLE
AS $$
  SELECT p.plan_id, p.name, p.room_id, p.board, p.board_fee, p.refundable,
         p.cancel_days, p.adjust_percent, p.adjust_amount, p.min_stay,
         p.max_stay, p.min_days_ahead, p.max_days_ahead
  FROM pricing.rate_plan p
  WHERE p.hotel_id = $1
  UNION ALL
  SELECT 0, 'standard', NULL, 'room_only', 0.00, true, NULL, 0.00, 0.00, 1,
         NULL, NULL, NULL
  WHERE NOT EXISTS (SELECT FROM pricing.rate_plan p
                    WHERE p.hotel_id = $1 AND p.plan_id = 0)
$$;

--
-- Every (room, plan) pair of a hotel for one stay and party: the first rule
-- it breaks (or 'offered'), the night of no_rate and sold_out, and the
-- price of the offer (meaningful only when it is offered), with the
-- intermediate values too.
--
CREATE FUNCTION pricing_ref11.detail(hotel_id bigint, checkin date, checkout date,
                                     adults int, children int[], booking_date date)
RETURNS TABLE (room_id int, plan_id int, plan_name text, board text,
               free_cancel_until date, nights int, base numeric, extra numeric,
               discount numeric, board_fees numeric, fees numeric, vat numeric,
               city_tax numeric, total numeric, currency char(3),
               reason text, night date,
               party_a int, party_c int, party_i int, party_o int, rack numeric, occupied numeric,
               q numeric, subtotal numeric, percent numeric, net numeric,
               vat_percent numeric, clamped boolean)
LANGUAGE sql STABLE
AS $$
  SELECT r.room_id, p.plan_id, p.name, p.board, fcu.free_cancel_until, s.n,
         bs.base, ex.extra, dc.discount, bf.board_fees, f.fees, v.vat,
         ct.city_tax, tt.total, h.currency,
         rs.reason,
         CASE rs.reason WHEN 'no_rate' THEN nr.night WHEN 'sold_out' THEN so.night END,
         pa.a, pa.c, pa.i, pa.o, rk.rack, oc.occupied, oc.q, st.subtotal,
         pc.percent, nt.net, h.vat_percent, bs.clamped
  FROM (SELECT detail.hotel_id AS hid,
               detail.checkin AS ci,
               detail.checkout AS co,
               detail.checkout - detail.checkin AS n,
               detail.adults AS adults,
               detail.children AS children,
               detail.booking_date AS b,
               pricing_ref11.first_night() AS first_night,
               pricing_ref11.last_night() AS last_night) s
  JOIN pricing.hotel h ON h.hotel_id = s.hid
  JOIN pricing.room r ON r.hotel_id = h.hotel_id
  JOIN pricing_ref11.plans(h.hotel_id) p ON p.room_id IS NULL OR p.room_id = r.room_id
  -- the party: A adults, C young children, I infants, O = A + C occupants
  CROSS JOIN LATERAL (
    SELECT x.a, x.c, x.i, x.a + x.c AS o
    FROM (SELECT s.adults + count(*) FILTER (WHERE k.age >= h.child_age) AS a,
                 count(*) FILTER (WHERE k.age >= h.infant_age AND k.age < h.child_age) AS c,
                 count(*) FILTER (WHERE k.age < h.infant_age) AS i
          FROM unnest(s.children) AS k(age)) x
  ) pa
  -- rule 2: the first night without a rate row, the first sold out night
  CROSS JOIN LATERAL (
    SELECT min(g.d::date) AS night
    FROM generate_series(s.ci, s.co - 1, interval '1 day') AS g(d)
    WHERE NOT EXISTS (SELECT FROM pricing.rate t
                      WHERE t.hotel_id = r.hotel_id AND t.room_id = r.room_id
                        AND t.stay_date = g.d::date)
  ) nr
  CROSS JOIN LATERAL (
    SELECT min(t.stay_date) AS night
    FROM pricing.rate t
    WHERE t.hotel_id = r.hotel_id AND t.room_id = r.room_id
      AND t.stay_date >= s.ci AND t.stay_date < s.co
      AND t.available = 0
  ) so
  -- rule 3: the rate row of the arrival night
  LEFT JOIN pricing.rate arr ON arr.hotel_id = r.hotel_id AND arr.room_id = r.room_id
                            AND arr.stay_date = s.ci
  -- rule 4: the rate row of night co, only when co is inside the window
  LEFT JOIN pricing.rate dep ON dep.hotel_id = r.hotel_id AND dep.room_id = r.room_id
                            AND dep.stay_date = s.co AND s.co <= s.last_night
  CROSS JOIN LATERAL (
    SELECT CASE
      WHEN s.ci < s.first_night OR s.co - 1 > s.last_night THEN 'outside_window'
      WHEN pa.o > r.max_guests THEN 'too_many_guests'
      WHEN pa.i > r.max_infants THEN 'too_many_infants'
      WHEN nr.night IS NOT NULL THEN 'no_rate'
      WHEN so.night IS NOT NULL THEN 'sold_out'
      WHEN arr.closed_to_arrival THEN 'closed_to_arrival'
      WHEN arr.min_stay > s.n THEN 'min_stay'
      WHEN arr.max_stay IS NOT NULL AND s.n > arr.max_stay THEN 'max_stay'
      WHEN dep.closed_to_departure THEN 'closed_to_departure'
      WHEN s.n < p.min_stay THEN 'plan_min_stay'
      WHEN p.max_stay IS NOT NULL AND s.n > p.max_stay THEN 'plan_max_stay'
      WHEN p.min_days_ahead IS NOT NULL AND s.ci - s.b < p.min_days_ahead THEN 'booked_too_late'
      WHEN p.max_days_ahead IS NOT NULL AND s.ci - s.b > p.max_days_ahead THEN 'booked_too_early'
      ELSE 'offered'
    END AS reason
  ) rs
  -- rack = sum of rate.price over the n nights
  CROSS JOIN LATERAL (
    SELECT sum(t.price) AS rack
    FROM pricing.rate t
    WHERE t.hotel_id = r.hotel_id AND t.room_id = r.room_id
      AND t.stay_date >= s.ci AND t.stay_date < s.co
  ) rk
  -- occupied = round(rack * (100 + q) / 100, 2) with the occupancy row of (h, r, O)
  CROSS JOIN LATERAL (
    SELECT occ.adjust_percent AS q,
           CASE WHEN occ.adjust_percent IS NULL THEN rk.rack
                ELSE round(rk.rack * (100 + occ.adjust_percent) / 100, 2) END AS occupied
    FROM (SELECT) dummy
    LEFT JOIN pricing.occupancy occ ON occ.hotel_id = h.hotel_id
                                   AND occ.room_id = r.room_id
                                   AND occ.occupants = pa.o
  ) oc
  -- base = greatest(round(occupied * (100 + p.adjust_percent) / 100, 2) + p.adjust_amount * n, 0)
  CROSS JOIN LATERAL (
    SELECT greatest(x.unclamped, 0.00) AS base, x.unclamped < 0 AS clamped
    FROM (SELECT round(oc.occupied * (100 + p.adjust_percent) / 100, 2)
                 + p.adjust_amount * s.n AS unclamped) x
  ) bs
  CROSS JOIN LATERAL (
    SELECT (greatest(pa.a - r.base_guests, 0) * r.extra_guest_fee
            + greatest(pa.c - greatest(r.base_guests - pa.a, 0), 0)
              * coalesce(r.extra_child_fee, r.extra_guest_fee)) * s.n AS extra
  ) ex
  CROSS JOIN LATERAL (SELECT bs.base + ex.extra AS subtotal) st
  CROSS JOIN LATERAL (
    SELECT coalesce(max(d.percent), 0) AS percent
    FROM pricing.discount d
    WHERE d.hotel_id = h.hotel_id
      AND (d.room_id IS NULL OR d.room_id = r.room_id)
      AND s.n >= d.min_nights
      AND (d.checkin_from IS NULL OR s.ci >= d.checkin_from)
      AND (d.checkin_to IS NULL OR s.ci <= d.checkin_to)
      AND (d.min_days_ahead IS NULL OR s.ci - s.b >= d.min_days_ahead)
      AND (d.plan_id IS NULL OR d.plan_id = p.plan_id)
  ) pc
  CROSS JOIN LATERAL (SELECT round(st.subtotal * pc.percent / 100, 2) AS discount) dc
  CROSS JOIN LATERAL (SELECT p.board_fee * pa.o * s.n AS board_fees) bf
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(CASE fee.per
                          WHEN 'stay' THEN fee.amount
                          WHEN 'night' THEN fee.amount * s.n
                          WHEN 'guest_night' THEN fee.amount * pa.o * s.n
                        END), 0.00) AS fees
    FROM pricing.fee
    WHERE fee.hotel_id = h.hotel_id
  ) f
  CROSS JOIN LATERAL (SELECT st.subtotal - dc.discount + bf.board_fees + f.fees AS net) nt
  CROSS JOIN LATERAL (SELECT round(nt.net * h.vat_percent / 100, 2) AS vat) v
  CROSS JOIN LATERAL (SELECT h.city_tax * pa.a * s.n AS city_tax) ct
  CROSS JOIN LATERAL (SELECT nt.net + v.vat + ct.city_tax AS total) tt
  CROSS JOIN LATERAL (
    SELECT CASE WHEN p.refundable AND s.ci - coalesce(p.cancel_days, 0) >= s.b
                THEN s.ci - coalesce(p.cancel_days, 0) END AS free_cancel_until
  ) fcu
  ORDER BY r.room_id, p.plan_id
$$;

-- pricing.offers: the offered pairs, ordered by total, room_id, plan_id.
CREATE FUNCTION pricing_ref11.offers(hotel_id bigint, checkin date, checkout date,
                                     adults int DEFAULT 2, children int[] DEFAULT '{}',
                                     booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, plan_name text, board text,
               free_cancel_until date, nights int, base numeric, extra numeric,
               discount numeric, board_fees numeric, fees numeric, vat numeric,
               city_tax numeric, total numeric, currency char(3))
LANGUAGE sql STABLE
AS $$
  SELECT d.room_id, d.plan_id, d.plan_name, d.board, d.free_cancel_until,
         d.nights, d.base, d.extra, d.discount, d.board_fees, d.fees, d.vat,
         d.city_tax, d.total, d.currency
  FROM pricing_ref11.detail($1, $2, $3, $4, $5, $6) d
  WHERE d.reason = 'offered'
  ORDER BY d.total, d.room_id, d.plan_id
$$;

-- pricing.explain: every pair, ordered by room_id, plan_id.
CREATE FUNCTION pricing_ref11.explain(hotel_id bigint, checkin date, checkout date,
                                      adults int DEFAULT 2, children int[] DEFAULT '{}',
                                      booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, reason text, night date)
LANGUAGE sql STABLE
AS $$
  SELECT d.room_id, d.plan_id, d.reason, d.night
  FROM pricing_ref11.detail($1, $2, $3, $4, $5, $6) d
  ORDER BY d.room_id, d.plan_id
$$;

-- A total converted from currency s to currency t: unchanged when s = t,
-- else round(total * s.per_unit / t.per_unit, 2); NULL without both rates.
CREATE FUNCTION pricing_ref11.convert(total numeric, s char(3), t char(3))
RETURNS numeric
LANGUAGE sql STABLE
AS $$
  SELECT CASE WHEN $2 = $3 THEN $1
              ELSE (SELECT round($1 * es.per_unit / et.per_unit, 2)
                    FROM pricing.exchange_rate es, pricing.exchange_rate et
                    WHERE es.currency = $2 AND et.currency = $3) END
$$;

--
-- pricing.search: each hotel's best offer (board at least min_board, and
-- refundable now with free_cancellation; lowest total in the hotel's
-- currency, ties lowest room_id, then plan_id), then converted; max_total
-- and the ranking on the converted total.  A requested currency without an
-- exchange rate gives no rows at all.
--
CREATE FUNCTION pricing_ref11.search(city text, checkin date, checkout date,
                                     adults int DEFAULT 2, children int[] DEFAULT '{}',
                                     max_results int DEFAULT 10, min_stars int DEFAULT 0,
                                     max_total numeric DEFAULT NULL, currency char(3) DEFAULT NULL,
                                     min_board text DEFAULT 'room_only',
                                     free_cancellation boolean DEFAULT false,
                                     booking_date date DEFAULT current_date)
RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int, plan_id int,
               plan_name text, board text, free_cancel_until date,
               total numeric, currency char(3))
LANGUAGE sql STABLE
AS $$
  SELECT h.hotel_id, h.name, h.stars, best.room_id, best.plan_id, best.plan_name,
         best.board, best.free_cancel_until, cv.total,
         coalesce(search.currency, h.currency)
  FROM pricing.hotel h
  CROSS JOIN LATERAL (
    SELECT o.room_id, o.plan_id, o.plan_name, o.board, o.free_cancel_until, o.total
    FROM pricing_ref11.offers(h.hotel_id, search.checkin, search.checkout,
                              search.adults, search.children, search.booking_date) o
    WHERE pricing_ref11.board_rank(o.board) >= pricing_ref11.board_rank(search.min_board)
      AND (NOT search.free_cancellation OR o.free_cancel_until IS NOT NULL)
    ORDER BY o.total, o.room_id, o.plan_id
    LIMIT 1
  ) best
  CROSS JOIN LATERAL (
    SELECT CASE WHEN search.currency IS NULL THEN best.total
                ELSE pricing_ref11.convert(best.total, h.currency, search.currency) END AS total
  ) cv
  WHERE h.city = search.city
    AND h.stars >= search.min_stars
    AND (search.currency IS NULL
         OR EXISTS (SELECT FROM pricing.exchange_rate e WHERE e.currency = search.currency))
    AND cv.total IS NOT NULL
    AND (search.max_total IS NULL OR cv.total <= search.max_total)
  ORDER BY cv.total, h.hotel_id
  LIMIT search.max_results
$$;

-- pricing.quote: plan 0 only, guests adults and no children; fees = board_fees + fees.
CREATE FUNCTION pricing_ref11.quote(hotel_id bigint, checkin date, checkout date,
                                    guests int DEFAULT 2,
                                    booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, nights int, base numeric, extra numeric,
               discount numeric, fees numeric, vat numeric,
               city_tax numeric, total numeric)
LANGUAGE sql STABLE
AS $$
  SELECT o.room_id, o.nights, o.base, o.extra, o.discount, o.board_fees + o.fees,
         o.vat, o.city_tax, o.total
  FROM pricing_ref11.offers($1, $2, $3, $4, '{}', $5) o
  WHERE o.plan_id = 0
  ORDER BY o.total, o.room_id
$$;

-- pricing.cheapest: plan 0 only, guests adults and no children, no conversion.
CREATE FUNCTION pricing_ref11.cheapest(city text, checkin date, checkout date,
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
    FROM pricing_ref11.quote(h.hotel_id, cheapest.checkin, cheapest.checkout,
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
SELECT setseed(0.1101);

-- The suite's exchange rates (per_unit with all ten decimals, so that the
-- conversions round); CHF, a currency some hotels price in, has none.
CREATE TEMP TABLE odiff_saved_rate (LIKE pricing.exchange_rate);
DO $$
BEGIN
  INSERT INTO odiff_saved_rate SELECT * FROM pricing.exchange_rate;
  DELETE FROM pricing.exchange_rate;
END
$$;
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES
  ('EUR', 1.0000000000),
  ('USD', 0.9213456789),
  ('GBP', 1.1634567891),
  ('JPY', 0.0061234567),
  ('SEK', 0.0871234501);

-- 45 random hotels (9501..9545).  Ages: infant_age 0..3, child_age from
-- infant_age (no young children) to 18 (no child counts as an adult).
CREATE TEMP TABLE odiff_hotel AS
SELECT 9500 + i AS hotel_id,
       (ARRAY['Offerburg', 'Offerstadt', 'Offerville', 'Offerhaven'])[1 + i % 4] AS city,
       'Offer hotel ' || i AS name,
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
       random() < 0.3 AS window_edges
FROM generate_series(1, 45) AS i;

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax,
                           infant_age, child_age)
SELECT hotel_id, city, name, stars, currency, vat_percent, city_tax, infant_age,
       greatest(infant_age, (ARRAY[0, 6, 12, 12, 16, 18])[1 + floor(r_child_age * 6)::int])
FROM odiff_hotel ORDER BY hotel_id;

-- 1 to 4 rooms per hotel (ids 7, 3, 12, 5), up to 6 occupants, 0 to 2
-- infants, extra_child_fee NULL (extra_guest_fee applies) half of the time.
CREATE TEMP TABLE odiff_room_key AS
SELECT h.hotel_id, j FROM odiff_hotel h, generate_series(1, h.rooms) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE odiff_room AS
SELECT hotel_id, j, (ARRAY[7, 3, 12, 5])[j] AS room_id,
       random() AS r_max, random() AS r_base, random() AS r_fee,
       random() AS r_infants, random() AS r_child_fee
FROM odiff_room_key;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT hotel_id, room_id, 'room ' || j, max_guests,
       least(max_guests, 1 + floor(r_base * 3)::int),
       (ARRAY[0, 0, 10, 12.5, 15.05, 20.01])[1 + floor(r_fee * 6)::int],
       (ARRAY[0, 1, 1, 2])[1 + floor(r_infants * 4)::int],
       CASE WHEN r_child_fee >= 0.5 THEN
         (ARRAY[0, 5, 7.55, 10])[1 + floor((r_child_fee - 0.5) * 8)::int] END
FROM odiff_room, LATERAL (SELECT 1 + floor(r_max * 6)::int AS max_guests) m
ORDER BY hotel_id, j;

-- Nights today + 1 .. + 40 for every room, and for the hotels with
-- window_edges also today - 3 .. today and today + 392
-- .. + 402 (the last two beyond the loaded window, closed to departure one
-- time in two: rule 4 must not see them).  A rack rate per hotel and night
-- that rooms take 40% of the time (ties); 4% of the nights missing, 5% sold
-- out, 12% min_stay 2..4, 10% max_stay 1..6, 8% closed to arrival, 8%
-- closed to departure.
CREATE TEMP TABLE odiff_night AS
SELECT h.hotel_id, k
FROM odiff_hotel h,
     LATERAL (SELECT k FROM generate_series(1, 40) AS k
              UNION ALL
              SELECT k FROM generate_series(-3, 0) AS k WHERE h.window_edges
              UNION ALL
              SELECT k FROM generate_series(392, 402) AS k WHERE h.window_edges) ks
ORDER BY h.hotel_id, k;
CREATE TEMP TABLE odiff_rack AS
SELECT hotel_id, k, round((40 + random() * 260)::numeric, 2) AS price
FROM odiff_night;

CREATE TEMP TABLE odiff_rate_key AS
SELECT r.hotel_id, r.room_id, n.k
FROM odiff_room r JOIN odiff_night n USING (hotel_id)
ORDER BY r.hotel_id, r.j, n.k;
CREATE TEMP TABLE odiff_rate AS
SELECT hotel_id, room_id, k, random() AS r_keep, random() AS r_rack, random() AS r_price,
       random() AS r_avail, random() AS r_min_stay, random() AS r_max_stay,
       random() AS r_cta, random() AS r_ctd
FROM odiff_rate_key;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT t.hotel_id, t.room_id, pricing_ref11.today() + t.k,
       CASE WHEN t.r_rack < 0.4 THEN rk.price
            ELSE round((30 + t.r_price * 300)::numeric, 2) END,
       CASE WHEN t.r_avail < 0.05 THEN 0 ELSE 1 + floor(t.r_avail * 3)::int END,
       CASE WHEN t.r_min_stay < 0.12 THEN 2 + floor(t.r_min_stay * 25)::int ELSE 1 END,
       t.r_cta < 0.08,
       CASE WHEN t.r_max_stay < 0.1 THEN 1 + floor(t.r_max_stay * 60)::int END,
       t.r_ctd < 0.08 OR (t.k > 400 AND t.r_ctd < 0.5)
FROM odiff_rate t JOIN odiff_rack rk USING (hotel_id, k)
WHERE t.r_keep >= 0.04
ORDER BY t.hotel_id, t.room_id, t.k;

-- Rate plans: a plan-0 row for 40% of the hotels (a name, a board and its
-- fee, refundability, restrictions), and 0 to 3 more plans (ids 1, 2, 5),
-- some for one room only, of every board, refundable or not, with a
-- cancellation deadline, adjustments from -100% to +100% and negative
-- amounts (a base clamped to 0), stay and booking-window restrictions.
-- Plans that change nothing (ties with plan 0) are frequent.
CREATE TEMP TABLE odiff_plan0 AS
SELECT hotel_id, random() AS r_board, random() AS r_fee, random() AS r_refund,
       random() AS r_cancel, random() AS r_min, random() AS r_max,
       random() AS r_ahead_min, random() AS r_ahead_max
FROM odiff_hotel
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
FROM odiff_plan0
ORDER BY hotel_id;

CREATE TEMP TABLE odiff_plan_key AS
SELECT h.hotel_id, h.rooms, j FROM odiff_hotel h, generate_series(1, h.plans) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE odiff_plan AS
SELECT hotel_id, rooms, j, (ARRAY[1, 2, 5])[j] AS plan_id,
       random() AS r_room, random() AS r_board, random() AS r_fee, random() AS r_refund,
       random() AS r_cancel, random() AS r_percent, random() AS r_amount,
       random() AS r_min, random() AS r_max, random() AS r_ahead_min, random() AS r_ahead_max
FROM odiff_plan_key;

INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT hotel_id, plan_id, 'plan ' || plan_id,
       CASE WHEN r_room < 0.6 THEN NULL
            ELSE (ARRAY[7, 3, 12, 5])[1 + floor((r_room - 0.6) * 2.5 * rooms)::int] END,
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
FROM odiff_plan
ORDER BY hotel_id, j;

-- Occupancy: for each room and 1 to 5 occupants, a row 40% of the time,
-- with a percent from -100 to +100.
CREATE TEMP TABLE odiff_occ_key AS
SELECT r.hotel_id, r.room_id, r.j, o FROM odiff_room r, generate_series(1, 5) AS o
ORDER BY r.hotel_id, r.j, o;
CREATE TEMP TABLE odiff_occ AS
SELECT hotel_id, room_id, j, o, random() AS r_keep, random() AS r_percent
FROM odiff_occ_key;

INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id, room_id, o,
       (ARRAY[-100, -25, -12.5, -7.5, -5, 0, 2.5, 7.5, 10, 12.35, 25, 100])[1 + floor(r_percent * 12)::int]
FROM odiff_occ
WHERE r_keep < 0.4
ORDER BY hotel_id, j, o;

-- 0 to 3 discounts per hotel: every plan (NULL), plan 0, plans 1, 2, 5 or a
-- plan the hotel does not have; every room or one (maybe not the hotel's);
-- date ranges, minimum nights, early booking.
CREATE TEMP TABLE odiff_discount_key AS
SELECT h.hotel_id, j FROM odiff_hotel h, generate_series(1, h.discounts) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE odiff_discount AS
SELECT hotel_id, j, random() AS r_plan, random() AS r_room, random() AS r_percent,
       random() AS r_nights, random() AS r_from, random() AS r_to, random() AS r_ahead
FROM odiff_discount_key;

INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead, plan_id)
SELECT hotel_id,
       CASE WHEN r_room < 0.5 THEN NULL
            ELSE (ARRAY[7, 3, 12, 5, 99])[1 + floor((r_room - 0.5) * 10)::int] END,
       (ARRAY[5, 7.5, 10, 12.5, 15, 25, 2.5, 33.33, 50, 100])[1 + floor(r_percent * 10)::int],
       CASE WHEN r_nights < 0.6 THEN 1 ELSE 2 + floor((r_nights - 0.6) * 10)::int END,
       CASE WHEN r_from < 0.6 THEN NULL ELSE pricing_ref11.today() + floor((r_from - 0.6) * 80)::int END,
       CASE WHEN r_to < 0.6 THEN NULL ELSE pricing_ref11.today() + 10 + floor((r_to - 0.6) * 80)::int END,
       CASE WHEN r_ahead < 0.6 THEN NULL
            ELSE (ARRAY[0, 3, 7, 14, 21, 30])[1 + floor((r_ahead - 0.6) * 15)::int] END,
       CASE WHEN r_plan < 0.4 THEN NULL
            ELSE (ARRAY[0, 0, 1, 2, 5, 9])[1 + floor((r_plan - 0.4) * 10)::int] END
FROM odiff_discount
ORDER BY hotel_id, j;

-- 0 to 3 fees per hotel, of every kind
CREATE TEMP TABLE odiff_fee_key AS
SELECT h.hotel_id, j FROM odiff_hotel h, generate_series(1, h.fees) AS j
ORDER BY h.hotel_id, j;
CREATE TEMP TABLE odiff_fee AS
SELECT hotel_id, j, random() AS r_amount, random() AS r_per
FROM odiff_fee_key;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'fee ' || j, round((r_amount * 20)::numeric, 2),
       (ARRAY['stay', 'night', 'guest_night'])[1 + floor(r_per * 3)::int]
FROM odiff_fee
ORDER BY hotel_id, j;

-- Hotels 9546..9560 are clones of 9501..9515 (same city, same everything
-- but hotel_id and name): they tie with their originals in search.
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax,
                           infant_age, child_age)
SELECT hotel_id + 45, city, name || ' (clone)', stars, currency, vat_percent, city_tax,
       infant_age, child_age
FROM pricing.hotel WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee,
                          max_infants, extra_child_fee)
SELECT hotel_id + 45, room_id, name, max_guests, base_guests, extra_guest_fee,
       max_infants, extra_child_fee
FROM pricing.room WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay,
                          closed_to_arrival, max_stay, closed_to_departure)
SELECT hotel_id + 45, room_id, stay_date, price, available, min_stay,
       closed_to_arrival, max_stay, closed_to_departure
FROM pricing.rate WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, board, board_fee, refundable,
                               cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
                               min_days_ahead, max_days_ahead)
SELECT hotel_id + 45, plan_id, name, room_id, board, board_fee, refundable,
       cancel_days, adjust_percent, adjust_amount, min_stay, max_stay,
       min_days_ahead, max_days_ahead
FROM pricing.rate_plan WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent)
SELECT hotel_id + 45, room_id, occupants, adjust_percent
FROM pricing.occupancy WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights,
                              checkin_from, checkin_to, min_days_ahead, plan_id)
SELECT hotel_id + 45, room_id, percent, min_nights, checkin_from, checkin_to,
       min_days_ahead, plan_id
FROM pricing.discount WHERE hotel_id BETWEEN 9501 AND 9515;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id + 45, name, amount, per
FROM pricing.fee WHERE hotel_id BETWEEN 9501 AND 9515;

-- Hotel 9561 has no rooms (and a plan): explain and offers give no rows.
-- Hotel 9562 does not exist.
INSERT INTO pricing.hotel (hotel_id, city, name, stars) VALUES (9561, 'Offerburg', 'Roomless', 5);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name) VALUES (9561, 1, 'nothing to sell');

-- what was generated (deterministic)
SELECT (SELECT count(*) FROM pricing.hotel WHERE hotel_id BETWEEN 9501 AND 9561) AS hotels,
       (SELECT count(*) FROM pricing.room WHERE hotel_id BETWEEN 9501 AND 9561) AS rooms,
       (SELECT count(*) FROM pricing.rate WHERE hotel_id BETWEEN 9501 AND 9561) AS rates,
       (SELECT count(*) FROM pricing.rate_plan WHERE hotel_id BETWEEN 9501 AND 9561) AS plans,
       (SELECT count(*) FROM pricing.occupancy WHERE hotel_id BETWEEN 9501 AND 9561) AS occupancy,
       (SELECT count(*) FROM pricing.discount WHERE hotel_id BETWEEN 9501 AND 9561) AS discounts,
       (SELECT count(*) FROM pricing.fee WHERE hotel_id BETWEEN 9501 AND 9561) AS fees;

--
-- Random stays for offers and explain (and the same hotels' plan-0 view in
-- quote): a hotel of 9501..9560, the one without rooms (9561) or an unknown
-- one (9562); check-ins mostly in today + 1 .. + 40 (some stays run past
-- the last rate), 10% at the end of the loaded window (today + 392 .. + 401,
-- checkouts up to + 411) and 4% at its start (today - 3 .. today); 1 to 10
-- nights; 1 to 4 adults; 0 to 3 children, whose ages are random (0..17) or,
-- one time in three, on the hotel's boundaries (infant_age, child_age and
-- one less); booking dates from 44 days before check-in to 5 days after, and
-- one stay in five booked on a plan's cancellation deadline or the day after.
--
CREATE TEMP TABLE odiff_stay_draw AS
SELECT i,
       9501 + floor(random() * 62)::bigint AS hotel_id,
       random() AS r_where, random() AS r_ci,
       1 + floor(random() * 10)::int AS n,
       1 + floor(random() * 4)::int AS adults,
       (ARRAY[0, 0, 0, 0, 1, 1, 1, 2, 2, 3])[1 + floor(random() * 10)::int] AS kids,
       floor(random() * 18)::int AS age1, random() AS edge1,
       floor(random() * 18)::int AS age2, random() AS edge2,
       floor(random() * 18)::int AS age3, random() AS edge3,
       floor(random() * 50)::int - 5 AS ahead,
       random() AS r_deadline, floor(random() * 3)::int AS deadline_plan
FROM generate_series(1, 700) AS i;

CREATE FUNCTION pg_temp.odiff_age(age int, edge float8, hotel_id bigint) RETURNS int
LANGUAGE sql STABLE
AS $$
  SELECT CASE WHEN $2 < 0.67 OR h.hotel_id IS NULL THEN $1
              ELSE least(17, greatest(0, (ARRAY[h.infant_age, h.child_age,
                                                h.infant_age - 1, h.child_age - 1])
                                         [1 + floor(($2 - 0.67) * 12)::int])) END
  FROM (SELECT) dummy LEFT JOIN pricing.hotel h ON h.hotel_id = $3
$$;

CREATE TEMP TABLE odiff_stay AS
SELECT i, hotel_id, ci, ci + n AS co, adults, children,
       ci - CASE WHEN r_deadline < 0.2 AND deadline IS NOT NULL
                 THEN deadline - floor(r_deadline * 10)::int % 2
                 ELSE ahead END AS b
FROM (SELECT d.*,
             CASE WHEN r_where < 0.1 THEN pricing_ref11.today() + 392 + floor(r_ci * 10)::int
                  WHEN r_where < 0.14 THEN pricing_ref11.today() - 3 + floor(r_ci * 4)::int
                  ELSE pricing_ref11.today() + 1 + floor(r_ci * 40)::int END AS ci,
             (ARRAY[pg_temp.odiff_age(age1, edge1, hotel_id),
                    pg_temp.odiff_age(age2, edge2, hotel_id),
                    pg_temp.odiff_age(age3, edge3, hotel_id)])[1:kids] AS children,
             (SELECT coalesce(p.cancel_days, 0) FROM pricing.rate_plan p
              WHERE p.hotel_id = d.hotel_id ORDER BY p.plan_id
              OFFSET d.deadline_plan LIMIT 1) AS deadline
      FROM odiff_stay_draw d) s
ORDER BY i;

--
-- Random searches: one of the four cities, or 'offerburg' (case matters) or
-- an unknown city; the same dates and parties as above (children's ages
-- random); max_results 0, 1, 3, 10 or 10000; min_stars; currency NULL, the
-- hotels' own currencies, SEK (no hotel prices in it) or CHF (no exchange
-- rate); min_board; free_cancellation; max_total random, or exactly the
-- total of the bound_rank-th hotel of the answer (by the reference).
--
CREATE TEMP TABLE odiff_search_draw AS
SELECT i,
       (ARRAY['Offerburg', 'Offerstadt', 'Offerville', 'Offerhaven', 'Offerburg',
              'Offerstadt', 'Offerville', 'Offerhaven', 'offerburg', 'Nowhere'])[1 + floor(random() * 10)::int] AS city,
       random() AS r_where, random() AS r_ci,
       1 + floor(random() * 10)::int AS n,
       1 + floor(random() * 4)::int AS adults,
       (ARRAY[0, 0, 0, 0, 1, 1, 1, 2, 2, 3])[1 + floor(random() * 10)::int] AS kids,
       floor(random() * 18)::int AS age1, floor(random() * 18)::int AS age2,
       floor(random() * 18)::int AS age3,
       (ARRAY[0, 1, 3, 10, 10, 10, 10000])[1 + floor(random() * 7)::int] AS max_results,
       (ARRAY[0, 0, 0, 2, 3, 4, 5])[1 + floor(random() * 7)::int] AS min_stars,
       (ARRAY[NULL, NULL, NULL, 'EUR', 'EUR', 'USD', 'GBP', 'JPY', 'JPY', 'SEK', 'CHF'])[1 + floor(random() * 11)::int]::char(3) AS currency,
       (ARRAY['room_only', 'room_only', 'room_only', 'room_only', 'breakfast',
              'half_board', 'full_board', 'all_inclusive'])[1 + floor(random() * 8)::int] AS min_board,
       random() < 0.3 AS free_cancellation,
       CASE WHEN random() < 0.2 THEN round((50 + random() * 1500)::numeric, 2) END AS max_total,
       CASE WHEN random() < 0.3 THEN floor(random() * 6)::int END AS bound_rank,
       floor(random() * 50)::int - 5 AS ahead
FROM generate_series(1, 500) AS i;

CREATE TEMP TABLE odiff_search_stay AS
SELECT i, city, ci, ci + n AS co, adults, children, max_results, min_stars,
       max_total, currency, min_board, free_cancellation, ci - ahead AS b, bound_rank
FROM (SELECT d.*,
             CASE WHEN r_where < 0.05 THEN pricing_ref11.today() + 392 + floor(r_ci * 10)::int
                  WHEN r_where < 0.07 THEN pricing_ref11.today() - 3 + floor(r_ci * 4)::int
                  ELSE pricing_ref11.today() + 1 + floor(r_ci * 40)::int END AS ci,
             (ARRAY[age1, age2, age3])[1:kids] AS children
      FROM odiff_search_draw d) s
ORDER BY i;

UPDATE odiff_search_stay s
SET max_total = (SELECT r.total
                 FROM pricing_ref11.search(s.city, s.ci, s.co, s.adults, s.children, 10000,
                                           s.min_stars, NULL, s.currency, s.min_board,
                                           s.free_cancellation, s.b) r
                 OFFSET s.bound_rank LIMIT 1)
WHERE bound_rank IS NOT NULL;

-- Random stays for cheapest: 1 to 5 guests, otherwise like the searches.
CREATE TEMP TABLE odiff_cheapest_draw AS
SELECT i,
       (ARRAY['Offerburg', 'Offerstadt', 'Offerville', 'Offerhaven', 'Nowhere'])[1 + floor(random() * 5)::int] AS city,
       random() AS r_where, random() AS r_ci,
       1 + floor(random() * 10)::int AS n,
       1 + floor(random() * 5)::int AS guests,
       (ARRAY[0, 1, 3, 10, 10, 10000])[1 + floor(random() * 6)::int] AS max_results,
       (ARRAY[0, 0, 0, 2, 3, 4, 5])[1 + floor(random() * 7)::int] AS min_stars,
       CASE WHEN random() < 0.3 THEN round((50 + random() * 1500)::numeric, 2) END AS max_total,
       floor(random() * 50)::int - 5 AS ahead
FROM generate_series(1, 300) AS i;

CREATE TEMP TABLE odiff_cheapest_stay AS
SELECT i, city, ci, ci + n AS co, guests, max_results, min_stars, max_total, ci - ahead AS b
FROM (SELECT d.*,
             CASE WHEN r_where < 0.05 THEN pricing_ref11.today() + 392 + floor(r_ci * 10)::int
                  ELSE pricing_ref11.today() + 1 + floor(r_ci * 40)::int END AS ci
      FROM odiff_cheapest_draw d) s
ORDER BY i;

SELECT pricing.refresh(true) > 0 AS refreshed;

-- The window the reference uses is the one pricing.status reports; it starts
-- yesterday (or the day before or after, when the session's time zone and
-- the worker's are on either side of midnight).
SELECT first_date BETWEEN current_date - 2 AND current_date AS starts_yesterday,
       last_date = pricing_ref11.last_night() AS horizon_days_ahead
FROM pricing.status;

--
-- The comparisons.  Each side is a list of (round, function, stay, position,
-- row as text); comparing the text compares the scale of every amount too.
--
CREATE TEMP TABLE odiff_cmp (round int, what text, side text, i int, ord bigint, r text);

CREATE FUNCTION pg_temp.odiff_compare(rnd int) RETURNS void
LANGUAGE sql
AS $$
  INSERT INTO odiff_cmp
  SELECT rnd, 'offers', 'real', s.i, o.ord, o::text
  FROM odiff_stay s,
       pricing.offers(s.hotel_id, s.ci, s.co, s.adults, s.children, s.b)
         WITH ORDINALITY AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights,
                              base, extra, discount, board_fees, fees, vat, city_tax,
                              total, currency, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'offers', 'ref', s.i, o.ord, o::text
  FROM odiff_stay s,
       pricing_ref11.offers(s.hotel_id, s.ci, s.co, s.adults, s.children, s.b)
         WITH ORDINALITY AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights,
                              base, extra, discount, board_fees, fees, vat, city_tax,
                              total, currency, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'explain', 'real', s.i, e.ord, e::text
  FROM odiff_stay s,
       pricing.explain(s.hotel_id, s.ci, s.co, s.adults, s.children, s.b)
         WITH ORDINALITY AS e(room_id, plan_id, reason, night, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'explain', 'ref', s.i, e.ord, e::text
  FROM odiff_stay s,
       pricing_ref11.explain(s.hotel_id, s.ci, s.co, s.adults, s.children, s.b)
         WITH ORDINALITY AS e(room_id, plan_id, reason, night, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'search', 'real', s.i, x.ord, x::text
  FROM odiff_search_stay s,
       pricing.search(s.city, s.ci, s.co, s.adults, s.children, s.max_results, s.min_stars,
                      s.max_total, s.currency, s.min_board, s.free_cancellation, s.b)
         WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                              free_cancel_until, total, currency, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'search', 'ref', s.i, x.ord, x::text
  FROM odiff_search_stay s,
       pricing_ref11.search(s.city, s.ci, s.co, s.adults, s.children, s.max_results, s.min_stars,
                            s.max_total, s.currency, s.min_board, s.free_cancellation, s.b)
         WITH ORDINALITY AS x(hotel_id, name, stars, room_id, plan_id, plan_name, board,
                              free_cancel_until, total, currency, ord);
  -- quote: the offer stays' hotels, dates and booking dates, adults as guests
  INSERT INTO odiff_cmp
  SELECT rnd, 'quote', 'real', s.i, q.ord, q::text
  FROM odiff_stay s,
       pricing.quote(s.hotel_id, s.ci, s.co, s.adults + 1 - s.i % 2, s.b)
         WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'quote', 'ref', s.i, q.ord, q::text
  FROM odiff_stay s,
       pricing_ref11.quote(s.hotel_id, s.ci, s.co, s.adults + 1 - s.i % 2, s.b)
         WITH ORDINALITY AS q(room_id, nights, base, extra, discount, fees, vat, city_tax, total, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'cheapest', 'real', s.i, c.ord, c::text
  FROM odiff_cheapest_stay s,
       pricing.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
         WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);
  INSERT INTO odiff_cmp
  SELECT rnd, 'cheapest', 'ref', s.i, c.ord, c::text
  FROM odiff_cheapest_stay s,
       pricing_ref11.cheapest(s.city, s.ci, s.co, s.guests, s.max_results, s.min_stars, s.max_total, s.b)
         WITH ORDINALITY AS c(hotel_id, name, stars, room_id, total, currency, ord);
$$;

-- per round and function: calls, calls with rows, rows (by the reference),
-- and the rows only one side has (both must be 0)
CREATE TEMP VIEW odiff_mismatch AS
SELECT d.round, d.what,
       CASE WHEN d.what IN ('offers', 'explain', 'quote') THEN (SELECT count(*) FROM odiff_stay)
            WHEN d.what = 'search' THEN (SELECT count(*) FROM odiff_search_stay)
            ELSE (SELECT count(*) FROM odiff_cheapest_stay) END AS calls,
       count(DISTINCT d.i) FILTER (WHERE d.side = 'ref') AS calls_with_rows,
       count(*) FILTER (WHERE d.side = 'ref') AS rows_compared,
       (SELECT count(*) FROM (SELECT i, ord, r FROM odiff_cmp x
                              WHERE x.round = d.round AND x.what = d.what AND x.side = 'real'
                              EXCEPT ALL
                              SELECT i, ord, r FROM odiff_cmp x
                              WHERE x.round = d.round AND x.what = d.what AND x.side = 'ref') m
       ) AS only_in_real,
       (SELECT count(*) FROM (SELECT i, ord, r FROM odiff_cmp x
                              WHERE x.round = d.round AND x.what = d.what AND x.side = 'ref'
                              EXCEPT ALL
                              SELECT i, ord, r FROM odiff_cmp x
                              WHERE x.round = d.round AND x.what = d.what AND x.side = 'real') m
       ) AS only_in_ref
FROM odiff_cmp d
GROUP BY d.round, d.what
ORDER BY d.round, d.what;

-- round 1
SELECT pg_temp.odiff_compare(1);

--
-- What the stays exercised, by the reference (so a reader sees that the
-- comparison is not trivial).
--
CREATE TEMP TABLE odiff_detail AS
SELECT s.i, s.b, s.ci, d.*
FROM odiff_stay s,
     pricing_ref11.detail(s.hotel_id, s.ci, s.co, s.adults, s.children, s.b) d;

-- every reason of explain, with and without a night
SELECT reason, count(*) AS pairs, count(night) AS with_night
FROM odiff_detail
GROUP BY reason
ORDER BY reason;

-- the offers: children of each kind, occupancy adjustments, plan
-- adjustments, clamped bases, discounts (and half cents), board fees,
-- deadlines, currencies
SELECT count(*) AS offers,
       count(*) FILTER (WHERE plan_id > 0) AS other_plans,
       count(*) FILTER (WHERE party_c > 0) AS young_children,
       count(*) FILTER (WHERE party_i > 0) AS infants,
       count(*) FILTER (WHERE extra > 0) AS with_extra,
       count(*) FILTER (WHERE q IS NOT NULL AND q <> 0) AS occupancy_adjusted,
       count(*) FILTER (WHERE clamped) AS base_clamped,
       count(*) FILTER (WHERE discount > 0) AS with_discount,
       count(*) FILTER (WHERE subtotal * percent / 100 * 1000 % 10 = 5) AS discount_half_cent,
       count(*) FILTER (WHERE net * vat_percent / 100 * 1000 % 10 = 5) AS vat_half_cent,
       count(*) FILTER (WHERE board_fees > 0) AS with_board_fees,
       count(*) FILTER (WHERE free_cancel_until IS NULL) AS not_cancellable,
       count(*) FILTER (WHERE free_cancel_until = b) AS deadline_today,
       count(DISTINCT currency) AS currencies
FROM odiff_detail
WHERE reason = 'offered';

SELECT count(*) AS search_rows,
       count(*) FILTER (WHERE x.currency <> h.currency) AS converted,
       count(*) FILTER (WHERE s.currency IS NULL AND x.currency <> 'EUR') AS own_currency_not_eur,
       count(*) FILTER (WHERE x.plan_id > 0) AS other_plans,
       count(*) FILTER (WHERE x.board <> 'room_only') AS with_board,
       count(*) FILTER (WHERE x.free_cancel_until IS NOT NULL) AS cancellable,
       count(*) FILTER (WHERE x.total = s.max_total) AS on_max_total
FROM odiff_search_stay s,
     pricing_ref11.search(s.city, s.ci, s.co, s.adults, s.children, s.max_results, s.min_stars,
                          s.max_total, s.currency, s.min_board, s.free_cancellation, s.b) x
     JOIN pricing.hotel h USING (hotel_id);

-- searches and their rows by requested currency (none in CHF: no exchange rate)
SELECT s.currency, count(DISTINCT s.i) AS searches, count(x.hotel_id) AS search_rows
FROM odiff_search_stay s
LEFT JOIN LATERAL pricing_ref11.search(s.city, s.ci, s.co, s.adults, s.children,
                                       s.max_results, s.min_stars, s.max_total, s.currency,
                                       s.min_board, s.free_cancellation, s.b) x ON true
GROUP BY s.currency
ORDER BY s.currency NULLS FIRST;

--
-- Round 2: change the data of every 1.1 table (plans, occupancy, exchange
-- rates, ages, restrictions), wait for a generation that has the changes,
-- compare again.  Rows are picked by a formula, not random().
--
UPDATE pricing.rate_plan SET adjust_percent = -adjust_percent, cancel_days = 3
WHERE hotel_id BETWEEN 9501 AND 9560 AND plan_id > 0 AND hotel_id % 3 = 0;
DELETE FROM pricing.rate_plan
WHERE hotel_id BETWEEN 9501 AND 9560 AND plan_id = 0 AND hotel_id % 2 = 0;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable)
SELECT hotel_id, 7, 'late plan', 'breakfast', 1.25, false
FROM pricing.hotel WHERE hotel_id BETWEEN 9501 AND 9560 AND hotel_id % 4 = 1;
DELETE FROM pricing.occupancy
WHERE hotel_id BETWEEN 9501 AND 9560 AND (hotel_id + occupants) % 3 = 0;
UPDATE pricing.occupancy SET adjust_percent = 12.5
WHERE hotel_id BETWEEN 9501 AND 9560 AND (hotel_id + room_id) % 5 = 0;
UPDATE pricing.hotel SET infant_age = 1, child_age = 7
WHERE hotel_id BETWEEN 9501 AND 9560 AND hotel_id % 5 = 2;
UPDATE pricing.room SET max_infants = 0, extra_child_fee = 3.35
WHERE hotel_id BETWEEN 9501 AND 9560 AND (hotel_id + room_id) % 4 = 0;
UPDATE pricing.rate SET closed_to_departure = NOT closed_to_departure, max_stay = NULL
WHERE hotel_id BETWEEN 9501 AND 9560
  AND (hotel_id * 7 + room_id * 3 + (stay_date - pricing_ref11.today())) % 10 = 0;
UPDATE pricing.discount SET plan_id = 7
WHERE hotel_id BETWEEN 9501 AND 9560 AND hotel_id % 4 = 1;
UPDATE pricing.exchange_rate SET per_unit = 0.9876543210 WHERE currency = 'USD';
DELETE FROM pricing.exchange_rate WHERE currency = 'GBP';

SELECT pricing.refresh(true) > 0 AS refreshed;

SELECT pg_temp.odiff_compare(2);

-- Both rounds: only_in_real and only_in_ref must be 0.
SELECT * FROM odiff_mismatch;

-- Any mismatching rows, to debug a failure (no rows when all is well).
(SELECT 'real' AS side, round, what, i, ord, r FROM odiff_cmp WHERE side = 'real'
 EXCEPT ALL SELECT 'real', round, what, i, ord, r FROM odiff_cmp WHERE side = 'ref')
UNION ALL
(SELECT 'ref', round, what, i, ord, r FROM odiff_cmp WHERE side = 'ref'
 EXCEPT ALL SELECT 'ref', round, what, i, ord, r FROM odiff_cmp WHERE side = 'real')
ORDER BY round, what, i, ord, side
LIMIT 30;

--
-- Clean up: the suite's hotels (their rooms, rates, plans, occupancy,
-- discounts and fees go with them), the reference, and the exchange rates
-- the other suites had.
--
DELETE FROM pricing.hotel WHERE hotel_id BETWEEN 9501 AND 9562;
DO $$
BEGIN
  DELETE FROM pricing.exchange_rate;
  INSERT INTO pricing.exchange_rate SELECT * FROM odiff_saved_rate;
END
$$;
SET client_min_messages = warning;
DROP SCHEMA pricing_ref11 CASCADE;
RESET client_min_messages;
SELECT pricing.refresh(true) > 0 AS refreshed;
