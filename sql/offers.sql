--
-- offers: the price of an offer (1.1) and pricing.search, pricing.offers and
-- pricing.explain (doc/reference.md), rule by rule, on small hand-built
-- hotels.
--
-- Every expected number is worked out in the comment above its query, so a
-- reader can check it by hand.  Hotels 11001..11099 in the cities
-- Planbury, Convertia, Tiebury, Boardham, Cancelton and Oldtown.  Dates are
-- relative to current_date and printed as offsets from it (a check-in of
-- current_date + 30 is 30); so are free_cancel_until and explain's night.
-- Unless said otherwise a party is 2 adults, no children, booking today.
--
-- The exchange rates are the suite's own: the rows other suites left are
-- kept aside and put back at the end.
--

-- The loaded window is the nights from yesterday to + horizon_days, as the
-- worker counts days; its "today" may differ from this session's (time
-- zones), so the tests at its edges take them from pricing.status (below).
SHOW pricing.horizon_days;

--
-- Shorthands: the same functions with dates as offsets from current_date
-- (ci, co and the booking date b), in the functions' own order.
--
CREATE FUNCTION offers_at(hotel bigint, ci int, co int, adults int DEFAULT 2,
                          children int[] DEFAULT '{}', b int DEFAULT 0)
RETURNS TABLE (room_id int, plan_id int, plan_name text, board text, fcu int,
               nights int, base numeric, extra numeric, discount numeric,
               board_fees numeric, fees numeric, vat numeric, city_tax numeric,
               total numeric, currency char(3))
LANGUAGE sql
AS $$
  SELECT o.room_id, o.plan_id, o.plan_name, o.board,
         o.free_cancel_until - current_date, o.nights, o.base, o.extra,
         o.discount, o.board_fees, o.fees, o.vat, o.city_tax, o.total, o.currency
  FROM pricing.offers(hotel, current_date + ci, current_date + co, adults, children,
                      current_date + b) WITH ORDINALITY
         AS o(room_id, plan_id, plan_name, board, free_cancel_until, nights, base,
              extra, discount, board_fees, fees, vat, city_tax, total, currency, ord)
  ORDER BY o.ord
$$;

CREATE FUNCTION explain_at(hotel bigint, ci int, co int, adults int DEFAULT 2,
                           children int[] DEFAULT '{}', b int DEFAULT 0)
RETURNS TABLE (room_id int, plan_id int, reason text, night int)
LANGUAGE sql
AS $$
  SELECT e.room_id, e.plan_id, e.reason, e.night - current_date
  FROM pricing.explain(hotel, current_date + ci, current_date + co, adults, children,
                       current_date + b) WITH ORDINALITY
         AS e(room_id, plan_id, reason, night, ord)
  ORDER BY e.ord
$$;

CREATE TEMP TABLE saved_exchange_rate AS SELECT * FROM pricing.exchange_rate;
DELETE FROM pricing.exchange_rate;

--
-- 11001: eligibility.  One room (max_guests 2, max_infants 1), 50.00 a
-- night from - 2 to + 40 and from + 395 to + 404, except:
--   + 21  min_stay 3
--   + 22  max_stay 2
--   + 23  closed_to_arrival
--   + 25  available 0                (sold out)
--   + 27  no rate row
--   + 29  closed_to_departure
--   + 33  closed_to_arrival, min_stay 3, max_stay 1
--   + 34  min_stay 3, max_stay 1
--   + 35  max_stay 1
--   + 37  closed_to_departure
--   + 398 .. + 404 closed_to_departure   (around the window's last night)
-- Plans: 0 standard (no rate_plan row);
--   1 'stay 3 to 5'  min_stay 3, max_stay 5
--   2 'early'        min_stay 2, min_days_ahead 10
--   3 'late'         max_stay 4, max_days_ahead 5
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11001, 'Planbury', 'Rules');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (11001, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, max_stay,
                          closed_to_arrival, closed_to_departure)
SELECT 11001, 1, current_date + k, 50.00,
       CASE k WHEN 25 THEN 0 ELSE 1 END,
       CASE WHEN k IN (21, 33, 34) THEN 3 ELSE 1 END,
       CASE WHEN k = 22 THEN 2 WHEN k IN (33, 34, 35) THEN 1 END,
       k IN (23, 33),
       k IN (29, 37) OR k >= 398
FROM generate_series(-2, 404) AS k
WHERE (k <= 40 OR k >= 395) AND k <> 27;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, min_stay, max_stay, min_days_ahead, max_days_ahead) VALUES
  (11001, 1, 'stay 3 to 5', 3, 5, NULL, NULL),
  (11001, 2, 'early', 2, NULL, 10, NULL),
  (11001, 3, 'late', 1, 4, NULL, 5);

--
-- 11002: capacity and a room's own plan.  Room 1: max_guests 2,
-- max_infants 0, 60.00 a night; room 2: max_guests 4, max_infants 2, 90.00.
-- Plan 5 'family deal' only for room 2, adjust_percent -10.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11002, 'Planbury', 'Rooms');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, max_infants) VALUES
  (11002, 1, 'double', 2, 0),
  (11002, 2, 'family', 4, 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11002, r, current_date + k, CASE r WHEN 1 THEN 60.00 ELSE 90.00 END
FROM generate_series(1, 2) AS r, generate_series(30, 31) AS k;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, adjust_percent) VALUES
  (11002, 5, 'family deal', 2, -10);

--
-- 11010, 11011, 11012: the party by the hotel's ages.  The same room in
-- each: max_guests 6, max_infants 2, base_guests 1, extra_guest_fee 20.00,
-- extra_child_fee 5.00, 100.00 a night at + 30; city_tax 1.00 (adults
-- only); a fee of 2.00 per guest per night (occupants only).
--   11010  infant_age 2, child_age 12 (the defaults)
--   11011  infant_age 0, child_age 18: every child is a young child
--   11012  infant_age 4, child_age 4: no young children
-- For one night and a party of A adults, C young children and infants:
--   extra    = (A - 1) * 20.00 + C * 5.00   (A >= 1: no spare base guest)
--   fees     = 2.00 * (A + C)
--   city_tax = 1.00 * A
--   total    = 100.00 + extra + fees + city_tax = 80.00 + 23.00 A + 7.00 C
-- and infants cost nothing.
--
INSERT INTO pricing.hotel (hotel_id, city, name, city_tax, infant_age, child_age) VALUES
  (11010, 'Planbury', 'Ages 2 and 12', 1.00, 2, 12),
  (11011, 'Planbury', 'Ages 0 and 18', 1.00, 0, 18),
  (11012, 'Planbury', 'Ages 4 and 4', 1.00, 4, 4);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, max_infants, base_guests,
                          extra_guest_fee, extra_child_fee)
SELECT h, 1, 'family', 6, 2, 1, 20.00, 5.00 FROM generate_series(11010, 11012) AS h;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT h, 1, current_date + 30, 100.00 FROM generate_series(11010, 11012) AS h;
INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT h, 'towels', 2.00, 'guest_night' FROM generate_series(11010, 11012) AS h;

--
-- 11013: extra for adults and young children.  Three rooms for 6 with
-- base_guests 3, extra_guest_fee 20.00, and extra_child_fee NULL (room 1:
-- the young children pay extra_guest_fee), 5.00 (room 2), 0.00 (room 3);
-- 100.00 a night at + 30 and + 31.  Default ages (2 and 12).
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11013, 'Planbury', 'Extra');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee, extra_child_fee) VALUES
  (11013, 1, 'child fee null', 6, 3, 20.00, NULL),
  (11013, 2, 'child fee 5', 6, 3, 20.00, 5.00),
  (11013, 3, 'child fee 0', 6, 3, 20.00, 0.00);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11013, r, current_date + k, 100.00 FROM generate_series(1, 3) AS r, generate_series(30, 31) AS k;

--
-- 11014: occupancy.  One room for 4 (base_guests 4), 33.30 a night from
-- + 30 to + 32 (rack 99.90 for those 3 nights).  Occupancy rows: 1
-- occupant -15%, 3 occupants +5%, 4 occupants -100%; none for 2.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11014, 'Planbury', 'Occupancy');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests) VALUES (11014, 1, 'quad', 4, 4);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11014, 1, current_date + k, 33.30 FROM generate_series(30, 32) AS k;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES
  (11014, 1, 1, -15), (11014, 1, 3, 5), (11014, 1, 4, -100);

--
-- 11015: plan adjustments.  One room for 2, 80.05 a night at + 30 and
-- + 31 (rack 160.10); occupancy row for 2 occupants +10%:
-- occupied = round(160.10 * 110 / 100, 2) = 176.11.  A fee of 3.00 per stay.
-- Plans (adjust_percent, adjust_amount per night):
--   1 'half price'  -50,   0
--   2 'minus 15.50'   0, -15.50
--   3 'plus'         10,   2.25
--   4 'free'       -100,   0
--   5 'giveaway'      0, -1000.00
--   6 'floor plus' -100,   5.00
--   7 'minus 88.06'   0, -88.06
--   8 'minus 88.05'   0, -88.05
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11015, 'Planbury', 'Adjust');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (11015, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11015, 1, current_date + k, 80.05 FROM generate_series(30, 31) AS k;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES (11015, 1, 2, 10);
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (11015, 'booking', 3.00, 'stay');
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, adjust_percent, adjust_amount) VALUES
  (11015, 1, 'half price', -50, 0),
  (11015, 2, 'minus 15.50', 0, -15.50),
  (11015, 3, 'plus', 10, 2.25),
  (11015, 4, 'free', -100, 0),
  (11015, 5, 'giveaway', 0, -1000.00),
  (11015, 6, 'floor plus', -100, 5.00),
  (11015, 7, 'minus 88.06', 0, -88.06),
  (11015, 8, 'minus 88.05', 0, -88.05);

--
-- 11016: discounts by plan.  Rooms 1 and 2, 100.00 a night at + 30 and
-- + 31; plans 0 (standard), 1 'member', 2 'promo'.  Discounts:
--   5%  every plan (plan_id NULL)
--  10%  plan 0
--  20%  plan 1
--  15%  plan 1
--  30%  plan 1, room 2
--  50%  plan 9 (the hotel has no plan 9: never applies)
--  40%  plan 2, min_nights 2
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11016, 'Planbury', 'Plan discounts');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (11016, 1, 'one', 2), (11016, 2, 'two', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11016, r, current_date + k, 100.00 FROM generate_series(1, 2) AS r, generate_series(30, 31) AS k;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name) VALUES
  (11016, 1, 'member'), (11016, 2, 'promo');
INSERT INTO pricing.discount (hotel_id, room_id, plan_id, percent, min_nights) VALUES
  (11016, NULL, NULL, 5, 1),
  (11016, NULL, 0, 10, 1),
  (11016, NULL, 1, 20, 1),
  (11016, NULL, 1, 15, 1),
  (11016, 2, 1, 30, 1),
  (11016, NULL, 9, 50, 1),
  (11016, NULL, 2, 40, 2);

--
-- 11017: board fees and fees per guest and night count the occupants (not
-- the infants).  One room for 4 (base_guests 4), 100.00 a night at + 30
-- and + 31; vat_percent 7.50.  Fees: 20.00 per stay, 1.50 per guest per
-- night.  Plan 1 'with breakfast': breakfast, 12.35 per occupant per night.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (11017, 'Planbury', 'Board fees', 7.50);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests) VALUES (11017, 1, 'quad', 4, 4);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 11017, 1, current_date + k, 100.00 FROM generate_series(30, 31) AS k;
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES
  (11017, 'cleaning', 20.00, 'stay'), (11017, 'linen', 1.50, 'guest_night');
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee) VALUES
  (11017, 1, 'with breakfast', 'breakfast', 12.35);

--
-- 11018: VAT rounding, vat_percent 19.  Room 1 at 1.50, room 2 at 103.50 a
-- night (+ 30); plan 1 'breakfast' with a board fee of 0.50 per occupant.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (11018, 'Planbury', 'VAT', 19);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (11018, 1, 'a', 2), (11018, 2, 'b', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (11018, 1, current_date + 30, 1.50), (11018, 2, current_date + 30, 103.50);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee) VALUES
  (11018, 1, 'breakfast', 'breakfast', 0.50);

--
-- Convertia: currencies.  One room for 2 in each hotel, one night at + 30:
--   11020 'Euro'    EUR     100.00
--   11021 'Dollar'  USD     110.05
--   11022 'Pound'   GBP      80.00
--   11023 'Franc'   CHF      90.00   (CHF has no exchange rate)
--   11024 'Yen'     JPY   16000.00
-- Exchange rates (per_unit): EUR 1, USD 0.9, GBP 1.25, JPY 0.0062, PLN 0.2.
--
INSERT INTO pricing.exchange_rate (currency, per_unit) VALUES
  ('EUR', 1), ('USD', 0.9), ('GBP', 1.25), ('JPY', 0.0062), ('PLN', 0.2);
INSERT INTO pricing.hotel (hotel_id, city, name, currency) VALUES
  (11020, 'Convertia', 'Euro', 'EUR'),
  (11021, 'Convertia', 'Dollar', 'USD'),
  (11022, 'Convertia', 'Pound', 'GBP'),
  (11023, 'Convertia', 'Franc', 'CHF'),
  (11024, 'Convertia', 'Yen', 'JPY');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests)
SELECT h, 1, 'double', 2 FROM generate_series(11020, 11024) AS h;
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (11020, 1, current_date + 30, 100.00),
  (11021, 1, current_date + 30, 110.05),
  (11022, 1, current_date + 30, 80.00),
  (11023, 1, current_date + 30, 90.00),
  (11024, 1, current_date + 30, 16000.00);

--
-- Tiebury: which offer represents a hotel.  One night at + 30.
-- 11026 (USD): room 1 at 100.00, room 2 at 90.00; plans 1 'deal one' and
--   2 'deal two', both for room 1 only, adjust_amount -10.00: (1,1), (1,2)
--   and (2,0) all cost 90.00.
-- 11027 (JPY): room 1 at 1000.01, room 2 at 1000.00; both convert to
--   6.20 EUR (6.200062 and 6.2).
--
INSERT INTO pricing.hotel (hotel_id, city, name, currency) VALUES
  (11026, 'Tiebury', 'Ties', 'USD'),
  (11027, 'Tiebury', 'Near ties', 'JPY');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (11026, 1, 'one', 2), (11026, 2, 'two', 2), (11027, 1, 'one', 2), (11027, 2, 'two', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (11026, 1, current_date + 30, 100.00), (11026, 2, current_date + 30, 90.00),
  (11027, 1, current_date + 30, 1000.01), (11027, 2, current_date + 30, 1000.00);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, adjust_amount) VALUES
  (11026, 1, 'deal one', 1, -10.00), (11026, 2, 'deal two', 1, -10.00);

--
-- Boardham: boards.  One room for 2 in each hotel, one night at + 30.
-- 11030: 100.00; plans 1 breakfast (board fee 10.00 per occupant),
--   2 half_board (25.00), 3 full_board (40.00), 4 all_inclusive (60.00).
--   For 2 adults: plan 0 100.00, 1 120.00, 2 150.00, 3 180.00, 4 220.00.
-- 11031: 130.00; plan 0 is 'HB', half_board without a fee (130.00); plan 1
--   all_inclusive at 20.00 per occupant (170.00).
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES
  (11030, 'Boardham', 'Every board'), (11031, 'Boardham', 'Half board');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (11030, 1, 'double', 2), (11031, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (11030, 1, current_date + 30, 100.00), (11031, 1, current_date + 30, 130.00);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee) VALUES
  (11030, 1, 'BB', 'breakfast', 10.00),
  (11030, 2, 'HB', 'half_board', 25.00),
  (11030, 3, 'FB', 'full_board', 40.00),
  (11030, 4, 'AI', 'all_inclusive', 60.00),
  (11031, 0, 'HB', 'half_board', 0),
  (11031, 1, 'AI', 'all_inclusive', 20.00);

--
-- Cancelton: free cancellation.  100.00 a night from + 1 to + 45.
-- 11040, plans:
--   0 'flex'    refundable, cancel_days NULL (until check-in)     100.00
--   1 'saver'   not refundable, adjust_percent -10                 90.00
--   2 'week'    cancel_days 7, adjust_percent -5                   95.00
--   3 'month'   cancel_days 30, adjust_percent -8                  92.00
-- 11041: 50.00 a night, plan 0 'no refund' not refundable.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES
  (11040, 'Cancelton', 'Cancel'), (11041, 'Cancelton', 'No refund');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (11040, 1, 'double', 2), (11041, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT h, 1, current_date + k, CASE h WHEN 11040 THEN 100.00 ELSE 50.00 END
FROM generate_series(11040, 11041) AS h, generate_series(1, 45) AS k;
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, refundable, cancel_days, adjust_percent) VALUES
  (11040, 0, 'flex', true, NULL, 0),
  (11040, 1, 'saver', false, NULL, -10),
  (11040, 2, 'week', true, 7, -5),
  (11040, 3, 'month', true, 30, -8),
  (11041, 0, 'no refund', false, NULL, 0);

--
-- Oldtown: 1.0's cheapest and quote see plan 0 only.  11050: one room for
-- 2, 100.00 a night from + 10 to + 14, night + 14 closed to departure;
-- occupancy row for 1 occupant -20%.  Plan 0 'bed and breakfast':
-- breakfast, board fee 10.00, min_stay 2.  Plan 1 'cheap': adjust_percent
-- -50.  Discounts: 2% every plan, 5% plan 0, 50% plan 1.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11050, 'Oldtown', 'Old');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (11050, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, closed_to_departure)
SELECT 11050, 1, current_date + k, 100.00, k = 14 FROM generate_series(10, 14) AS k;
INSERT INTO pricing.occupancy (hotel_id, room_id, occupants, adjust_percent) VALUES (11050, 1, 1, -20);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, min_stay, adjust_percent) VALUES
  (11050, 0, 'bed and breakfast', 'breakfast', 10.00, 2, 0),
  (11050, 1, 'cheap', 'room_only', 0, 1, -50);
INSERT INTO pricing.discount (hotel_id, plan_id, percent) VALUES
  (11050, NULL, 2), (11050, 0, 5), (11050, 1, 50);

-- 11098: a hotel without rooms
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (11098, 'Planbury', 'No rooms');

SELECT pricing.refresh(true) > 0;

-- The window's first and last nights, as offsets from current_date (f is
-- -1 and l is 400 when the worker's today is this session's)
SELECT first_date - current_date AS f, last_date - current_date AS l FROM pricing.status \gset
SELECT last_date - first_date AS window_last_night FROM pricing.status;

--
-- 11001: eligibility, and the reason explain gives for each rule
--
-- 2 nights from + 30 booked at + 25 (5 days ahead):
--   plan 0 offered; plan 1 2 < min_stay 3; plan 2 5 < min_days_ahead 10;
--   plan 3 5 <= max_days_ahead 5: offered.  100.00 each, free cancellation
--   until check-in (30)
SELECT * FROM explain_at(11001, 30, 32, b => 25);
SELECT * FROM offers_at(11001, 30, 32, b => 25);
-- booked at + 20 (10 days ahead): plan 2 offered (10 >= 10); plan 3 10 > 5
SELECT * FROM explain_at(11001, 30, 32, b => 20);
-- booked at + 24 (6 days ahead): plan 2 6 < 10, plan 3 6 > 5
SELECT * FROM explain_at(11001, 30, 32, b => 24);
-- 1 night booked at + 25: plan 2 breaks its min_stay 2 before its
-- min_days_ahead; plan 1 its min_stay 3
SELECT * FROM explain_at(11001, 30, 31, b => 25);
-- 6 nights booked today (30 days ahead): plan 1 6 > max_stay 5; plan 3
-- 6 > max_stay 4 named before its max_days_ahead
SELECT * FROM explain_at(11001, 30, 36);
-- 5 nights: plan 1 offered (5 <= 5), plan 3 5 > 4; 250.00 each
SELECT * FROM explain_at(11001, 30, 35);
SELECT room_id, plan_id, nights, base, total FROM offers_at(11001, 30, 35);
-- 3 nights: plan 1 offered (3 >= 3), plan 3 booked too early (30 > 5)
SELECT * FROM explain_at(11001, 30, 33);

-- rate min_stay 3 on the arrival night + 21: 2 nights break it (every
-- plan, and before plan 1's own min_stay)
SELECT * FROM explain_at(11001, 21, 23);
-- 3 nights from + 21: fine; + 22's max_stay 2 and + 23's closed to
-- arrival do not matter when they are not the arrival night
SELECT * FROM explain_at(11001, 21, 24);
SELECT room_id, plan_id, total FROM offers_at(11001, 21, 24);
-- rate max_stay 2 on the arrival night + 22: 3 nights break it; 2 are fine
SELECT * FROM explain_at(11001, 22, 25);
SELECT * FROM explain_at(11001, 22, 24);
-- closed to arrival on + 23
SELECT * FROM explain_at(11001, 23, 24);
SELECT count(*) FROM offers_at(11001, 23, 24);
-- + 25 is sold out: a stay over it breaks rule 2 (night 25); one that
-- checks out on it does not (50.00)
SELECT * FROM explain_at(11001, 24, 26);
SELECT count(*) FROM offers_at(11001, 24, 26);
SELECT * FROM explain_at(11001, 24, 25);
SELECT room_id, plan_id, total FROM offers_at(11001, 24, 25);
-- + 27 has no rate row (night 27)
SELECT * FROM explain_at(11001, 26, 28);
SELECT count(*) FROM offers_at(11001, 26, 28);
-- + 29 is closed to departure: checking out on it breaks rule 4 (named
-- before plans 1 and 2's min_stay); staying over it is fine (100.00)
SELECT * FROM explain_at(11001, 28, 29);
SELECT count(*) FROM offers_at(11001, 28, 29);
SELECT * FROM explain_at(11001, 28, 30);
SELECT room_id, plan_id, total FROM offers_at(11001, 28, 30);
-- the window's last night l is closed to departure: checking out on it
-- breaks rule 4
SELECT * FROM explain_at(11001, :l - 2, :l);
-- checking out on l + 1, outside the window: rule 4 does not look at that
-- night (closed to departure in the table): offered, 100.00
SELECT * FROM explain_at(11001, :l - 1, :l + 1);
SELECT room_id, plan_id, nights, total FROM offers_at(11001, :l - 1, :l + 1);
-- night l + 1 is outside the window
SELECT * FROM explain_at(11001, :l, :l + 2);
SELECT count(*) FROM offers_at(11001, :l, :l + 2);
-- night f - 1 is outside the window
SELECT * FROM explain_at(11001, :f - 1, :f + 1);
SELECT count(*) FROM offers_at(11001, :f - 1, :f + 1);
-- from the window's first night, 2 nights, booked a day later (ci - b =
-- -1): plan 2 is booked too late, plan 3 fine (-1 <= 5); 100.00; free
-- cancellation until check-in has passed (NULL)
SELECT * FROM explain_at(11001, :f, :f + 2, b => :f + 1);
SELECT room_id, plan_id, fcu IS NULL AS no_free_cancel, total FROM offers_at(11001, :f, :f + 2, b => :f + 1);

-- the party: 3 adults > max_guests 2
SELECT * FROM explain_at(11001, 30, 32, 3);
-- 1 adult and 2 young children: 3 occupants > 2
SELECT * FROM explain_at(11001, 30, 32, 1, '{5,5}');
-- 2 infants > max_infants 1
SELECT * FROM explain_at(11001, 30, 32, 2, '{0,1}');
-- 1 infant: fine, and outside the capacity: 100.00
SELECT * FROM explain_at(11001, 30, 32, 2, '{1}');
SELECT room_id, plan_id, total FROM offers_at(11001, 30, 32, 2, '{1}');

-- several faults: the first in the order listed
-- closed to arrival (+ 23) and sold out (+ 25): sold_out, night 25
SELECT * FROM explain_at(11001, 23, 26);
-- sold out (+ 25) and no rate (+ 27): no_rate comes first, night 27
SELECT * FROM explain_at(11001, 24, 28);
-- too many guests and infants, and no rate: too_many_guests
SELECT * FROM explain_at(11001, 26, 28, 3, '{0,1}');
-- too many infants and no rate: too_many_infants
SELECT * FROM explain_at(11001, 26, 28, 2, '{0,1}');
-- outside the window and too many guests: outside_window
SELECT * FROM explain_at(11001, :l, :l + 2, 3);
-- + 33 closed to arrival, min_stay 3 and max_stay 1: closed_to_arrival
SELECT * FROM explain_at(11001, 33, 35);
-- + 34 min_stay 3 and max_stay 1, 2 nights: min_stay
SELECT * FROM explain_at(11001, 34, 36);
-- + 35 max_stay 1, 2 nights, and + 37 closed to departure: max_stay
SELECT * FROM explain_at(11001, 35, 37);

-- a hotel without rooms, and an unknown hotel: no rows
SELECT * FROM explain_at(11098, 30, 31);
SELECT * FROM offers_at(11098, 30, 31);
SELECT * FROM explain_at(11099, 30, 31);
SELECT * FROM offers_at(11099, 30, 31);

--
-- 11002: capacity per room; plan 5 belongs to room 2 only (explain has no
-- row for room 1 and plan 5)
--
-- 2 adults: (1,0) 60.00; (2,5) round(90.00 * 90 / 100, 2) = 81.00; (2,0) 90.00
SELECT * FROM explain_at(11002, 30, 31);
SELECT room_id, plan_id, plan_name, base, total FROM offers_at(11002, 30, 31);
-- an infant: room 1 takes none; room 2: 81.00, 90.00
SELECT * FROM explain_at(11002, 30, 31, 2, '{1}');
SELECT room_id, plan_id, total FROM offers_at(11002, 30, 31, 2, '{1}');
-- 3 adults: room 1 takes 2
SELECT * FROM explain_at(11002, 30, 31, 3);
-- 3 infants: room 2 takes 2
SELECT * FROM explain_at(11002, 30, 31, 2, '{0,0,1}');

--
-- 11010, 11011, 11012: ages (total = 80.00 + 23.00 A + 7.00 C, one night)
--
--   party          11010 (2, 12)       11011 (0, 18)       11012 (4, 4)
--   {0}            infant:  103.00     young:   110.00     infant:  103.00
--   {1}            infant:  103.00     young:   110.00     infant:  103.00
--   {2}            young:   110.00     young:   110.00     infant:  103.00
--   {4}            young:   110.00     young:   110.00     adult:   126.00
--   {11}           young:   110.00     young:   110.00     adult:   126.00
--   {12}           adult:   126.00     young:   110.00     adult:   126.00
--   {17}           adult:   126.00     young:   110.00     adult:   126.00
-- a child aged exactly infant_age is a young child, exactly child_age an adult
--   {1,2,11,12}:   11010 A 2, C 2, I 1: extra 20.00 + 10.00 = 30.00,
--                  fees 2.00 * 4 = 8.00, city tax 2.00, total 140.00
--                  11011 A 1, C 4: extra 20.00, fees 10.00, city tax 1.00,
--                  total 131.00
--                  11012 A 3, I 2: extra 40.00, fees 6.00, city tax 3.00,
--                  total 149.00
SELECT p.children, o.hotel, o.extra, o.fees, o.city_tax, o.total
FROM (VALUES (1, '{0}'::int[]), (2, '{1}'), (3, '{2}'), (4, '{4}'), (5, '{11}'),
             (6, '{12}'), (7, '{17}'), (8, '{1,2,11,12}')) AS p(i, children),
     LATERAL (SELECT h AS hotel, x.* FROM generate_series(11010, 11012) AS h,
                     offers_at(h, 30, 31, 1, p.children) AS x) AS o
ORDER BY p.i, o.hotel;
-- two infants (the room takes 2), free: 11010 1 adult: 103.00
SELECT room_id, plan_id, extra, fees, city_tax, total FROM offers_at(11010, 30, 31, 1, '{0,1}');
-- in 11012 ages 0, 1 and 2 are three infants: too many
SELECT * FROM explain_at(11012, 30, 31, 1, '{0,1,2}');
-- in 11011 they are three young children: A 1, C 3: 80.00 + 23.00 + 21.00 = 124.00
SELECT room_id, plan_id, extra, fees, city_tax, total FROM offers_at(11011, 30, 31, 1, '{0,1,2}');
-- 5 adults, a young child and 2 infants: 6 occupants fit; A 5, C 1:
-- extra 80.00 + 5.00, fees 12.00, city tax 5.00: 80.00 + 115.00 + 7.00 = 202.00
SELECT room_id, plan_id, extra, fees, city_tax, total FROM offers_at(11010, 30, 31, 5, '{5,0,1}');
-- 5 adults and 2 young children: 7 occupants, too many
SELECT * FROM explain_at(11010, 30, 31, 5, '{5,6}');

--
-- 11013: extra = (greatest(A - 3, 0) * 20.00
--                 + greatest(C - greatest(3 - A, 0), 0) * child fee) * 2 nights;
-- child fee: room 1 20.00 (NULL: extra_guest_fee), room 2 5.00, room 3 0.00.
-- total = 200.00 + extra.
--   1 adult, 3 young: 2 base places spare, 1 child extra:
--                     room 1 40.00, room 2 10.00, room 3 0.00
--   2 adults, 3 young: 1 spare, 2 extra: room 1 80.00, room 2 20.00, room 3 0.00
--   4 adults, 2 young: 1 adult extra, no spare, 2 children extra:
--                     room 1 (20.00 + 40.00) * 2 = 120.00,
--                     room 2 (20.00 + 10.00) * 2 = 60.00,
--                     room 3 20.00 * 2 = 40.00
--   3 adults:         0.00
--   1 adult, 2 young: 0.00 (both fit the 2 spare places)
--   5 adults:         2 * 20.00 * 2 = 80.00 in every room
--   1 adult, 2 young, 1 infant and a 12-year-old (an adult): A 2, C 2:
--                     1 spare, 1 child extra: room 1 40.00, room 2 10.00, room 3 0.00
SELECT p.adults, p.children, o.room_id, o.extra, o.total
FROM (VALUES (1, 1, '{5,6,7}'::int[]), (2, 2, '{5,6,7}'), (3, 4, '{5,6}'), (4, 3, '{}'),
             (5, 1, '{5,6}'), (6, 5, '{}'), (7, 1, '{5,6,1,12}')) AS p(i, adults, children),
     LATERAL offers_at(11013, 30, 32, p.adults, p.children) AS o
ORDER BY p.i, o.room_id;

--
-- 11014: occupancy (rack 99.90, 3 nights)
--   1 occupant:  round(99.90 * 85 / 100 = 84.915, 2)   =  84.92
--   2 occupants: no row                                  =  99.90
--   3 occupants: round(99.90 * 105 / 100 = 104.895, 2) = 104.90
--   4 occupants: round(99.90 * 0 / 100, 2)              =   0.00
-- occupants are adults and young children, not infants
SELECT p.adults, p.children, o.base, o.total
FROM (VALUES (1, 1, '{}'::int[]), (2, 2, '{}'), (3, 3, '{}'), (4, 4, '{}'),
             (5, 1, '{5,6}'), (6, 2, '{0}'), (7, 1, '{0}'), (8, 2, '{5,1}')) AS p(i, adults, children),
     LATERAL offers_at(11014, 30, 33, p.adults, p.children) AS o
ORDER BY p.i;

--
-- 11015: plan adjustments, 2 nights, occupied 176.11, total = base + 3.00
--   0 standard                                             176.11   179.11
--   1 round(176.11 * 50 / 100 = 88.055, 2)                  88.06    91.06
--   2 176.11 - 15.50 * 2                                   145.11   148.11
--   3 round(176.11 * 110 / 100 = 193.721, 2) + 2.25 * 2    198.22   201.22
--   4 round(176.11 * 0 / 100, 2) + 0                         0.00     3.00
--   5 176.11 - 1000.00 * 2 < 0                               0.00     3.00
--   6 0.00 + 5.00 * 2                                       10.00    13.00
--   7 176.11 - 88.06 * 2 = -0.01 < 0                         0.00     3.00
--   8 176.11 - 88.05 * 2 = 0.01                               0.01     3.01
-- ordered by total, then plan_id: 4, 5, 7, 8, 6, 1, 2, 0, 3
SELECT room_id, plan_id, plan_name, base, fees, total FROM offers_at(11015, 30, 32);

--
-- 11016: discounts by plan; the largest that applies, never added up
-- 1 night (subtotal 100.00):
--   (1,0) 5, 10        -> 10%  90.00     (2,0) 5, 10          -> 10%  90.00
--   (1,1) 5, 20, 15    -> 20%  80.00     (2,1) 5, 20, 15, 30  -> 30%  70.00
--   (1,2) 5            ->  5%  95.00     (2,2) 5              ->  5%  95.00
SELECT room_id, plan_id, discount, total FROM offers_at(11016, 30, 31);
-- 2 nights (subtotal 200.00): plan 2 gets its 40% (min_nights 2): 120.00;
--   (2,1) 140.00, (1,1) 160.00, (1,0) and (2,0) 180.00
SELECT room_id, plan_id, discount, total FROM offers_at(11016, 30, 32);

--
-- 11017: 2 adults, a young child and an infant: 3 occupants, 2 nights
--   plan 0: fees 20.00 + 1.50 * 3 * 2 = 29.00; net 229.00;
--           vat round(229.00 * 7.5 / 100 = 17.175, 2) = 17.18; total 246.18
--   plan 1: board_fees 12.35 * 3 * 2 = 74.10; net 200.00 + 74.10 + 29.00 = 303.10;
--           vat round(22.7325, 2) = 22.73; total 325.83
SELECT * FROM offers_at(11017, 30, 32, 2, '{5,1}');

--
-- 11018: vat = round(net * 19 / 100, 2), half away from zero (1 adult)
--   (1,0) net 1.50:            0.285  ->  0.29, total   1.79
--   (1,1) net 1.50 + 0.50:     0.38,            total   2.38
--   (2,0) net 103.50:         19.665  -> 19.67, total 123.17
--   (2,1) net 104.00:         19.76,            total 123.76
-- 2 adults (board fees 1.00):
--   (1,1) net 2.50:            0.475  ->  0.48, total   2.98
--   (2,1) net 104.50:         19.855  -> 19.86, total 124.36
SELECT room_id, plan_id, board_fees, vat, total FROM offers_at(11018, 30, 31, 1);
SELECT room_id, plan_id, board_fees, vat, total FROM offers_at(11018, 30, 31, 2);

--
-- Convertia: currencies (round(total * s.per_unit / t.per_unit, 2))
--
-- without a currency: each hotel's own, ranked by the bare number (the CHF
-- hotel too)
SELECT hotel_id, name, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31);
-- in EUR:
--   11020 100.00 unchanged                                       100.00
--   11021 round(110.05 * 0.9 / 1 = 99.045, 2)                     99.05
--   11022 80.00 * 1.25                                           100.00
--   11023 CHF has no rate: left out
--   11024 16000.00 * 0.0062                                        99.20
-- ranked by the converted total, ties by hotel_id: 11021, 11024, 11020, 11022
SELECT hotel_id, name, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'EUR');
-- in USD:
--   11020 100.00 / 0.9 = 111.111...                              111.11
--   11021 110.05 unchanged                                       110.05
--   11022 100.00 / 0.9                                           111.11
--   11024 99.20 / 0.9 = 110.222...                               110.22
SELECT hotel_id, name, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'USD');
-- in PLN (0.2):
--   11020 100.00 / 0.2                                           500.00
--   11021 round(99.045 / 0.2 = 495.225, 2)                       495.23
--   11022 100.00 / 0.2                                           500.00
--   11024 99.20 / 0.2                                            496.00
SELECT hotel_id, name, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'PLN');
-- in JPY (0.0062):
--   11020 100.00 / 0.0062 = 16129.0322...                      16129.03
--   11021 99.045 / 0.0062                                       15975.00
--   11022 100.00 / 0.0062                                      16129.03
--   11024 16000.00 unchanged                                    16000.00
SELECT hotel_id, name, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'JPY');
-- max_total applies to the converted total: EUR 99.05 takes 11021 only,
-- 99.04 none, 100.00 all four
SELECT hotel_id, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, max_total => 99.05, currency => 'EUR');
SELECT hotel_id, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, max_total => 99.04, currency => 'EUR');
SELECT hotel_id, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, max_total => 100.00, currency => 'EUR');
-- without a currency, max_total 100 is the bare number: 11022, 11023, 11020
SELECT hotel_id, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, max_total => 100);
-- max_results 2 in EUR: 11021, 11024
SELECT hotel_id, total, currency
FROM pricing.search('Convertia', current_date + 30, current_date + 31, max_results => 2, currency => 'EUR');
-- CHF has no rate: no rows at all, though 11023 prices in CHF
SELECT count(*) FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'CHF');
-- an unknown currency: no rows, no error
SELECT count(*) FROM pricing.search('Convertia', current_date + 30, current_date + 31, currency => 'XYZ');
-- offers are in the hotel's own currency
SELECT room_id, plan_id, total, currency FROM offers_at(11021, 30, 31);
SELECT room_id, plan_id, total, currency FROM offers_at(11023, 30, 31);

--
-- Tiebury: the best offer is chosen in the hotel's own currency
--
-- 11026 (USD): (1,1), (1,2) and (2,0) all 90.00: the lowest room_id, then
--   plan_id: (1,1); in EUR 90.00 * 0.9 = 81.00
-- 11027 (JPY): room 2 at 1000.00 is cheaper than room 1 at 1000.01 (both
--   6.20 in EUR: it is still room 2)
SELECT room_id, plan_id, total FROM offers_at(11026, 30, 31);
SELECT hotel_id, room_id, plan_id, plan_name, total, currency
FROM pricing.search('Tiebury', current_date + 30, current_date + 31);
SELECT hotel_id, room_id, plan_id, plan_name, total, currency
FROM pricing.search('Tiebury', current_date + 30, current_date + 31, currency => 'EUR');

--
-- Boardham: min_board (room_only < breakfast < half_board < full_board < all_inclusive)
--
--   room_only:     11030 plan 0 100.00, 11031 plan 0 (HB) 130.00
--   breakfast:     11030 plan 1 120.00, 11031 plan 0 130.00
--   half_board:    11031 plan 0 130.00, 11030 plan 2 150.00
--   full_board:    11031 plan 1 170.00, 11030 plan 3 180.00
--   all_inclusive: 11031 plan 1 170.00, 11030 plan 4 220.00
SELECT b.min_board, s.hotel_id, s.plan_id, s.plan_name, s.board, s.total
FROM (VALUES (1, 'room_only'), (2, 'breakfast'), (3, 'half_board'), (4, 'full_board'),
             (5, 'all_inclusive')) AS b(i, min_board),
     LATERAL pricing.search('Boardham', current_date + 30, current_date + 31,
                            min_board => b.min_board) WITH ORDINALITY AS s
ORDER BY b.i, s.ordinality;

--
-- Cancelton: free_cancel_until = ci - coalesce(cancel_days, 0) when
-- refundable and not before the booking date
--
-- check-in + 20: flex until 20, saver never, week until 13, month
-- 20 - 30 = -10 is past (NULL)
SELECT room_id, plan_id, plan_name, fcu, total FROM offers_at(11040, 20, 21);
-- booked at + 20, the check-in day: flex still until 20, week's 13 is past
SELECT room_id, plan_id, plan_name, fcu, total FROM offers_at(11040, 20, 21, b => 20);
-- booked at + 21, after check-in: no free cancellation at all
SELECT room_id, plan_id, plan_name, fcu, total FROM offers_at(11040, 20, 21, b => 21);
-- search: the cheapest offer (11041's 50.00, then saver's 90.00), or with
-- free_cancellation the cheapest that has one: week 95.00 until 13
SELECT hotel_id, plan_id, plan_name, free_cancel_until - current_date AS fcu, total
FROM pricing.search('Cancelton', current_date + 20, current_date + 21);
SELECT hotel_id, plan_id, plan_name, free_cancel_until - current_date AS fcu, total
FROM pricing.search('Cancelton', current_date + 20, current_date + 21, free_cancellation => true);
-- check-in + 40: month until 10, 92.00
SELECT hotel_id, plan_id, plan_name, free_cancel_until - current_date AS fcu, total
FROM pricing.search('Cancelton', current_date + 40, current_date + 41, free_cancellation => true);
-- check-in + 30: month until today (0), still free: 92.00
SELECT hotel_id, plan_id, plan_name, free_cancel_until - current_date AS fcu, total
FROM pricing.search('Cancelton', current_date + 30, current_date + 31, free_cancellation => true);
-- check-in + 29: month's deadline was yesterday: week 95.00 until 22
SELECT hotel_id, plan_id, plan_name, free_cancel_until - current_date AS fcu, total
FROM pricing.search('Cancelton', current_date + 29, current_date + 30, free_cancellation => true);

--
-- Oldtown: cheapest and quote are plan 0 with guests adults
--
-- 2 nights, 2 guests: base 200.00, discount 5% (plan 0's, larger than the
-- 2% of every plan; not plan 1's 50%) = 10.00, fees = board fees
-- 10.00 * 2 * 2 = 40.00; total 230.00
SELECT * FROM pricing.quote(11050, current_date + 10, current_date + 12, 2);
-- 1 guest: occupancy -20%: base 160.00, discount 8.00, fees 20.00; total 172.00
SELECT * FROM pricing.quote(11050, current_date + 10, current_date + 12, 1);
SELECT hotel_id, room_id, total, currency FROM pricing.cheapest('Oldtown', current_date + 10, current_date + 12);
SELECT hotel_id, room_id, total, currency FROM pricing.cheapest('Oldtown', current_date + 10, current_date + 12, 1);
-- the same stay in offers: plan 0 230.00 with board_fees 40.00 and fees 0;
-- plan 1: base round(200.00 * 50 / 100, 2) = 100.00, discount 50% = 50.00, total 50.00
SELECT room_id, plan_id, base, discount, board_fees, fees, total FROM offers_at(11050, 10, 12);
-- 1 night: plan 0's min_stay 2 applies to cheapest and quote (no rows);
-- offers has plan 1: base 50.00, discount 25.00, total 25.00
SELECT count(*) FROM pricing.quote(11050, current_date + 10, current_date + 11, 2);
SELECT count(*) FROM pricing.cheapest('Oldtown', current_date + 10, current_date + 11);
SELECT * FROM explain_at(11050, 10, 11);
SELECT room_id, plan_id, total FROM offers_at(11050, 10, 11);
-- checking out on + 14 (closed to departure): no rows for quote and cheapest either
SELECT count(*) FROM pricing.quote(11050, current_date + 12, current_date + 14, 2);
SELECT count(*) FROM pricing.cheapest('Oldtown', current_date + 12, current_date + 14);

--
-- Errors of search, offers and explain (doc/reference.md, "Errors")
--
-- 22004: a NULL argument (max_total and currency may be NULL)
SELECT expect_error($$SELECT * FROM pricing.search(NULL, current_date + 30, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', NULL, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, adults => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_stars => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_board => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, free_cancellation => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, booking_date => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_total => NULL, currency => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(NULL, current_date + 30, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, NULL, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, adults => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, booking_date => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(NULL, current_date + 30, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, NULL, current_date + 31)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, adults => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => NULL)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, booking_date => NULL)$$);
-- a NULL age in children
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => '{5,NULL}')$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => '{NULL}')$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => '{NULL}')$$);

-- 22023: adults < 1
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, adults => 0)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, adults => 0)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, adults => -1)$$);
-- a child's age outside 0..17
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => '{-1}')$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => '{5,18}')$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => '{-1}')$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => '{18}')$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => '{-1}')$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => '{18}')$$);
-- more than 16 children
SELECT expect_error(format($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[17])));
SELECT expect_error(format($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[17])));
SELECT expect_error(format($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[17])));
-- an unknown min_board
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_board => 'bed_and_breakfast')$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_board => '')$$);
-- checkout <= checkin
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 30)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 31, current_date + 30)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 30)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 31, current_date + 30)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 30)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 31, current_date + 30)$$);
-- more nights than pricing.max_nights (30)
SHOW pricing.max_nights;
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 61)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 61)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 61)$$);
-- max_results < 0 or > 10000
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => -1)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => 10001)$$);

-- the limits themselves are fine: 1 adult, ages 0 and 17, 16 children,
-- 30 nights, 0 and 10000 results, every board
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, adults => 1, children => '{0,17}')$$);
SELECT expect_error(format($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[16])));
SELECT expect_error(format($$SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[16])));
SELECT expect_error(format($$SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, children => %L)$$, array_fill(5, ARRAY[16])));
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 10, current_date + 40)$$);
SELECT expect_error($$SELECT * FROM pricing.offers(11001, current_date + 10, current_date + 40)$$);
SELECT expect_error($$SELECT * FROM pricing.explain(11001, current_date + 10, current_date + 40)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => 0)$$);
SELECT expect_error($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => 10000)$$);
SELECT count(*) FROM pricing.search('Planbury', current_date + 30, current_date + 31, max_results => 0);
SELECT b, expect_error(format($$SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_board => %L)$$, b))
FROM unnest(ARRAY['room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive']) AS b;
-- 16 children exceed every room: no rows, no error
SELECT count(*) FROM pricing.offers(11001, current_date + 30, current_date + 31, children => array_fill(5, ARRAY[16]));

-- as the user sees them
\set VERBOSITY default
SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, children => '{18}');
SELECT * FROM pricing.offers(11001, current_date + 30, current_date + 31, children => array_fill(5, ARRAY[17]));
SELECT * FROM pricing.explain(11001, current_date + 30, current_date + 31, adults => NULL);
SELECT * FROM pricing.search('Planbury', current_date + 30, current_date + 31, min_board => 'bed_and_breakfast');

-- leave the cities and exchange rates out of the suites that follow
DELETE FROM pricing.hotel WHERE hotel_id BETWEEN 11001 AND 11099;
DELETE FROM pricing.exchange_rate;
INSERT INTO pricing.exchange_rate SELECT * FROM saved_exchange_rate;
DROP FUNCTION offers_at(bigint, int, int, int, int[], int);
DROP FUNCTION explain_at(bigint, int, int, int, int[], int);
SELECT pricing.refresh(true) > 0;
