--
-- extremes: every argument of cheapest and quote at its extremes, and the
-- functions called in every context a user can call them from.  Each call
-- gives the answer doc/reference.md implies or a clean error with its own SQLSTATE.
-- (NULL arguments one by one, the 22023 bounds and the privileges of the
-- source tables are in errors.sql.)
--
-- Hotels 5001..5099 plus the ids -9223372036854775808, 0 and
-- 9223372036854775807.  Nights + 200 .. + 210; one night costs the same
-- every night.  No VAT, no city tax, no fees.
--
--   hotel  city        stars  rooms (max_guests, base_guests, extra fee)   price
--   5001   Extremia    0      1 (2, 2, 0)                                    0.00
--   5002   Extremia    5      -2147483648 and 2147483647 (32767, 2, 0)     100.00
--   5003   Extremia    3      1 (2, 2, 0); 50% discount booked >= 100 days 120.00
--   min    Extremia    1      1 (4, 2, 10.00)                              100.00
--   0      Extremia    4      1 (2, 2, 0)                                  100.00
--   max    Extremia    2      1 (2, 2, 0)                                  100.00
--
-- The stay + 200 .. + 202 (2 nights, 2 guests, booked today) costs
--   5001: 0.00; 5003: 240.00 - 50% = 120.00;
--   min, 0, 5002 (room -2147483648: rooms tie, lowest room_id), max: 200.00;
-- in the order of total, then hotel_id: 5001, 5003, min, 0, 5002, max.
--
-- Cities with awkward names, one hotel each, room 1 (2 guests), price p:
--   5010 ''  p 10;  5011 quotes and backslashes  p 11;  5012 'Zürich' (NFC)
--   p 12;  5013 'Zürich' decomposed (NFD)  p 13;  5014 '東京 🏨'  p 14;
--   5015 a city of 1984 characters  p 15;  5016 a city that reads like SQL
--   p 16;  5017 'Longname', a hotel name of one megabyte  p 17;
--   5018 'Extremia ' (trailing space)  p 18;  5019 'extremia'  p 19;
--   5020 'Edgeland': rates from - 3 to + 403, around the loaded window  p 20.
--

-- the non-ASCII cities, spelled as UTF-8 bytes so that the file stays ASCII
-- where it matters and the output never depends on the client encoding
CREATE FUNCTION ext_city(which text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT convert_from(decode(CASE which
    WHEN 'nfc' THEN '5ac3bc72696368'           -- Z u-umlaut r i c h
    WHEN 'nfd' THEN '5a75cc8872696368'         -- Z u combining-diaeresis r i c h
    WHEN 'cjk' THEN 'e69db1e4baac20f09f8fa8'   -- Tokyo in kanji, space, hotel emoji
  END, 'hex'), 'UTF8')
$$;

-- 1984 characters, no two 32-character blocks alike (a btree on city takes it)
CREATE FUNCTION ext_long_city() RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT string_agg(md5(i::text), '' ORDER BY i) FROM generate_series(1, 62) AS i $$;

INSERT INTO pricing.hotel (hotel_id, city, name, stars) VALUES
  (5001, 'Extremia', 'Free', 0),
  (5002, 'Extremia', 'Tie', 5),
  (5003, 'Extremia', 'Early', 3),
  (-9223372036854775808, 'Extremia', 'Min id', 1),
  (0, 'Extremia', 'Zero id', 4),
  (9223372036854775807, 'Extremia', 'Max id', 2),
  (5010, '', 'Empty city', 0),
  (5011, 'O''Brien''s "Inn" \ back\slash', 'Bob''s "Best" \ Inn', 0),
  (5012, ext_city('nfc'), 'NFC', 0),
  (5013, ext_city('nfd'), 'NFD', 0),
  (5014, ext_city('cjk'), 'CJK', 0),
  (5015, ext_long_city(), 'Long city', 0),
  (5016, $$x'); DELETE FROM pricing.rate; --$$, 'Injection', 0),
  (5017, 'Longname', repeat('0123456789abcdef', 65536), 0),
  (5018, 'Extremia ', 'Trailing space', 0),
  (5019, 'extremia', 'Lower case', 0),
  (5020, 'Edgeland', 'Edge', 0);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT hotel_id, 1, 'double', 2, 2, 0 FROM pricing.hotel
 WHERE hotel_id IN (5001, 5003, 0, 9223372036854775807) OR hotel_id BETWEEN 5010 AND 5020;
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (5002, -2147483648, 'lowest', 32767, 2, 0),
  (5002, 2147483647, 'highest', 32767, 2, 0),
  (-9223372036854775808, 1, 'family', 4, 2, 10.00);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT r.hotel_id, r.room_id, current_date + k,
       CASE r.hotel_id WHEN 5001 THEN 0.00 WHEN 5003 THEN 120.00
                       WHEN 5002 THEN 100.00 WHEN 0 THEN 100.00
                       WHEN -9223372036854775808 THEN 100.00
                       WHEN 9223372036854775807 THEN 100.00
                       ELSE r.hotel_id - 5000 END
  FROM pricing.room r, generate_series(200, 210) AS k
 WHERE r.hotel_id IN (5001, 5002, 5003, -9223372036854775808, 0, 9223372036854775807)
    OR r.hotel_id BETWEEN 5010 AND 5019;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 5020, 1, current_date + k, 20.00 FROM generate_series(-3, 403) AS k;
INSERT INTO pricing.discount (hotel_id, percent, min_days_ahead) VALUES (5003, 50, 100);
SELECT pricing.refresh(true) > 0;

-- the reference answer of the standard stay
SELECT hotel_id, name, stars, room_id, total, currency
  FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202);

--
-- city: exact, case-sensitive, byte for byte; nothing in it is SQL
--
SELECT hotel_id, total FROM pricing.cheapest('', current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest(' ', current_date + 200, current_date + 202);
SELECT hotel_id, name, total
  FROM pricing.cheapest('O''Brien''s "Inn" \ back\slash', current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest('O''Brien''s "Inn" \\ back\\slash', current_date + 200, current_date + 202);
SELECT which, c.hotel_id, c.total
  FROM (VALUES ('nfc'), ('nfd'), ('cjk')) AS w(which),
       LATERAL pricing.cheapest(ext_city(which), current_date + 200, current_date + 202) AS c
 ORDER BY which;
-- the same cities typed in: 'Zürich' as typed here is the composed form
SELECT hotel_id FROM pricing.cheapest('Zürich', current_date + 200, current_date + 202);
SELECT hotel_id FROM pricing.cheapest('東京 🏨', current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest('Zurich', current_date + 200, current_date + 202);
-- the long city, and one character less or more
SELECT octet_length(ext_long_city()) AS city_bytes;
SELECT hotel_id, total FROM pricing.cheapest(ext_long_city(), current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest(left(ext_long_city(), -1), current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest(ext_long_city() || 'x', current_date + 200, current_date + 202);
-- a megabyte of city, alone and behind the long city's name
SELECT count(*) FROM pricing.cheapest(repeat('x', 1048576), current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest(ext_long_city() || repeat('x', 1048576), current_date + 200, current_date + 202);
-- case and trailing space are part of the name
SELECT hotel_id FROM pricing.cheapest('Extremia ', current_date + 200, current_date + 202);
SELECT hotel_id FROM pricing.cheapest('extremia', current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest('EXTREMIA', current_date + 200, current_date + 202);
-- a city that reads like SQL is found like any other and runs nothing,
-- whether it comes from the table (through the worker) or from the caller
SELECT hotel_id, total
  FROM pricing.cheapest($$x'); DELETE FROM pricing.rate; --$$, current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest($$'; DELETE FROM pricing.rate; SELECT '$$, current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.cheapest($$Extremia' OR 'a' = 'a$$, current_date + 200, current_date + 202);
SELECT count(*) AS rates_of_5016 FROM pricing.rate WHERE hotel_id = 5016;
-- a name of a megabyte comes back whole
SELECT hotel_id, octet_length(name) AS name_bytes,
       name = repeat('0123456789abcdef', 65536) AS same_name, total
  FROM pricing.cheapest('Longname', current_date + 200, current_date + 202);

--
-- hotel_id: the ends of bigint are hotels like any other
--
SELECT h, q.room_id, q.total
  FROM (VALUES (-9223372036854775808), (-1), (0), (1), (5002), (9223372036854775807)) AS v(h),
       LATERAL pricing.quote(v.h, current_date + 200, current_date + 202) AS q
 ORDER BY h, q.total, q.room_id;
SELECT count(*) FROM pricing.quote(-9223372036854775807, current_date + 200, current_date + 202);
SELECT count(*) FROM pricing.quote(9223372036854775806, current_date + 200, current_date + 202);

--
-- dates: -infinity, infinity, the first and last dates PostgreSQL accepts
-- (4713-01-01 BC and 5874897-12-31), and the edges of the loaded window
--
-- checkout <= checkin, whatever the dates are
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', 'infinity', '-infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, 'infinity', '-infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, '-infinity', '-infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, 'infinity', 'infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, 'infinity', current_date + 200)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', current_date + 200, '-infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, '5874897-12-31', '4713-01-01 BC')$$);
-- an infinite stay, or the whole calendar: longer than pricing.max_nights
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', current_date + 200, 'infinity')$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', '-infinity', current_date + 200)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, '4713-01-01 BC', '5874897-12-31')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, '-infinity', '4713-01-02 BC')$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, '5874897-12-01', 'infinity')$$);
-- stays at the ends of the calendar: no rows, no error
SELECT count(*) FROM pricing.cheapest('Extremia', '4713-01-01 BC', '4713-01-31 BC');
SELECT count(*) FROM pricing.cheapest('Extremia', '5874897-12-01', '5874897-12-31');
SELECT count(*) FROM pricing.quote(5002, '5874897-12-30', '5874897-12-31');
SELECT count(*) FROM pricing.quote(5002, '4713-01-01 BC', '4713-01-02 BC');
-- The window is the worker's yesterday .. + pricing.horizon_days (400); its
-- "today" may differ from this session's (time zones), so the edges are
-- taken from pricing.status.  Hotel 5020 has rates well beyond both edges.
SELECT last_date - first_date AS window_last_night,
       first_date BETWEEN current_date - 2 AND current_date AS first_date_about_yesterday
  FROM pricing.status;
SELECT v.label, count(q.*) AS rows, max(q.total) AS total
  FROM pricing.status AS s,
       LATERAL (VALUES (1, 'night before the window', s.first_date - 1, s.first_date),
                       (2, 'first night', s.first_date, s.first_date + 1),
                       (3, 'across the start', s.first_date - 1, s.first_date + 1),
                       (4, '30 nights from the start', s.first_date, s.first_date + 30),
                       (5, '30 nights to the end', s.last_date - 29, s.last_date + 1),
                       (6, 'last night', s.last_date, s.last_date + 1),
                       (7, 'across the end', s.last_date, s.last_date + 2),
                       (8, 'night after the window', s.last_date + 1, s.last_date + 2))
         AS v(n, label, ci, co)
       LEFT JOIN LATERAL pricing.quote(5020, v.ci, v.co) AS q ON true
 GROUP BY v.n, v.label ORDER BY v.n;

--
-- booking_date: early booking (50% at 5003 when checkin - booking_date >=
-- 100).  Booked on the dates furthest in the past, the discount applies;
-- booked in the far future, after the stay, it does not.  Infinite
-- booking dates order like any others: -infinity is earlier than every
-- date, infinity later.
--
SELECT v.label, q.total
  FROM (VALUES (1, '-infinity', '-infinity'::date),
               (2, 'first date', '4713-01-01 BC'),
               (3, '100 days ahead', current_date + 100),
               (4, '99 days ahead', current_date + 101),
               (5, 'on the day', current_date + 200),
               (6, 'after the stay', current_date + 300),
               (7, 'last date', '5874897-12-31'),
               (8, 'infinity', 'infinity')) AS v(n, label, b),
       LATERAL pricing.quote(5003, current_date + 200, current_date + 202, 2, v.b) AS q
 ORDER BY v.n;
SELECT hotel_id, total
  FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202,
                        booking_date => 'infinity', max_results => 2);

--
-- guests: the ends of int.  5002's rooms take 32767 guests (smallint);
-- the min-id hotel charges 10.00 per guest above 2 per night, up to 4.
--
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, -2147483648)$$);
SELECT expect_error($$SELECT * FROM pricing.quote(5002, current_date + 200, current_date + 202, -2147483648)$$);
SELECT g.guests, count(c.*) AS hotels, min(c.total) AS cheapest, max(c.total) AS dearest
  FROM (VALUES (1), (2), (3), (4), (5), (32767), (32768), (2147483647)) AS g(guests)
       LEFT JOIN LATERAL pricing.cheapest('Extremia', current_date + 200, current_date + 202, g.guests) AS c ON true
 GROUP BY g.guests ORDER BY g.guests;
SELECT room_id, total FROM pricing.quote(-9223372036854775808, current_date + 200, current_date + 202, 4);

--
-- max_results: the ends of int, and the bounds 0 and 10000
--
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, -2147483648)$$);
SELECT expect_error($$SELECT * FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, 2147483647)$$);
SELECT m.max_results, count(c.*) AS hotels, string_agg(c.hotel_id::text, ',' ORDER BY c.total, c.hotel_id) AS hotel_ids
  FROM (VALUES (0), (1), (2), (5), (6), (7), (10000)) AS m(max_results)
       LEFT JOIN LATERAL pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, m.max_results) AS c ON true
 GROUP BY m.max_results ORDER BY m.max_results;

--
-- min_stars: the ends of int (stars are 0..5)
--
SELECT s.min_stars, count(c.*) AS hotels, string_agg(c.hotel_id::text, ',' ORDER BY c.total, c.hotel_id) AS hotel_ids
  FROM (VALUES (-2147483648), (-1), (0), (1), (3), (5), (6), (2147483647)) AS s(min_stars)
       LEFT JOIN LATERAL pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, 10, s.min_stars) AS c ON true
 GROUP BY s.min_stars ORDER BY s.min_stars;

--
-- max_total: total <= max_total in numeric's order, where NaN is above
-- every number.  Totals are 0.00, 120.00 and four times 200.00.
--
SELECT t.label, count(c.*) AS hotels
  FROM (VALUES (1, 'NULL', NULL::numeric),
               (2, 'NaN', 'NaN'),
               (3, 'Infinity', 'Infinity'),
               (4, '-Infinity', '-Infinity'),
               (5, '1e1000', 1e1000),
               (6, '-1e1000', -1e1000),
               (7, '99999999999999999999', 99999999999999999999),
               (8, '-99999999999999999999', -99999999999999999999),
               (9, '-0.01', -0.01),
               (10, '-0.0000000001', -0.0000000001),
               (11, '0', 0),
               (12, '-0', '-0'),
               (13, '0.0000000001', 0.0000000001),
               (14, '119.99', 119.99),
               (15, '119.9999999999', 119.9999999999),
               (16, '120', 120),
               (17, '120.001', 120.001),
               (18, '199.9999999999999999999', 199.9999999999999999999),
               (19, '200.00', 200.00),
               (20, '200.0000000000000000001', 200.0000000000000000001),
               (21, '9223372036854775807', 9223372036854775807),
               (22, '92233720368547758.07', 92233720368547758.07),
               (23, '92233720368547758.08', 92233720368547758.08),
               (24, '-92233720368547758.08', -92233720368547758.08),
               (25, '-92233720368547758.09', -92233720368547758.09)) AS t(n, label, max_total)
       LEFT JOIN LATERAL pricing.cheapest('Extremia', current_date + 200, current_date + 202,
                                          max_total => t.max_total) AS c ON true
 GROUP BY t.n, t.label ORDER BY t.n;

--
-- Calling contexts
--
-- in the select list (a set-returning function in the target list, and a
-- column of it)
SELECT pricing.cheapest('Extremia', current_date + 200, current_date + 202, max_results => 3);
SELECT (pricing.quote(5002, current_date + 200, current_date + 202)).room_id;
SELECT pricing.quote(5003, current_date + 200, current_date + 202), generate_series(1, 2) AS g;
-- in joins with the source tables and with each other
SELECT c.hotel_id, h.name, r.name AS room, c.total
  FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202) AS c
  JOIN pricing.hotel AS h USING (hotel_id)
  JOIN pricing.room AS r ON r.hotel_id = c.hotel_id AND r.room_id = c.room_id
 ORDER BY c.total, c.hotel_id;
-- the cheapest room of each hotel is the first row of its quote
SELECT count(*) AS hotels,
       count(*) FILTER (WHERE q.room_id = c.room_id AND q.total = c.total) AS agree
  FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202) AS c,
       LATERAL (SELECT * FROM pricing.quote(c.hotel_id, current_date + 200, current_date + 202) LIMIT 1) AS q;
-- a hash join and a merge join between two calls
SET enable_nestloop = off;
SET enable_mergejoin = off;
SELECT a.hotel_id, a.total AS two_nights, b.total AS three_nights
  FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202) AS a
  JOIN pricing.cheapest('Extremia', current_date + 200, current_date + 203) AS b USING (hotel_id)
 ORDER BY a.hotel_id;
SET enable_hashjoin = off;
SET enable_mergejoin = on;
SELECT count(*) FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202) AS a
  JOIN pricing.cheapest('Extremia', current_date + 201, current_date + 203) AS b USING (hotel_id, total);
RESET enable_nestloop;
RESET enable_mergejoin;
RESET enable_hashjoin;
-- LATERAL over the hotels of a table, one call per row
SELECT h.hotel_id, count(q.*) AS rooms, min(q.total) AS cheapest
  FROM pricing.hotel AS h
       LEFT JOIN LATERAL pricing.quote(h.hotel_id, current_date + 205, current_date + 210) AS q ON true
 WHERE h.city = 'Extremia'
 GROUP BY h.hotel_id ORDER BY h.hotel_id;
-- ROWS FROM zips two calls; WITH ORDINALITY numbers the rows
SELECT * FROM ROWS FROM (pricing.cheapest('Extremia', current_date + 200, current_date + 202, max_results => 3),
                         pricing.quote(5002, current_date + 200, current_date + 202))
       WITH ORDINALITY;
-- subqueries, CTEs, set operations, aggregates and window functions
SELECT (SELECT min(total) FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202)) AS cheapest,
       EXISTS (SELECT FROM pricing.quote(5002, current_date + 200, current_date + 202)) AS has_rooms,
       5003 IN (SELECT hotel_id FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, max_results => 2)) AS in_top_2;
WITH c AS MATERIALIZED (SELECT * FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202))
SELECT hotel_id, total, rank() OVER (ORDER BY total) AS rank,
       sum(total) OVER (ORDER BY total, hotel_id) AS running
  FROM c ORDER BY total, hotel_id;
SELECT hotel_id FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, min_stars => 4)
UNION ALL
SELECT hotel_id FROM pricing.cheapest('', current_date + 200, current_date + 202)
EXCEPT
SELECT 0
ORDER BY 1;
-- with LIMIT and OFFSET
SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, 10000) LIMIT 2;
SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, 2, 10000) LIMIT 2 OFFSET 3;
SELECT hotel_id FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202) LIMIT 0;
SELECT room_id FROM pricing.quote(5002, current_date + 200, current_date + 202) ORDER BY room_id DESC LIMIT 1;

-- in cursors: the whole answer is computed in one call, so no pin outlives
-- it (readers is 0 while the cursor is open), and a scrollable cursor goes
-- back and forth over the same rows
BEGIN;
DECLARE ext_cur SCROLL CURSOR FOR
  SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202);
FETCH 2 FROM ext_cur;
SELECT readers FROM pricing.status;
FETCH BACKWARD 1 FROM ext_cur;
FETCH ABSOLUTE 6 FROM ext_cur;
FETCH NEXT FROM ext_cur;
MOVE FIRST IN ext_cur;
FETCH ALL FROM ext_cur;
CLOSE ext_cur;
COMMIT;
-- a cursor WITH HOLD keeps the answer it had at commit, across a refresh
BEGIN;
DECLARE ext_hold CURSOR WITH HOLD FOR
  SELECT room_id, total FROM pricing.quote(5003, current_date + 200, current_date + 202);
COMMIT;
UPDATE pricing.rate SET price = 130.00 WHERE hotel_id = 5003;
SELECT pricing.refresh(true) > 0;
FETCH ALL FROM ext_hold;
CLOSE ext_hold;
SELECT room_id, total FROM pricing.quote(5003, current_date + 200, current_date + 202);
UPDATE pricing.rate SET price = 120.00 WHERE hotel_id = 5003;
SELECT pricing.refresh(true) > 0;

-- inside PL/pgSQL: a loop over the rows, RETURN QUERY, errors caught in the
-- function, a cursor variable, and the cached plan of a function called
-- often enough to use a generic plan
CREATE FUNCTION ext_sum(p_city text, p_nights int) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  s numeric := 0;
  r record;
BEGIN
  FOR r IN SELECT * FROM pricing.cheapest(p_city, current_date + 200, current_date + 200 + p_nights) LOOP
    s := s + r.total;
  END LOOP;
  RETURN s::text;
EXCEPTION WHEN invalid_parameter_value OR null_value_not_allowed THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- each night: 5001 0.00, 5003 60.00, four hotels at 100.00: 460.00
SELECT n, ext_sum('Extremia', n) FROM generate_series(1, 8) AS n;
SELECT ext_sum('Extremia', 0), ext_sum('Extremia', 31), ext_sum(NULL, 1), ext_sum('Nowhere', 1);
SELECT ext_sum('Extremia', 2);
CREATE FUNCTION ext_top(p_city text, p_max int)
RETURNS TABLE (hotel_id bigint, total numeric)
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY SELECT c.hotel_id, c.total
                 FROM pricing.cheapest(p_city, current_date + 200, current_date + 202, max_results => p_max) AS c;
END
$$;
SELECT * FROM ext_top('Extremia', 3);
SELECT * FROM ext_top('Extremia', -1);
CREATE FUNCTION ext_cursor(p_hotel bigint) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  c refcursor;
  r record;
  out text := '';
BEGIN
  OPEN c FOR EXECUTE format('SELECT room_id, total FROM pricing.quote(%s, current_date + 200, current_date + 202)', p_hotel);
  LOOP
    FETCH c INTO r;
    EXIT WHEN NOT FOUND;
    out := out || r.room_id || ':' || r.total || ' ';
  END LOOP;
  CLOSE c;
  RETURN out;
END
$$;
SELECT ext_cursor(5002), ext_cursor(-9223372036854775808);
DO $$
DECLARE
  n int := 0;
BEGIN
  FOR i IN 1..1000 LOOP
    n := n + (SELECT count(*) FROM pricing.cheapest('Extremia', current_date + 200, current_date + 201 + i % 30));
  END LOOP;
  RAISE NOTICE '% rows in 1000 calls', n;
END
$$;
-- a SQL function around it is inlined into the calling query
CREATE FUNCTION ext_sql(p_city text)
RETURNS TABLE (hotel_id bigint, total numeric)
LANGUAGE sql STABLE
AS $$ SELECT hotel_id, total FROM pricing.cheapest(p_city, current_date + 200, current_date + 202) $$;
SELECT * FROM ext_sql('Extremia') WHERE total > 100 ORDER BY hotel_id;
-- in a trigger, pricing a booking as it is inserted
CREATE TABLE ext_booking (hotel_id bigint, checkin date, checkout date, guests int,
                          room_id int, total numeric);
CREATE FUNCTION ext_price_booking() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  SELECT q.room_id, q.total INTO NEW.room_id, NEW.total
    FROM pricing.quote(NEW.hotel_id, NEW.checkin, NEW.checkout, NEW.guests) AS q LIMIT 1;
  RETURN NEW;
END
$$;
CREATE TRIGGER ext_price BEFORE INSERT ON ext_booking
  FOR EACH ROW EXECUTE FUNCTION ext_price_booking();
INSERT INTO ext_booking (hotel_id, checkin, checkout, guests)
VALUES (5003, current_date + 200, current_date + 203, 2),
       (-9223372036854775808, current_date + 200, current_date + 201, 3),
       (5002, current_date + 200, current_date + 202, 40000)
RETURNING hotel_id, guests, room_id, total;
SELECT expect_error($$INSERT INTO ext_booking (hotel_id, checkin, checkout, guests) VALUES (5003, NULL, current_date + 203, 2)$$);
SELECT expect_error($$INSERT INTO ext_booking (hotel_id, checkin, checkout, guests) VALUES (5003, current_date + 203, current_date + 203, 2)$$);
SELECT count(*) FROM ext_booking;
-- in a view and a materialized view
CREATE VIEW ext_view AS
  SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, max_results => 2);
SELECT * FROM ext_view;
CREATE MATERIALIZED VIEW ext_matview AS
  SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202, min_stars => 5);
REFRESH MATERIALIZED VIEW ext_matview;
SELECT * FROM ext_matview;

-- prepared statements, with custom and with generic plans
PREPARE ext_cheapest(text, date, date, int, int, int, numeric, date) AS
  SELECT hotel_id, room_id, total FROM pricing.cheapest($1, $2, $3, $4, $5, $6, $7, $8);
PREPARE ext_quote(bigint, int, int) AS
  SELECT room_id, total FROM pricing.quote($1, current_date + 200, current_date + 200 + $2, $3);
EXECUTE ext_cheapest('Extremia', current_date + 200, current_date + 202, 2, 3, 0, NULL, current_date);
SET plan_cache_mode = force_generic_plan;
EXECUTE ext_cheapest('Extremia', current_date + 200, current_date + 202, 3, 10, 0, 'Infinity', current_date);
EXECUTE ext_cheapest('Extremia', current_date + 200, current_date + 202, 2, 10, 0, 120, 'infinity');
EXECUTE ext_quote(5002, 1, 1);
EXECUTE ext_quote(9223372036854775807, 3, 2);
SET plan_cache_mode = force_custom_plan;
EXECUTE ext_quote(-9223372036854775808, 2, 4);
RESET plan_cache_mode;
-- 6 calls: the plan cache goes generic after 5
EXECUTE ext_quote(0, 1, 2);
EXECUTE ext_quote(0, 2, 2);
EXECUTE ext_quote(0, 3, 2);
EXECUTE ext_quote(0, 4, 2);
EXECUTE ext_quote(0, 5, 2);
EXECUTE ext_quote(0, 6, 2);
-- errors through parameters, as the client sees them
\set VERBOSITY sqlstate
EXECUTE ext_cheapest(NULL, current_date + 200, current_date + 202, 2, 10, 0, NULL, current_date);
EXECUTE ext_cheapest('Extremia', current_date + 200, current_date + 202, 2, 10, 0, NULL, NULL);
EXECUTE ext_quote(NULL, 1, 2);
EXECUTE ext_quote(5002, 0, 2);
EXECUTE ext_quote(5002, 1, 0);
\set VERBOSITY default
DEALLOCATE ext_cheapest;
DEALLOCATE ext_quote;

--
-- In parallel workers.  cheapest, quote and status are PARALLEL SAFE,
-- refresh is not (it waits for the worker).
--
SELECT proname, provolatile, proparallel, proisstrict
  FROM pg_proc
 WHERE pronamespace = 'pricing'::regnamespace
   AND proname IN ('cheapest', 'quote', 'status', 'generations', 'refresh')
 ORDER BY proname;
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- the whole call runs in a parallel worker (Single Copy under a Gather)
EXPLAIN (COSTS OFF)
SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202);
SELECT hotel_id, total FROM pricing.cheapest('Extremia', current_date + 200, current_date + 202);
SELECT room_id, total FROM pricing.quote(5002, current_date + 200, current_date + 202);
SELECT generation > 0 AS loaded, readers FROM pricing.status;
-- errors raised in the parallel worker reach the client with their SQLSTATE
-- (the context line shows where they were raised)
SELECT * FROM pricing.cheapest(NULL, current_date + 200, current_date + 202);
SELECT * FROM pricing.quote(5002, current_date + 202, current_date + 200);
-- calls from many rows of a parallel scan, in several workers at once
CREATE TABLE ext_stays AS
  SELECT g, (ARRAY[5001, 5002, 5003])[1 + g % 3]::bigint AS hotel_id,
         current_date + 200 + g % 5 AS checkin
    FROM generate_series(1, 3000) AS g;
ANALYZE ext_stays;
SET enable_memoize = off;   -- one call per row, not per distinct stay
EXPLAIN (COSTS OFF)
SELECT count(*), sum(q.total)
  FROM ext_stays AS s, LATERAL pricing.quote(s.hotel_id, s.checkin, s.checkin + 2) AS q;
-- 1000 stays at 5001 (one room, 0.00), 1000 at 5002 (two rooms, 200.00
-- each), 1000 at 5003 (one room, 120.00): 4000 rows, 520000.00
SELECT count(*), sum(q.total)
  FROM ext_stays AS s, LATERAL pricing.quote(s.hotel_id, s.checkin, s.checkin + 2) AS q;
-- and the read privilege is checked in the workers as in the leader
CREATE ROLE regress_ext_nobody;
GRANT SELECT ON ext_stays TO regress_ext_nobody;
SET ROLE regress_ext_nobody;
SELECT count(*), sum(q.total)
  FROM ext_stays AS s, LATERAL pricing.quote(s.hotel_id, s.checkin, s.checkin + 2) AS q;
RESET ROLE;
GRANT pricing_reader TO regress_ext_nobody;
SET ROLE regress_ext_nobody;
SELECT count(*), sum(q.total)
  FROM ext_stays AS s, LATERAL pricing.quote(s.hotel_id, s.checkin, s.checkin + 2) AS q;
RESET ROLE;
-- refresh stays in the leader
EXPLAIN (COSTS OFF) SELECT pricing.refresh(false);
RESET force_parallel_mode;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
RESET enable_memoize;

--
-- Who may change what the worker loads: writing the source tables needs
-- the table privileges (pricing_admin has them, pricing_reader does not);
-- a SECURITY DEFINER function lends its owner's read privilege, as it would
-- for the tables themselves.
--
REVOKE pricing_reader FROM regress_ext_nobody;
CREATE ROLE regress_ext_admin;
GRANT pricing_admin TO regress_ext_admin;
CREATE ROLE regress_ext_reader;
GRANT pricing_reader TO regress_ext_reader;
SET ROLE regress_ext_reader;
SELECT expect_error($$INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (5001, 1, current_date + 211, 0)$$);
SELECT expect_error($$UPDATE pricing.rate SET price = 0 WHERE hotel_id = 5003$$);
SELECT expect_error($$DELETE FROM pricing.discount WHERE hotel_id = 5003$$);
SELECT expect_error($$TRUNCATE pricing.fee$$);
SELECT expect_error($$SELECT pricing.refresh(true)$$);
RESET ROLE;
SET ROLE regress_ext_admin;
UPDATE pricing.rate SET price = 110.00 WHERE hotel_id = 0;
SELECT pricing.refresh(true) > 0;
SELECT room_id, total FROM pricing.quote(0, current_date + 200, current_date + 202);
UPDATE pricing.rate SET price = 100.00 WHERE hotel_id = 0;
SELECT pricing.refresh(true) > 0;
RESET ROLE;
CREATE FUNCTION ext_definer(p_hotel bigint) RETURNS numeric
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$ SELECT min(total) FROM pricing.quote(p_hotel, current_date + 200, current_date + 202) $$;
SET ROLE regress_ext_nobody;
SELECT expect_error($$SELECT * FROM pricing.quote(5003, current_date + 200, current_date + 202)$$);
SELECT ext_definer(5003);
RESET ROLE;

--
-- Nothing leaks: after a warm-up, 40000 more calls (some failing) leave
-- this backend's memory as it was; nothing stays pinned.
--
CREATE FUNCTION ext_calls(n int) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  c bigint := 0;
BEGIN
  FOR i IN 1..n LOOP
    c := c + (SELECT count(*) FROM pricing.cheapest('Extremia', current_date + 200, current_date + 201 + i % 5,
                                                   max_total => i % 300));
    c := c + (SELECT count(*) FROM pricing.quote((ARRAY[5001, 5002, 5003, 0])[1 + i % 4],
                                                current_date + 200, current_date + 201 + i % 5));
    IF i % 20 = 0 THEN
      BEGIN
        PERFORM * FROM pricing.quote(5002, current_date + 200, current_date + 200 + i % 2);
      EXCEPTION WHEN invalid_parameter_value THEN
        c := c + 1;
      END;
    END IF;
  END LOOP;
  RETURN c;
END
$$;
CREATE FUNCTION ext_memory() RETURNS bigint
LANGUAGE sql
AS $$ SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts $$;
SELECT ext_calls(1000) > 0 AS warm;
SELECT ext_memory() AS before \gset
-- 20000 rounds: cheapest with max_total i % 300 finds 5001 (0.00) always,
-- 5003 (60.00 a night) when i % 300 >= 60 * nights, the four 100.00 hotels
-- when i % 300 >= 100 * nights; quote finds 1 room, or 2 at 5002; and one
-- round in 20 a stay of 0 nights fails
SELECT ext_calls(20000) AS rows;
SELECT ext_memory() - :before < 65536 AS no_growth;
SELECT readers, generations <= 2 AS at_most_two, last_error FROM pricing.status;
SELECT count(*) AS rates_of_5016 FROM pricing.rate WHERE hotel_id = 5016;

DROP MATERIALIZED VIEW ext_matview;
DROP VIEW ext_view;
DROP TABLE ext_booking;
DROP TABLE ext_stays;
DROP FUNCTION ext_price_booking();
DROP FUNCTION ext_sql(text);
DROP FUNCTION ext_cursor(bigint);
DROP FUNCTION ext_top(text, int);
DROP FUNCTION ext_sum(text, int);
DROP FUNCTION ext_definer(bigint);
DROP FUNCTION ext_calls(int);
DROP FUNCTION ext_memory();
DROP ROLE regress_ext_nobody;
DROP ROLE regress_ext_admin;
DROP ROLE regress_ext_reader;
DROP FUNCTION ext_long_city();
DROP FUNCTION ext_city(text);
