--
-- cheapest: ordering, ties, max_results, min_stars, max_total, city match,
-- the loaded window, result types.
--
-- Hotels 2001..2099 in 'Cheapville' (and one in 'cheapville').  vat 0 and no
-- fees unless said otherwise, so totals are easy to check.  Dates are
-- relative to current_date; nights + 100 .. + 104 at these prices:
--
--   hotel  stars  room: price                 notes
--   2001   3      1: 120.00
--   2002   4      1: 100.00
--   2003   2      1: 100.00
--   2004   5      5: 90.00, 2: 95.00, 3: 90.00 rooms 3 and 5 tie: room 3
--   2005   0      1: 80.00                    max_guests 1
--   2006   1      1: 150.00                   city_tax 1.00, currency CHF
--   2007   3      1: 100.00                   night + 101 sold out
--   2008   5      1: 50.00                    city 'cheapville'
--   2010   4      1: 110.00                   discount 10% -> 99.00 a night
--
INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, city_tax) VALUES
  (2001, 'Cheapville', 'Alpha',   3, 'EUR', 0),
  (2002, 'Cheapville', 'Bravo',   4, 'EUR', 0),
  (2003, 'Cheapville', 'Charlie', 2, 'EUR', 0),
  (2004, 'Cheapville', 'Delta',   5, 'EUR', 0),
  (2005, 'Cheapville', 'Echo',    0, 'EUR', 0),
  (2006, 'Cheapville', 'Foxtrot', 1, 'CHF', 1.00),
  (2007, 'Cheapville', 'Golf',    3, 'EUR', 0),
  (2008, 'cheapville', 'Hotel',   5, 'EUR', 0),
  (2010, 'Cheapville', 'Juliet',  4, 'EUR', 0);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (2001, 1, 'double', 2),
  (2002, 1, 'double', 2),
  (2003, 1, 'double', 2),
  (2004, 5, 'double', 2),
  (2004, 2, 'double', 2),
  (2004, 3, 'double', 2),
  (2005, 1, 'single', 1),
  (2006, 1, 'double', 2),
  (2007, 1, 'double', 2),
  (2008, 1, 'double', 2),
  (2010, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT r.hotel_id, r.room_id, current_date + k,
       CASE r.hotel_id
         WHEN 2001 THEN 120.00
         WHEN 2004 THEN CASE r.room_id WHEN 2 THEN 95.00 ELSE 90.00 END
         WHEN 2005 THEN 80.00
         WHEN 2006 THEN 150.00
         WHEN 2008 THEN 50.00
         WHEN 2010 THEN 110.00
         ELSE 100.00
       END,
       CASE WHEN r.hotel_id = 2007 AND k = 101 THEN 0 ELSE 1 END
FROM pricing.room r, generate_series(100, 104) AS k
WHERE r.hotel_id BETWEEN 2001 AND 2099;
INSERT INTO pricing.discount (hotel_id, percent) VALUES (2010, 10);

-- Hotel 2002 also has rates far from the others: 30 days ago, from
-- + 370 to + 409 (running past the loaded window, pricing.horizon_days = 400)
-- and at + 450 (beyond it).
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 2002, 1, current_date + k, 100.00
FROM generate_series(-30, -28) AS k;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 2002, 1, current_date + k, 100.00
FROM generate_series(370, 409) AS k;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 2002, 1, current_date + k, 100.00
FROM generate_series(450, 452) AS k;

SELECT pricing.refresh(true) > 0;

-- 1 night at + 100, 2 guests (defaults: guests 2, max_results 10):
--   2004 90.00 (room 3: rooms 3 and 5 tie at 90.00, the lowest room_id wins)
--   2010 99.00 (110.00 - 10%)
--   2002, 2003, 2007 tie at 100.00: by hotel_id
--   2001 120.00
--   2006 152.00 (150.00 + city tax 1.00 * 2 guests)
--   2005 takes 1 guest only; 2008 is in 'cheapville'
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101);

-- max_results 0: no rows
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 0);
-- max_results 1: the cheapest only
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 1);
-- max_results 3 cuts inside the tie at 100.00: 2002 is in, 2003 and 2007 are not
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 3);
-- max_results 5 cuts after the tie
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 5);
-- max_results 10000: all 7
SELECT * FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10000);

-- min_stars 3: 2004 (5), 2010 (4), 2002 (4), 2007 (3), 2001 (3);
-- not 2003 (2 stars) nor 2006 (1 star)
SELECT hotel_id, stars, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 3);
-- min_stars 5: 2004 only
SELECT hotel_id, stars, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 5);
-- min_stars 6: nobody
SELECT hotel_id, stars, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 6);

-- max_total is an inclusive bound
-- 100.00: 2004, 2010, and all three at exactly 100.00
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, 100.00);
-- 99.99: 2004, 2010
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, 99.99);
-- 99 (= 99.00, the total of 2010): 2004, 2010
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, 99);
-- 98.999: 2004 only
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, 98.999);
-- 0: nobody
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, 0);
-- NULL: no bound, all 7
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 0, NULL);
-- min_stars and max_total together: 4 stars or more and at most 100.00:
-- 2004, 2010, 2002
SELECT hotel_id, stars, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 2, 10, 4, 100.00);

-- 1 guest: 2005 (80.00) comes first; 2006 pays city tax for 1 guest: 151.00
SELECT hotel_id, room_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 1);

-- 2 nights (+ 100, + 101): 2007 is sold out on + 101 and drops out;
-- 2004 180.00 (room 3), 2010 198.00, 2002 200.00, 2003 200.00,
-- 2001 240.00, 2006 304.00
SELECT hotel_id, room_id, total
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 102);
-- 3 nights from + 102, after the sold-out night: 2007 is back at 300.00
SELECT hotel_id, room_id, total
FROM pricing.cheapest('Cheapville', current_date + 102, current_date + 105);
-- + 104 .. + 106: no rates for + 105: nobody
SELECT hotel_id, room_id, total
FROM pricing.cheapest('Cheapville', current_date + 104, current_date + 106);

-- The city is matched exactly and case-sensitively
SELECT hotel_id, name, total
FROM pricing.cheapest('cheapville', current_date + 100, current_date + 101);
SELECT hotel_id, name, total
FROM pricing.cheapest('CHEAPVILLE', current_date + 100, current_date + 101);
SELECT hotel_id, name, total
FROM pricing.cheapest('Cheap', current_date + 100, current_date + 101);
SELECT hotel_id, name, total
FROM pricing.cheapest('Cheapville ', current_date + 100, current_date + 101);
-- unknown city: no rows, no error
SELECT hotel_id, name, total
FROM pricing.cheapest('Atlantis', current_date + 100, current_date + 101);
SELECT hotel_id, name, total
FROM pricing.cheapest('', current_date + 100, current_date + 101);

-- The loaded window.  Inside it: 15 nights from + 370 at 100.00 (hotel 2002)
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 370, current_date + 385);
-- 30 days ago: rates exist but are not loaded: no rows
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date - 30, current_date - 28);
-- + 395 .. + 409 runs past the window: no rows
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 395, current_date + 410);
-- + 450: beyond the window: no rows
SELECT hotel_id, total
FROM pricing.cheapest('Cheapville', current_date + 450, current_date + 452);

-- Result types; total has scale 2
SELECT pg_typeof(hotel_id) AS hotel_id, pg_typeof(name) AS name,
       pg_typeof(stars) AS stars, pg_typeof(room_id) AS room_id,
       pg_typeof(total) AS total, pg_typeof(currency) AS currency
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101)
LIMIT 1;
SELECT hotel_id, total, scale(total) AS scale
FROM pricing.cheapest('Cheapville', current_date + 100, current_date + 101, 1, 100);
-- the declared result columns
SELECT pg_get_function_result('pricing.cheapest'::regproc);
