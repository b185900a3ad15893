--
-- arithmetic: the price of a stay (doc/reference.md), line by line, on small hand-built hotels.
--
-- Every expected number is worked out in the comment above its query, so a
-- reader can check it by hand.  Hotels 1001..1099, city 'Arithmetica'.
-- Dates are relative to current_date (the index only holds nights from
-- yesterday up to pricing.horizon_days ahead) and are never printed.
-- booking_date is passed explicitly wherever a discount has min_days_ahead.
--

--
-- 1001: base = the sum of the nightly prices; nights = co - ci.
-- vat 0, city_tax 0, no discounts, no fees.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1001, 'Arithmetica', 'Plain');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1001, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (1001, 1, current_date + 10, 100.00),
  (1001, 1, current_date + 11, 110.50),
  (1001, 1, current_date + 12, 120.25),
  (1001, 1, current_date + 13, 99.99);

--
-- 1002: extra guests.  Room 1: max 4 guests, base_guests 2, extra_guest_fee
-- 15.50; room 2: max 2, base_guests 1, extra_guest_fee 20.00.  2 nights at
-- 80.00 (room 1) and 70.00 (room 2).
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1002, 'Arithmetica', 'Guests');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (1002, 1, 'family', 4, 2, 15.50),
  (1002, 2, 'single', 2, 1, 20.00);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 1002, r, current_date + k, CASE r WHEN 1 THEN 80.00 ELSE 70.00 END
FROM generate_series(1, 2) AS r, generate_series(10, 11) AS k;

--
-- 1003: eligibility.  One room, 50.00 a night from current_date + 20 to
-- + 29, except:
--   + 20  min_stay 3            (arrival night of some stays)
--   + 22  min_stay 5            (only matters when arriving on it)
--   + 23  closed_to_arrival
--   + 25  available 0           (sold out)
--   + 27  no rate row           (gap)
--   + 28  available 2
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1003, 'Arithmetica', 'Rules');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1003, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT 1003, 1, current_date + k, 50.00,
       CASE k WHEN 25 THEN 0 WHEN 28 THEN 2 ELSE 1 END,
       CASE k WHEN 20 THEN 3 WHEN 22 THEN 5 ELSE 1 END,
       k = 23
FROM generate_series(20, 29) AS k
WHERE k <> 27;

--
-- 1004: discount rounding.  One night at current_date + 30.
-- Room 1: 30.50; room 2: 10.60.  Discounts: 5% for every room, 12.5% for
-- room 2 only.  vat 0.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1004, 'Arithmetica', 'Round discount');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (1004, 1, 'a', 2), (1004, 2, 'b', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (1004, 1, current_date + 30, 30.50),
  (1004, 2, current_date + 30, 10.60);
INSERT INTO pricing.discount (hotel_id, room_id, percent) VALUES
  (1004, NULL, 5), (1004, 2, 12.5);

--
-- 1005: VAT rounding, vat_percent 19.  One night at current_date + 30.
-- Rooms 1..4 at 103.50, 1.50, 10.01, 10.03.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (1005, 'Arithmetica', 'Round VAT 19', 19);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (1005, 1, 'a', 2), (1005, 2, 'b', 2), (1005, 3, 'c', 2), (1005, 4, 'd', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (1005, 1, current_date + 30, 103.50),
  (1005, 2, current_date + 30, 1.50),
  (1005, 3, current_date + 30, 10.01),
  (1005, 4, current_date + 30, 10.03);

--
-- 1006: VAT rounding, vat_percent 5: one night at 30.50.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (1006, 'Arithmetica', 'Round VAT 5', 5);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1006, 1, 'a', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (1006, 1, current_date + 30, 30.50);

--
-- 1007: discount and VAT both on half a cent: one night at 10.10, discount
-- 15%, vat_percent 25.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (1007, 'Arithmetica', 'Round both', 25);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1007, 1, 'a', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (1007, 1, current_date + 30, 10.10);
INSERT INTO pricing.discount (hotel_id, percent) VALUES (1007, 15);

--
-- 1010: which discount applies.  Rooms 1 and 2, 100.00 a night from
-- current_date + 40 to + 59, vat 0.  Discounts:
--   A  every room   5%
--   B  room 2      10%
--   C  every room  20%  min_nights 3
--   D  every room  30%  checkin_from + 45, checkin_to + 47 (inclusive)
--   E  room 1      40%  min_days_ahead 14
--   F  room 3      90%  (the hotel has no room 3: never applies)
-- Only the largest applicable percent counts; they never add up.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1010, 'Arithmetica', 'Discounts');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES
  (1010, 1, 'one', 2), (1010, 2, 'two', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 1010, r, current_date + k, 100.00
FROM generate_series(1, 2) AS r, generate_series(40, 59) AS k;
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead) VALUES
  (1010, NULL,  5, 1, NULL, NULL, NULL),
  (1010, 2,    10, 1, NULL, NULL, NULL),
  (1010, NULL, 20, 3, NULL, NULL, NULL),
  (1010, NULL, 30, 1, current_date + 45, current_date + 47, NULL),
  (1010, 1,    40, 1, NULL, NULL, 14),
  (1010, 3,    90, 1, NULL, NULL, NULL);

--
-- 1011: a 100% discount leaves the fees, and VAT on them.  One night at
-- 80.00, discount 100%, a stay fee of 10.00, vat_percent 10.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent) VALUES (1011, 'Arithmetica', 'Free', 10);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1011, 1, 'a', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES (1011, 1, current_date + 30, 80.00);
INSERT INTO pricing.discount (hotel_id, percent) VALUES (1011, 100);
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (1011, 'cleaning', 10.00, 'stay');

--
-- 1020: fees of every kind.  One room for up to 4 guests, base_guests 4 (no
-- extra), 100.00 a night from current_date + 60 to + 62.  Fees: 25.00 and
-- 0.99 per stay, 3.50 per night, 1.25 per guest per night.  vat 0.
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (1020, 'Arithmetica', 'Fees');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests) VALUES (1020, 1, 'quad', 4, 4);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 1020, 1, current_date + k, 100.00 FROM generate_series(60, 62) AS k;
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES
  (1020, 'cleaning', 25.00, 'stay'),
  (1020, 'booking', 0.99, 'stay'),
  (1020, 'resort', 3.50, 'night'),
  (1020, 'linen', 1.25, 'guest_night');

--
-- 1030: city tax, per guest per night, outside the VAT base.  city_tax 2.35,
-- vat_percent 10; one room for up to 4 guests (no extra guest fee), 100.00 a
-- night at current_date + 60 and + 61.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent, city_tax) VALUES (1030, 'Arithmetica', 'City tax', 10, 2.35);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (1030, 1, 'quad', 4);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 1030, 1, current_date + k, 100.00 FROM generate_series(60, 61) AS k;

--
-- 1040: everything at once.  vat_percent 7.50, city_tax 1.15.
-- Room 3: max 3, base_guests 2, extra_guest_fee 12.35; nights + 70, + 71,
--         + 72 at 89.99, 94.49, 101.01.
-- Room 1: max 2, base_guests 2; 120.00 each of those nights.
-- Discounts: 10% every room with min_nights 2; 12.5% room 3 with
-- min_days_ahead 21.  Fees: 15.00 per stay, 2.20 per night, 0.85 per guest
-- per night.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent, city_tax) VALUES (1040, 'Arithmetica', 'Everything', 7.50, 1.15);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (1040, 3, 'triple', 3, 2, 12.35),
  (1040, 1, 'double', 2, 2, 0);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price) VALUES
  (1040, 3, current_date + 70, 89.99),
  (1040, 3, current_date + 71, 94.49),
  (1040, 3, current_date + 72, 101.01),
  (1040, 1, current_date + 70, 120.00),
  (1040, 1, current_date + 71, 120.00),
  (1040, 1, current_date + 72, 120.00);
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, min_days_ahead) VALUES
  (1040, NULL, 10, 2, NULL),
  (1040, 3, 12.5, 1, 21);
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES
  (1040, 'cleaning', 15.00, 'stay'),
  (1040, 'resort', 2.20, 'night'),
  (1040, 'linen', 0.85, 'guest_night');

--
-- 1050: the largest values the columns allow (numeric(12,2) prices,
-- numeric(10,2) fees, smallint max_guests).  The results are exact numeric
-- all the same; the intermediate products do not fit in 64-bit cents.
-- vat_percent 99.99, city_tax 99999999.99.  Room 1: max_guests 32767,
-- base_guests 1, extra_guest_fee 99999999.99; 30 nights from + 80 at
-- 9999999999.99.  Discount 33.33% for every room.  Fees of 99999999.99 per
-- stay, per night and per guest per night.
--
INSERT INTO pricing.hotel (hotel_id, city, name, vat_percent, city_tax) VALUES
  (1050, 'Arithmetica', 'Extremes', 99.99, 99999999.99);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (1050, 1, 'stadium', 32767, 1, 99999999.99);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 1050, 1, current_date + k, 9999999999.99 FROM generate_series(80, 109) AS k;
INSERT INTO pricing.discount (hotel_id, percent) VALUES (1050, 33.33);
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES
  (1050, 'a', 99999999.99, 'stay'),
  (1050, 'b', 99999999.99, 'night'),
  (1050, 'c', 99999999.99, 'guest_night');

-- wait for a generation of the index that holds all of the above
SELECT pricing.refresh(true) > 0;

--
-- 1001: plain sums
--
-- 3 nights: 100.00 + 110.50 + 120.25 = 330.75
SELECT * FROM pricing.quote(1001, current_date + 10, current_date + 13, 2);
-- 1 night: 100.00
SELECT * FROM pricing.quote(1001, current_date + 10, current_date + 11, 2);
-- 3 nights: 110.50 + 120.25 + 99.99 = 330.74
SELECT * FROM pricing.quote(1001, current_date + 11, current_date + 14, 2);
-- night + 14 has no rate: no rows
SELECT * FROM pricing.quote(1001, current_date + 13, current_date + 15, 2);
-- 3 guests > max_guests 2: no rows
SELECT * FROM pricing.quote(1001, current_date + 10, current_date + 13, 3);

--
-- 1002: extra guests (2 nights)
--
-- 1 guest: room 2: base 140.00, extra greatest(1 - 1, 0) = 0     -> 140.00
--          room 1: base 160.00, extra greatest(1 - 2, 0) = 0     -> 160.00
SELECT * FROM pricing.quote(1002, current_date + 10, current_date + 12, 1);
-- 2 guests: room 1: 160.00, extra 0                             -> 160.00
--           room 2: 140.00, extra 1 * 20.00 * 2 = 40.00          -> 180.00
SELECT * FROM pricing.quote(1002, current_date + 10, current_date + 12, 2);
-- 3 guests: room 1: 160.00, extra 1 * 15.50 * 2 = 31.00          -> 191.00
--           room 2: 3 > max_guests 2, not eligible
SELECT * FROM pricing.quote(1002, current_date + 10, current_date + 12, 3);
-- 4 guests: room 1: 160.00, extra 2 * 15.50 * 2 = 62.00          -> 222.00
SELECT * FROM pricing.quote(1002, current_date + 10, current_date + 12, 4);
-- 5 guests: no room takes 5: no rows
SELECT * FROM pricing.quote(1002, current_date + 10, current_date + 12, 5);

--
-- 1003: min_stay, closed_to_arrival, sold out, gaps (50.00 a night)
--
-- arrival + 20 has min_stay 3: 2 nights -> no rows
SELECT * FROM pricing.quote(1003, current_date + 20, current_date + 22, 2);
-- 3 nights -> 150.00 (night + 22 has min_stay 5, but it is not the arrival)
SELECT * FROM pricing.quote(1003, current_date + 20, current_date + 23, 2);
-- arrival + 22 has min_stay 5: 3 nights -> no rows
SELECT * FROM pricing.quote(1003, current_date + 22, current_date + 25, 2);
-- arrival + 23 is closed to arrival -> no rows
SELECT * FROM pricing.quote(1003, current_date + 23, current_date + 24, 2);
-- + 21 .. + 24: nights + 22 (min_stay 5) and + 23 (closed) in the middle do
-- not matter: 4 * 50.00 = 200.00
SELECT * FROM pricing.quote(1003, current_date + 21, current_date + 25, 2);
-- arriving the day after the closed night: 50.00; checking out on the
-- sold-out night + 25 is fine (it is not a night of the stay)
SELECT * FROM pricing.quote(1003, current_date + 24, current_date + 25, 2);
-- night + 25 is sold out -> no rows
SELECT * FROM pricing.quote(1003, current_date + 24, current_date + 26, 2);
SELECT * FROM pricing.quote(1003, current_date + 25, current_date + 26, 2);
-- night + 26 alone: 50.00
SELECT * FROM pricing.quote(1003, current_date + 26, current_date + 27, 2);
-- night + 27 has no rate row -> no rows
SELECT * FROM pricing.quote(1003, current_date + 26, current_date + 28, 2);
-- + 28 (available 2) and + 29: 100.00
SELECT * FROM pricing.quote(1003, current_date + 28, current_date + 30, 2);

--
-- 1004: discount = round(subtotal * percent / 100, 2), half away from zero
--
-- room 1: 30.50 * 5 / 100 = 1.525 -> 1.53 (not 1.52), total 30.50 - 1.53 = 28.97
-- room 2: both discounts apply, the larger counts: 10.60 * 12.5 / 100
--         = 1.325 -> 1.33 (not 1.32), total 10.60 - 1.33 = 9.27
-- order by total: room 2, room 1
SELECT * FROM pricing.quote(1004, current_date + 30, current_date + 31, 2);

--
-- 1005: vat = round(net * vat_percent / 100, 2), vat_percent 19
--
-- room 2: 1.50 * 0.19 = 0.285     -> 0.29 (not 0.28)    total 1.79
-- room 3: 10.01 * 0.19 = 1.9019   -> 1.90               total 11.91
-- room 4: 10.03 * 0.19 = 1.9057   -> 1.91               total 11.94
-- room 1: 103.50 * 0.19 = 19.665  -> 19.67 (not 19.66)  total 123.17
SELECT * FROM pricing.quote(1005, current_date + 30, current_date + 31, 2);

-- 1006: 30.50 * 5 / 100 = 1.525 -> 1.53 (not 1.52), total 32.03
SELECT * FROM pricing.quote(1006, current_date + 30, current_date + 31, 2);

-- 1007: discount 10.10 * 15 / 100 = 1.515 -> 1.52; net 10.10 - 1.52 = 8.58;
--       vat 8.58 * 25 / 100 = 2.145 -> 2.15 (not 2.14); total 8.58 + 2.15 = 10.73
SELECT * FROM pricing.quote(1007, current_date + 30, current_date + 31, 2);

--
-- 1010: which discount applies (100.00 a night per room)
--
-- 1 night at + 40, booked the same day (ci - b = 0 < 14, so E does not apply):
--   room 1: A 5%            -> 5.00, total 95.00
--   room 2: A 5%, B 10%     -> 10%: 10.00, total 90.00
SELECT * FROM pricing.quote(1010, current_date + 40, current_date + 41, 2, current_date + 40);
-- 2 nights: C needs 3 nights
--   room 1: 5% of 200.00 = 10.00, total 190.00; room 2: 10% = 20.00, total 180.00
SELECT * FROM pricing.quote(1010, current_date + 40, current_date + 42, 2, current_date + 40);
-- 3 nights: C 20% applies to both rooms and is the largest (not 25% or 30%):
--   60.00 off 300.00, total 240.00 for both; tie -> room 1 first
SELECT * FROM pricing.quote(1010, current_date + 40, current_date + 43, 2, current_date + 40);
-- check-in + 44, the day before checkin_from of D: as the first query (95.00, 90.00)
SELECT * FROM pricing.quote(1010, current_date + 44, current_date + 45, 2, current_date + 44);
-- check-in + 45 = checkin_from: D 30% for both rooms (not 35% or 40%): total 70.00
SELECT * FROM pricing.quote(1010, current_date + 45, current_date + 46, 2, current_date + 45);
-- check-in + 47 = checkin_to (inclusive): total 70.00 for both
SELECT * FROM pricing.quote(1010, current_date + 47, current_date + 48, 2, current_date + 47);
-- check-in + 48, after checkin_to: 95.00, 90.00
SELECT * FROM pricing.quote(1010, current_date + 48, current_date + 49, 2, current_date + 48);
-- 3 nights from + 45: A, C and D apply, only D counts: 30% of 300.00 = 90.00,
-- total 210.00 for both rooms
SELECT * FROM pricing.quote(1010, current_date + 45, current_date + 48, 2, current_date + 45);
-- check-in + 50 booked exactly 14 days ahead: E 40% for room 1 -> 60.00;
-- room 2 keeps B: 90.00
SELECT * FROM pricing.quote(1010, current_date + 50, current_date + 51, 2, current_date + 36);
-- booked 13 days ahead: E does not apply -> room 2 90.00, room 1 95.00
SELECT * FROM pricing.quote(1010, current_date + 50, current_date + 51, 2, current_date + 37);
-- booked 30 days ahead: room 1 60.00, room 2 90.00
SELECT * FROM pricing.quote(1010, current_date + 50, current_date + 51, 2, current_date + 20);
-- booked after check-in (ci - b = -1): E does not apply -> 90.00, 95.00
SELECT * FROM pricing.quote(1010, current_date + 50, current_date + 51, 2, current_date + 51);
-- booking_date defaults to current_date: 50 days ahead -> room 1 60.00, room 2 90.00
SELECT * FROM pricing.quote(1010, current_date + 50, current_date + 51, 2);

-- 1011: subtotal 80.00, discount 100% = 80.00, fees 10.00, net 10.00,
--       vat 1.00, total 11.00
SELECT * FROM pricing.quote(1011, current_date + 30, current_date + 31, 2);

--
-- 1020: fees = sum of amount (stay), amount * n (night),
--       amount * guests * n (guest_night)
--
-- 3 nights, 2 guests: 25.00 + 0.99 + 3.50 * 3 + 1.25 * 2 * 3
--                   = 25.99 + 10.50 + 7.50 = 43.99; total 300.00 + 43.99 = 343.99
SELECT * FROM pricing.quote(1020, current_date + 60, current_date + 63, 2);
-- 3 nights, 3 guests: 25.99 + 10.50 + 1.25 * 3 * 3 = 11.25 -> 47.74; total 347.74
SELECT * FROM pricing.quote(1020, current_date + 60, current_date + 63, 3);
-- 1 night, 1 guest: 25.99 + 3.50 + 1.25 = 30.74; total 130.74
SELECT * FROM pricing.quote(1020, current_date + 60, current_date + 61, 1);

--
-- 1030: city_tax = city_tax * guests * n, not subject to VAT
--
-- 2 nights, 3 guests: vat 10% of 200.00 = 20.00; city tax 2.35 * 3 * 2 = 14.10;
-- total 200.00 + 20.00 + 14.10 = 234.10
SELECT * FROM pricing.quote(1030, current_date + 60, current_date + 62, 3);
-- 1 night, 1 guest: vat 10.00, city tax 2.35, total 112.35
SELECT * FROM pricing.quote(1030, current_date + 60, current_date + 61, 1);

--
-- 1040: everything.  3 nights from + 70, booked 30 days ahead.
--
-- 3 guests: room 1 takes only 2.  Room 3:
--   base     89.99 + 94.49 + 101.01                  = 285.49
--   extra    (3 - 2) * 12.35 * 3                      =  37.05
--   subtotal                                           = 322.54
--   percent  max(10 [min_nights 2], 12.5 [30 >= 21])  =  12.5
--   discount round(322.54 * 0.125 = 40.3175, 2)       =  40.32
--   fees     15.00 + 2.20 * 3 + 0.85 * 3 * 3           =  29.25
--   net      322.54 - 40.32 + 29.25                    = 311.47
--   vat      round(311.47 * 0.075 = 23.36025, 2)      =  23.36
--   city_tax 1.15 * 3 * 3                              =  10.35
--   total    311.47 + 23.36 + 10.35                    = 345.18
SELECT * FROM pricing.quote(1040, current_date + 70, current_date + 73, 3, current_date + 40);
-- 2 guests:
--   room 3: base 285.49, extra 0, 12.5%: round(35.68625, 2) = 35.69;
--           fees 15.00 + 6.60 + 0.85 * 2 * 3 = 26.70;
--           net 285.49 - 35.69 + 26.70 = 276.50;
--           vat round(276.50 * 0.075 = 20.7375, 2) = 20.74;
--           city_tax 1.15 * 2 * 3 = 6.90; total 276.50 + 20.74 + 6.90 = 304.14
--   room 1: base 360.00, 10% (the 12.5% is for room 3) = 36.00; fees 26.70;
--           net 360.00 - 36.00 + 26.70 = 350.70;
--           vat round(26.3025, 2) = 26.30; city_tax 6.90;
--           total 350.70 + 26.30 + 6.90 = 383.90
SELECT * FROM pricing.quote(1040, current_date + 70, current_date + 73, 2, current_date + 40);
-- the same, booked 20 days ahead: room 3 falls back to 10%:
--   room 3: discount round(28.549, 2) = 28.55; net 285.49 - 28.55 + 26.70 = 283.64;
--           vat round(21.273, 2) = 21.27; total 283.64 + 21.27 + 6.90 = 311.81
--   room 1: unchanged, 383.90
SELECT * FROM pricing.quote(1040, current_date + 70, current_date + 73, 2, current_date + 50);

-- 1050: 30 nights, 32767 guests:
--   base     30 * 9999999999.99                              =    299999999999.70
--   extra    32766 * 99999999.99 * 30                         =  98297999990170.20
--   subtotal                                                  =  98597999990169.90
--   discount round(98597999990169.90 * 0.3333
--                  = 32862713396723.62767, 2)                 =  32862713396723.63
--   fees     99999999.99 * (1 + 30 + 32767 * 30)              =  98304099990169.59
--   net      98597999990169.90 - 32862713396723.63
--            + 98304099990169.59                              = 164039386583615.86
--   vat      round(164039386583615.86 * 0.9999
--                  = 164022982644957.498414, 2)              = 164022982644957.50
--   city_tax 99999999.99 * 32767 * 30                         =  98300999990169.90
--   total                                                     = 426363369218743.26
SELECT * FROM pricing.quote(1050, current_date + 80, current_date + 110, 32767);
-- 1 night, 1 guest: base 9999999999.99, extra 0,
--   discount round(9999999999.99 * 0.3333 = 3332999999.996667, 2) = 3333000000.00;
--   fees 3 * 99999999.99 = 299999999.97;
--   net 9999999999.99 - 3333000000.00 + 299999999.97 = 6966999999.96;
--   vat round(6966999999.96 * 0.9999 = 6966303299.960004, 2) = 6966303299.96;
--   city_tax 99999999.99;
--   total 6966999999.96 + 6966303299.96 + 99999999.99 = 14033303299.91
SELECT * FROM pricing.quote(1050, current_date + 80, current_date + 81, 1);

-- cheapest agrees with quote: the best room of each hotel of the city for
-- 1 night at + 30, 2 guests, by total: 1005 1.79 (room 2), 1004 9.27 (room 2),
-- 1007 10.73, 1011 11.00, 1006 32.03 (room 1 each)
SELECT hotel_id, room_id, total
FROM pricing.cheapest('Arithmetica', current_date + 30, current_date + 31, 2, 100);
