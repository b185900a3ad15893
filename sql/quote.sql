--
-- quote: a row per eligible room, ordered by total then room_id; the nights
-- column; every amount with scale 2; unknown hotel -> no rows.
--
-- Hotels 3001..3099 in 'Quoteville'.  Hotel 3001: vat_percent 10,
-- city_tax 0.50, a fee of 5.00 per stay, a 33.33% discount for room 5 from
-- 3 nights.  Nights + 120 .. + 129:
--
--   room  price   max_guests  notes
--   30    100.00  2           inserted before room 20, ties with it
--   20    100.00  2
--   10    120.00  2
--    5    130.00  3           base_guests 2, extra_guest_fee 7.77
--   40     60.00  1           cheapest, but for 1 guest only
--   50     10.00  2           no rate for + 125
--
INSERT INTO pricing.hotel (hotel_id, city, name, stars, vat_percent, city_tax) VALUES
  (3001, 'Quoteville', 'Quote hotel', 3, 10, 0.50),
  (3002, 'Quoteville', 'No rooms', 3, 0, 0),
  (3003, 'Quoteville', 'No rates', 3, 0, 0),
  (3004, 'Quoteville', 'Doomed', 3, 0, 0);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee) VALUES
  (3001, 30, 'thirty', 2, 2, 0),
  (3001, 20, 'twenty', 2, 2, 0),
  (3001, 10, 'ten', 2, 2, 0),
  (3001, 5, 'five', 3, 2, 7.77),
  (3001, 40, 'forty', 1, 1, 0),
  (3001, 50, 'fifty', 2, 2, 0),
  (3003, 1, 'one', 2, 2, 0),
  (3004, 1, 'one', 2, 2, 0);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 3001, r.room_id, current_date + k,
       CASE r.room_id WHEN 10 THEN 120.00 WHEN 5 THEN 130.00 WHEN 40 THEN 60.00
                      WHEN 50 THEN 10.00 ELSE 100.00 END
FROM pricing.room r, generate_series(120, 129) AS k
WHERE r.hotel_id = 3001 AND NOT (r.room_id = 50 AND k = 125);
INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights) VALUES (3001, 5, 33.33, 3);
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (3001, 'cleaning', 5.00, 'stay');
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 3004, 1, current_date + k, 70.00 FROM generate_series(120, 122) AS k;
-- rates of room 20 thirty days ago: not in the loaded window
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 3001, 20, current_date + k, 100.00 FROM generate_series(-30, -28) AS k;

SELECT pricing.refresh(true) > 0;

-- 3 nights from + 120, 2 guests (the defaults: guests 2, booked today):
--   rooms 20 and 30: base 300.00, fees 5.00, net 305.00, vat 30.50,
--                    city tax 0.50 * 2 * 3 = 3.00, total 338.50 (tie: 20 first)
--   room 10: base 360.00, net 365.00, vat 36.50, city tax 3.00, total 404.50
--   room 5: base 390.00, discount round(390.00 * 33.33 / 100 = 129.987, 2)
--           = 129.99, net 390.00 - 129.99 + 5.00 = 265.01,
--           vat round(26.501, 2) = 26.50, city tax 3.00, total 294.51
--   room 50: 30.00 + 5.00 = 35.00, vat 3.50, city tax 3.00: total 41.50
--   room 40 takes 1 guest only
-- by total: 50, 5, 20, 30, 10
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 123);

-- 1 guest: room 40 joins: 60.00 * 3 + 5.00 = 185.00, vat 18.50,
-- city tax 0.50 * 1 * 3 = 1.50, total 205.00; the others' city tax is 1.50:
--   50: 35.00 + 3.50 + 1.50 = 40.00; 5: 265.01 + 26.50 + 1.50 = 293.01;
--   20, 30: 305.00 + 30.50 + 1.50 = 337.00; 10: 365.00 + 36.50 + 1.50 = 403.00
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 123, 1);

-- 3 guests: only room 5 (max 3): extra (3 - 2) * 7.77 * 3 = 23.31;
-- subtotal 413.31; discount round(137.756223, 2) = 137.76;
-- net 413.31 - 137.76 + 5.00 = 280.55; vat round(28.055, 2) = 28.06;
-- city tax 0.50 * 3 * 3 = 4.50; total 280.55 + 28.06 + 4.50 = 313.11
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 123, 3);

-- nights = checkout - checkin.  1 night from + 120, 2 guests: the discount
-- needs 3 nights.
--   50: 10.00 + 5.00 = 15.00, vat 1.50, city tax 1.00: 17.50
--   20, 30: 105.00 + 10.50 + 1.00 = 116.50
--   10: 125.00 + 12.50 + 1.00 = 138.50
--   5: 135.00 + 13.50 + 1.00 = 149.50
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 121);
-- 10 nights from + 120: room 50 is out (no rate for + 125)
--   20, 30: 1005.00 + 100.50 + 10.00 = 1115.50
--   10: 1205.00 + 120.50 + 10.00 = 1335.50
--   5: 1300.00 - round(433.29, 2) = 866.71, + 5.00 = 871.71,
--      vat round(87.171, 2) = 87.17, city tax 10.00: total 968.88
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 130);

-- Types and scales of every column: all amounts scale 2, even when zero
SELECT room_id, pg_typeof(room_id) AS t_room, nights, pg_typeof(nights) AS t_nights,
       scale(base) AS base, scale(extra) AS extra, scale(discount) AS discount,
       scale(fees) AS fees, scale(vat) AS vat, scale(city_tax) AS city_tax,
       scale(total) AS total
FROM pricing.quote(3001, current_date + 120, current_date + 123, 3);
SELECT DISTINCT pg_typeof(base), pg_typeof(extra), pg_typeof(discount), pg_typeof(fees),
       pg_typeof(vat), pg_typeof(city_tax), pg_typeof(total)
FROM pricing.quote(3001, current_date + 120, current_date + 123);
SELECT count(*) AS rows,
       bool_and(scale(base) = 2 AND scale(extra) = 2 AND scale(discount) = 2
                AND scale(fees) = 2 AND scale(vat) = 2 AND scale(city_tax) = 2
                AND scale(total) = 2) AS all_scale_2
FROM pricing.quote(3001, current_date + 120, current_date + 130);
-- the declared result columns
SELECT pg_get_function_result('pricing.quote'::regproc);

-- unknown hotel: no rows, no error
SELECT * FROM pricing.quote(3999, current_date + 120, current_date + 123);
SELECT * FROM pricing.quote(-1, current_date + 120, current_date + 123);
-- a hotel without rooms, a hotel without rates: no rows
SELECT * FROM pricing.quote(3002, current_date + 120, current_date + 123);
SELECT * FROM pricing.quote(3003, current_date + 120, current_date + 123);
-- outside the loaded window: no rows (room 20 has rates 30 days ago)
SELECT * FROM pricing.quote(3001, current_date - 30, current_date - 28);
SELECT * FROM pricing.quote(3001, current_date + 500, current_date + 501);

-- Changes reach quote once refreshed: room 10 becomes 80.00 a night on
-- + 120 .. + 122; room 20 is deleted; the fee goes up to 6.00.
--   10: 240.00 + 6.00 = 246.00, vat 24.60, city tax 3.00: 273.60
--   30: 306.00 + 30.60 + 3.00 = 339.60
--   5: 390.00 - 129.99 + 6.00 = 266.01, vat round(26.601, 2) = 26.60: 295.61
--   50: 36.00 + 3.60 + 3.00 = 42.60
UPDATE pricing.rate SET price = 80.00
WHERE hotel_id = 3001 AND room_id = 10
  AND stay_date BETWEEN current_date + 120 AND current_date + 122;
DELETE FROM pricing.room WHERE hotel_id = 3001 AND room_id = 20;
UPDATE pricing.fee SET amount = 6.00 WHERE hotel_id = 3001;
SELECT pricing.refresh(true) > 0;
-- by total: 50, 10, 5, 30
SELECT * FROM pricing.quote(3001, current_date + 120, current_date + 123);

-- A deleted hotel has no rows any more: 3004 is 3 * 70.00 = 210.00, then gone
SELECT room_id, total FROM pricing.quote(3004, current_date + 120, current_date + 123);
DELETE FROM pricing.hotel WHERE hotel_id = 3004;
SELECT pricing.refresh(true) > 0;
SELECT room_id, total FROM pricing.quote(3004, current_date + 120, current_date + 123);
