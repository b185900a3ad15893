--
-- booking: pricing.book and pricing.cancel (1.2).  A booking is priced and
-- checked on the source tables (never the index) with the arithmetic of
-- "The price of an offer" (doc/reference.md), takes one room from each
-- night of the stay and records the booking; a cancellation gives the
-- nights back and refunds what the plan allows.  Then: the refusals
-- (PR001 with explain's reason, PR002 with the current total), the
-- idempotent reference, the refunds (PR003, P0002), every argument's
-- errors, the privileges of pricing_booker, and objects planted on a
-- caller's search_path.
--
-- Every expected amount is worked out in the comment above its query.
-- Hotels 14001..14099 in the city 'Bookham'.  Dates are relative to
-- current_date and printed as offsets from it (a check-in of current_date
-- + 30 is 30), in errors' details too; booking ids are printed as offsets
-- from the last id handed out before this suite (so the first booking of
-- the suite is 1).  Unless said otherwise a party is 2 adults, no
-- children, booking today.
--
SHOW pricing.horizon_days;
SHOW pricing.max_nights;

-- the last booking id before this suite, for every session and role
SELECT coalesce(pg_sequence_last_value('pricing.booking_booking_id_seq'), 0) AS b0 \gset
SELECT set_config('regress.b0', :'b0', false) IS NOT NULL AS b0_set;

--
-- Shorthands
--
-- book_at: pricing.book with dates as offsets (ci, co, booking date b),
-- returning the booking id as an offset from b0
CREATE FUNCTION book_at(hotel bigint, room int, plan int, ci int, co int, adults int,
                        children int[], expected numeric, reference text DEFAULT NULL,
                        b int DEFAULT 0)
RETURNS bigint
LANGUAGE sql
AS $$
  SELECT pricing.book(hotel, room, plan, current_date + ci, current_date + co, adults,
                      children, expected, reference, current_date + b)
         - current_setting('regress.b0')::bigint
$$;

-- cancel_id: pricing.cancel of a booking id given as an offset from b0
CREATE FUNCTION cancel_id(id bigint) RETURNS numeric
LANGUAGE sql
AS $$
  SELECT pricing.cancel(id + current_setting('regress.b0')::bigint)
$$;

-- book_error: 'SQLSTATE: message (detail)' of the error a statement raises,
-- or 'no error'; a date in it becomes 'current_date + k', a booking id
-- 'booking #k' (k from b0).  Its operators are qualified: it also runs
-- under the planted search_path below.
CREATE FUNCTION book_error(statement text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  msg text;
  det text;
  m text[];
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
  msg := SQLSTATE OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) SQLERRM;
  IF det OPERATOR(pg_catalog.<>) '' THEN
    msg := msg OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||) det
               OPERATOR(pg_catalog.||) ')';
  END IF;
  m := pg_catalog.regexp_match(msg, '\d\d-\d\d-\d{4}|\d{4}-\d\d-\d\d');
  IF m IS NOT NULL THEN
    msg := pg_catalog.replace(msg, m[1], 'current_date + '
             OPERATOR(pg_catalog.||) (m[1]::date OPERATOR(pg_catalog.-) current_date)::text);
  END IF;
  m := pg_catalog.regexp_match(msg, 'booking (\d+)');
  IF m IS NOT NULL THEN
    msg := pg_catalog.replace(msg, 'booking ' OPERATOR(pg_catalog.||) m[1],
             'booking #' OPERATOR(pg_catalog.||)
             (m[1]::bigint OPERATOR(pg_catalog.-)
              pg_catalog.current_setting('regress.b0')::bigint)::text);
  END IF;
  RETURN msg;
END
$$;

-- nights: the available count of a room's nights a .. b - 1, in order
-- ('-': no rate row)
CREATE FUNCTION nights(hotel bigint, room int, a int, b int) RETURNS text
LANGUAGE sql
AS $$
  SELECT string_agg(coalesce(r.available::text, '-'), ' ' ORDER BY k)
  FROM generate_series(a, b - 1) AS k
  LEFT JOIN pricing.rate r
    ON r.hotel_id = hotel AND r.room_id = room AND r.stay_date = current_date + k
$$;

-- the suite's bookings, with dates and ids as offsets
CREATE VIEW bookings AS
SELECT booking_id - current_setting('regress.b0')::bigint AS id, hotel_id AS hotel,
       room_id AS room, plan_id AS plan, checkin - current_date AS ci,
       checkout - current_date AS co, adults, children, total, currency,
       free_cancel_until - current_date AS fcu, reference,
       cancelled_at IS NOT NULL AS cancelled
FROM pricing.booking
WHERE hotel_id BETWEEN 14001 AND 14099;

-- offers and explain with dates as offsets
CREATE FUNCTION offers_at(hotel bigint, ci int, co int, adults int DEFAULT 2,
                          children int[] DEFAULT '{}')
RETURNS TABLE (room_id int, plan_id int, fcu int, total numeric, currency char(3))
LANGUAGE sql
AS $$
  SELECT o.room_id, o.plan_id, o.free_cancel_until - current_date, o.total, o.currency
  FROM pricing.offers(hotel, current_date + ci, current_date + co, adults, children) AS o
$$;
CREATE FUNCTION explain_at(hotel bigint, ci int, co int)
RETURNS TABLE (room_id int, plan_id int, reason text, night int)
LANGUAGE sql
AS $$
  SELECT e.room_id, e.plan_id, e.reason, e.night - current_date
  FROM pricing.explain(hotel, current_date + ci, current_date + co) AS e
$$;

--
-- 14001 'Main' (EUR): vat_percent 7, city_tax 2.00 (per adult per night),
-- default ages (infants under 2, young children under 12), a fee of 5.00
-- per stay, a 10% discount for stays of 7 nights or more (every room and
-- plan).  Nights + 1 .. + 60:
--   room 1 'double': max_guests 3, base_guests 2, max_infants 1,
--                    extra_guest_fee 30.00, extra_child_fee 15.00,
--                    99.95 a night, available 5
--   room 2 'single': max_guests 2, base_guests 2, 80.00 a night, available 1
-- Plans:
--   0 'flex'       refundable, cancel_days 2
--   1 'saver'      not refundable, adjust_percent -10
--   2 'breakfast'  breakfast, board_fee 12.50, cancel_days 7
--
-- Two nights for 2 adults (rack: room 1 199.90, room 2 160.00; city tax
-- 2.00 * 2 * 2 = 8.00; no discount):
--   (1,0) net 199.90 + 5.00 = 204.90, vat round(14.343) = 14.34    227.24
--   (1,1) base round(199.90 * 90 / 100 = 179.91) = 179.91,
--         net 184.91, vat round(12.9437) = 12.94                   205.85
--   (1,2) board_fees 12.50 * 2 * 2 = 50.00, net 254.90,
--         vat round(17.843) = 17.84                                280.74
--   (2,0) net 165.00, vat 11.55                                    184.55
--   (2,1) base 144.00, net 149.00, vat 10.43                       167.43
--   (2,2) net 215.00, vat 15.05                                    238.05
--
INSERT INTO pricing.hotel (hotel_id, city, name, currency, vat_percent, city_tax) VALUES
  (14001, 'Bookham', 'Main', 'EUR', 7, 2.00);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, max_infants,
                          extra_guest_fee, extra_child_fee) VALUES
  (14001, 1, 'double', 3, 2, 1, 30.00, 15.00),
  (14001, 2, 'single', 2, 2, 1, 0, NULL);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available)
SELECT 14001, r, current_date + k, CASE r WHEN 1 THEN 99.95 ELSE 80.00 END,
       CASE r WHEN 1 THEN 5 ELSE 1 END
FROM generate_series(1, 2) AS r, generate_series(1, 60) AS k;
INSERT INTO pricing.fee (hotel_id, name, amount, per) VALUES (14001, 'cleaning', 5.00, 'stay');
INSERT INTO pricing.discount (hotel_id, percent, min_nights) VALUES (14001, 10, 7);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, board, board_fee, refundable,
                               cancel_days, adjust_percent) VALUES
  (14001, 0, 'flex', 'room_only', 0, true, 2, 0),
  (14001, 1, 'saver', 'room_only', 0, false, NULL, -10),
  (14001, 2, 'breakfast', 'breakfast', 12.50, true, 7, 0);

--
-- 14002 'Rules': the refusals.  Room 1 'double' (max_guests 2,
-- max_infants 1) and room 2 'suite' (max_guests 4), 50.00 a night from
-- + 1 to + 60, except for room 1:
--   + 21  min_stay 3
--   + 22  max_stay 2
--   + 23  closed_to_arrival
--   + 25  available 0                (sold out)
--   + 27  no rate row
--   + 29  closed_to_departure
-- Plans: 0 standard (no rate_plan row: refundable until check-in);
--   1 'stay 3 to 5'  min_stay 3, max_stay 5
--   2 'early'        min_days_ahead 10
--   3 'late'         max_days_ahead 5
--   4 'suite deal'   room 2 only
--
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (14002, 'Bookham', 'Rules');
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, max_infants) VALUES
  (14002, 1, 'double', 2, 1), (14002, 2, 'suite', 4, 1);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, max_stay,
                          closed_to_arrival, closed_to_departure)
SELECT 14002, r, current_date + k, 50.00,
       CASE WHEN r = 1 AND k = 25 THEN 0 ELSE 1 END,
       CASE WHEN r = 1 AND k = 21 THEN 3 ELSE 1 END,
       CASE WHEN r = 1 AND k = 22 THEN 2 END,
       r = 1 AND k = 23,
       r = 1 AND k = 29
FROM generate_series(1, 2) AS r, generate_series(1, 60) AS k
WHERE NOT (r = 1 AND k = 27);
INSERT INTO pricing.rate_plan (hotel_id, plan_id, name, room_id, min_stay, max_stay,
                               min_days_ahead, max_days_ahead) VALUES
  (14002, 1, 'stay 3 to 5', NULL, 3, 5, NULL, NULL),
  (14002, 2, 'early', NULL, 1, NULL, 10, NULL),
  (14002, 3, 'late', NULL, 1, NULL, NULL, 5),
  (14002, 4, 'suite deal', 2, 1, NULL, NULL, NULL);

--
-- 14003 'Dollar' (USD, no exchange rate needed): vat_percent 8.88, one
-- room for 2 at 110.05 a night, + 1 .. + 60.  One night for 2 adults:
-- vat round(110.05 * 8.88 / 100 = 9.77244) = 9.77; total 119.82 USD.
--
INSERT INTO pricing.hotel (hotel_id, city, name, currency, vat_percent) VALUES
  (14003, 'Bookham', 'Dollar', 'USD', 8.88);
INSERT INTO pricing.room (hotel_id, room_id, name, max_guests) VALUES (14003, 1, 'double', 2);
INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price)
SELECT 14003, 1, current_date + k, 110.05 FROM generate_series(1, 60) AS k;

-- 14098: a hotel without rooms
INSERT INTO pricing.hotel (hotel_id, city, name) VALUES (14098, 'Bookham', 'No rooms');

SELECT pricing.refresh(true) > 0 AS refreshed;

--
-- 1. A booking.  Room 1 of 14001 under plan 0, + 30 to + 32, 2 adults at
-- the offers' 227.24: booking 1, free cancellation until 30 - 2 = 28.
-- Nights 30 and 31 of room 1 go from 5 to 4; nights 28, 29, 32, 33 and
-- room 2 stay as they were.  It is written in the caller's transaction
-- (booked_at is its start).
--
SELECT room_id, plan_id, fcu, total, currency FROM offers_at(14001, 30, 32)
WHERE room_id = 1 AND plan_id = 0;
SELECT nights(14001, 1, 28, 34) AS room_1, nights(14001, 2, 28, 34) AS room_2;
BEGIN;
SELECT book_at(14001, 1, 0, 30, 32, 2, '{}', 227.24) AS booking_id;
SELECT booking_id - :b0 AS id, booked_at = now() AS booked_now FROM pricing.booking
WHERE hotel_id = 14001;
COMMIT;
SELECT * FROM bookings;
SELECT nights(14001, 1, 28, 34) AS room_1, nights(14001, 2, 28, 34) AS room_2;
-- a booking rolled back with its transaction leaves nothing (booking 2 is
-- spent: identities do not roll back)
BEGIN;
SELECT book_at(14001, 1, 0, 30, 32, 2, '{}', 227.24) AS booking_id;
SELECT nights(14001, 1, 28, 34) AS room_1;
ROLLBACK;
SELECT count(*) AS bookings FROM bookings;
SELECT nights(14001, 1, 28, 34) AS room_1;

--
-- 2. Every kind of plan, children, another currency
--
-- the non-refundable plan 1: 205.85, free_cancel_until NULL (booking 3);
-- plan 2, cancel_days 7: 280.74 until 30 - 7 = 23 (booking 4)
SELECT book_at(14001, 1, 1, 30, 32, 2, '{}', 205.85) AS booking_id;
SELECT book_at(14001, 1, 2, 30, 32, 2, '{}', 280.74) AS booking_id;
-- children, by the hotel's ages (infants under 2, young children under
-- 12, extra_child_fee 15.00 a night for a young child beyond base_guests):
--   2 adults, {1}:  an infant, free: 227.24
--   2 adults, {2}:  a young child: extra 15.00 * 2 = 30.00, net 234.90,
--                   vat round(16.443) = 16.44, city tax 8.00: 259.34
--   1 adult,  {11}: a young child in the second base place: no extra;
--                   city tax 2.00 * 1 * 2 = 4.00: 204.90 + 14.34 + 4.00 = 223.24
--   1 adult,  {12}: two adults: 227.24
-- (asked at 0.00: PR002 tells the total without booking)
SELECT p.adults, p.children,
       book_error(format('SELECT book_at(14001, 1, 0, 30, 32, %s, %L, 0)', p.adults, p.children)) AS book
FROM (VALUES (1, 2, '{1}'::int[]), (2, 2, '{2}'), (3, 1, '{11}'), (4, 1, '{12}')) AS p(i, adults, children)
ORDER BY p.i;
-- the index agrees
SELECT p.adults, p.children, o.total
FROM (VALUES (1, 2, '{1}'::int[]), (2, 2, '{2}'), (3, 1, '{11}'), (4, 1, '{12}')) AS p(i, adults, children),
     LATERAL offers_at(14001, 30, 32, p.adults, p.children) AS o
WHERE o.room_id = 1 AND o.plan_id = 0
ORDER BY p.i;
-- 1 adult with a 12-year-old (an adult), an 11-year-old (a young child)
-- and a 1-year-old (an infant): A 2, C 1, I 1, 3 occupants fit room 1 and
-- its one infant: as 2 adults and {2}, 259.34 (booking 5); children kept
-- as given
SELECT book_at(14001, 1, 0, 30, 32, 1, '{12,11,1}', 259.34) AS booking_id;
-- 14003 in USD: 119.82 USD, free cancellation until check-in (booking 6)
SELECT book_at(14003, 1, 0, 30, 31, 2, '{}', 119.82) AS booking_id;
SELECT * FROM bookings ORDER BY id;
-- room 1's nights 30 and 31: 5 - 4 bookings = 1
SELECT nights(14001, 1, 28, 34) AS room_1, nights(14003, 1, 29, 32) AS dollar;

--
-- 3. The last room: room 2 of 14001 has one a night.  From + 40 to + 42
-- every offer is there (totals as in the table above, both rooms).
--
SELECT * FROM offers_at(14001, 40, 42);
-- booking 7: room 2 under plan 0, 184.55; its nights 40 and 41 go to 0
SELECT book_at(14001, 2, 0, 40, 42, 2, '{}', 184.55) AS booking_id;
SELECT nights(14001, 2, 38, 44) AS room_2, nights(14001, 1, 38, 44) AS room_1;
-- another booking of it is refused at once, from the tables (under any
-- plan: they share the room), whatever the index still says
SELECT book_error($$SELECT book_at(14001, 2, 1, 40, 42, 2, '{}', 167.43)$$);
SELECT book_error($$SELECT book_at(14001, 2, 0, 41, 43, 2, '{}', 184.55)$$);
-- once refreshed, the index has no room 2 for those nights
SELECT pricing.refresh(true) > 0 AS refreshed;
SELECT * FROM offers_at(14001, 40, 42);
SELECT * FROM explain_at(14001, 40, 42) WHERE room_id = 2;
-- cancelled (free until 40 - 2 = 38): 184.55 back, the nights too, and
-- the index offers room 2 again
SELECT cancel_id(7) AS refund;
SELECT nights(14001, 2, 38, 44) AS room_2;
SELECT pricing.refresh(true) > 0 AS refreshed;
SELECT count(*) AS offers, count(*) FILTER (WHERE room_id = 2) AS room_2_offers
FROM offers_at(14001, 40, 42);
SELECT id, cancelled FROM bookings WHERE id = 7;

--
-- 4. PR001: the offer is not available, with explain's reason for that
-- room and plan (in 14002; expected_total 0 would be PR002 if it were)
--
-- sold out (+ 25): night 25; no rate (+ 27): night 27
SELECT book_error($$SELECT book_at(14002, 1, 0, 24, 26, 2, '{}', 0)$$) AS sold_out;
SELECT book_error($$SELECT book_at(14002, 1, 0, 26, 28, 2, '{}', 0)$$) AS no_rate;
-- the arrival night's min_stay 3 (+ 21), max_stay 2 (+ 22), closed to
-- arrival (+ 23); closed to departure (+ 29)
SELECT book_error($$SELECT book_at(14002, 1, 0, 21, 23, 2, '{}', 0)$$) AS min_stay;
SELECT book_error($$SELECT book_at(14002, 1, 0, 22, 25, 2, '{}', 0)$$) AS max_stay;
SELECT book_error($$SELECT book_at(14002, 1, 0, 23, 24, 2, '{}', 0)$$) AS closed_to_arrival;
SELECT book_error($$SELECT book_at(14002, 1, 0, 28, 29, 2, '{}', 0)$$) AS closed_to_departure;
-- 3 adults in a room for 2; 2 infants where 1 fits
SELECT book_error($$SELECT book_at(14002, 1, 0, 30, 32, 3, '{}', 0)$$) AS too_many_guests;
SELECT book_error($$SELECT book_at(14002, 1, 0, 30, 32, 2, '{0,1}', 0)$$) AS too_many_infants;
-- plan 1: 2 nights < min_stay 3, 6 nights > max_stay 5
SELECT book_error($$SELECT book_at(14002, 1, 1, 30, 32, 2, '{}', 0)$$) AS plan_min_stay;
SELECT book_error($$SELECT book_at(14002, 1, 1, 30, 36, 2, '{}', 0)$$) AS plan_max_stay;
-- plan 2 booked 5 days ahead (< 10); plan 3 booked 30 days ahead (> 5)
SELECT book_error($$SELECT book_at(14002, 1, 2, 5, 6, 2, '{}', 0)$$) AS booked_too_late;
SELECT book_error($$SELECT book_at(14002, 1, 3, 30, 31, 2, '{}', 0)$$) AS booked_too_early;
-- outside the window (yesterday to + horizon_days, 400): a stay from
-- + 401, and one from 3 days ago
SELECT book_error($$SELECT book_at(14002, 1, 0, 401, 403, 2, '{}', 0)$$) AS outside_window;
SELECT book_error($$SELECT book_at(14002, 1, 0, -3, -1, 2, '{}', 0)$$) AS outside_window;
-- an unknown hotel, a hotel without rooms, an unknown room, an unknown
-- plan, a plan of another room
SELECT book_error($$SELECT book_at(14099, 1, 0, 30, 32, 2, '{}', 0)$$) AS unknown_hotel;
SELECT book_error($$SELECT book_at(14098, 1, 0, 30, 32, 2, '{}', 0)$$) AS no_rooms;
SELECT book_error($$SELECT book_at(14002, 9, 0, 30, 32, 2, '{}', 0)$$) AS unknown_room;
SELECT book_error($$SELECT book_at(14002, 1, 9, 30, 32, 2, '{}', 0)$$) AS unknown_plan;
SELECT book_error($$SELECT book_at(14002, 1, 4, 30, 32, 2, '{}', 0)$$) AS other_rooms_plan;
-- each reason is explain's for that room and plan (the index agrees)
SELECT * FROM explain_at(14002, 24, 26) WHERE room_id = 1 AND plan_id = 0;
SELECT * FROM explain_at(14002, 30, 36) WHERE room_id = 1 AND plan_id = 1;
-- and the offers that are available are booked: plan 4 in room 2, 50.00
-- (booking 8); plan 1, 3 nights, 150.00 (booking 9)
SELECT book_at(14002, 2, 4, 30, 31, 2, '{}', 50.00) AS booking_id;
SELECT book_at(14002, 1, 1, 30, 33, 2, '{}', 150.00) AS booking_id;
-- nothing refused took a room
SELECT nights(14002, 1, 20, 34) AS room_1, nights(14002, 2, 29, 32) AS room_2;

--
-- 5. PR002: the total is not the one expected; the detail gives the
-- current one.  Room 1 of 14001 under plan 0, + 10 to + 12: 227.24.
--
SELECT e.expected, book_error(format('SELECT book_at(14001, 1, 0, 10, 12, 2, ''{}'', %s)', e.expected)) AS book
FROM (VALUES (1, '227.23'), (2, '227.25'), (3, '227'), (4, '227.2400000001'),
              (5, '-227.24'), (6, '''NaN''')) AS e(i, expected)
ORDER BY e.i;
-- in the hotel's currency
SELECT book_error($$SELECT book_at(14003, 1, 0, 10, 11, 2, '{}', 119.81)$$) AS dollar;
-- nothing was taken
SELECT nights(14001, 1, 9, 13) AS room_1;
-- the same value at another scale is the expected total: booking 10
SELECT book_at(14001, 1, 0, 10, 12, 2, '{}', 227.2400) AS booking_id;
SELECT book_at(14001, 1, 0, 10, 12, 2, '{}', 227.240000::numeric(20,6)) AS booking_id;
SELECT id, total, scale(total) FROM bookings WHERE id IN (10, 11) ORDER BY id;
-- the hotel raises night + 11 to 109.95 after the guest saw 227.24: rack
-- 209.90, net 214.90, vat round(15.043) = 15.04, total 237.94; the booking
-- sees the tables at once (no refresh)
UPDATE pricing.rate SET price = 109.95 WHERE hotel_id = 14001 AND room_id = 1 AND stay_date = current_date + 11;
SELECT book_error($$SELECT book_at(14001, 1, 0, 10, 12, 2, '{}', 227.24)$$) AS book;
SELECT book_at(14001, 1, 0, 10, 12, 2, '{}', 237.94) AS booking_id;
-- 7 nights (+ 40 to + 47) get the 10% discount: rack 699.65, discount
-- round(69.965) = 69.97, net 699.65 - 69.97 + 5.00 = 634.68, vat
-- round(44.4276) = 44.43, city tax 2.00 * 2 * 7 = 28.00: 707.11
SELECT book_error($$SELECT book_at(14001, 1, 0, 40, 47, 2, '{}', 0)$$) AS seven_nights;
SELECT total FROM offers_at(14001, 40, 47) WHERE room_id = 1 AND plan_id = 0;
SELECT * FROM bookings WHERE id >= 10 ORDER BY id;
SELECT nights(14001, 1, 9, 13) AS room_1;

--
-- 6. The reference: the same call again returns the same booking and
-- takes nothing more; the reference with anything else is 23505
--
-- booking 13, then 13 again; nights 20 and 21 lose one room, once
SELECT book_at(14001, 1, 0, 20, 22, 2, '{}', 227.24, 'order-1') AS booking_id;
SELECT book_at(14001, 1, 0, 20, 22, 2, '{}', 227.24, 'order-1') AS booking_id;
SELECT nights(14001, 1, 19, 23) AS room_1;
SELECT id, reference FROM bookings WHERE reference = 'order-1';
-- the same offer and stay asked at another total (a retry after the price
-- changed): still booking 13, no PR002
SELECT book_at(14001, 1, 0, 20, 22, 2, '{}', 0, 'order-1') AS booking_id;
-- another stay, plan, room, party, hotel: 23505
SELECT book_error($$SELECT book_at(14001, 1, 0, 20, 23, 2, '{}', 0, 'order-1')$$) AS other_stay;
SELECT book_error($$SELECT book_at(14001, 1, 1, 20, 22, 2, '{}', 0, 'order-1')$$) AS other_plan;
SELECT book_error($$SELECT book_at(14001, 2, 0, 20, 22, 2, '{}', 0, 'order-1')$$) AS other_room;
SELECT book_error($$SELECT book_at(14001, 1, 0, 20, 22, 1, '{}', 0, 'order-1')$$) AS other_adults;
SELECT book_error($$SELECT book_at(14001, 1, 0, 20, 22, 2, '{5}', 0, 'order-1')$$) AS other_children;
SELECT book_error($$SELECT book_at(14003, 1, 0, 20, 22, 2, '{}', 0, 'order-1')$$) AS other_hotel;
SELECT nights(14001, 1, 19, 23) AS room_1;
-- a refused booking uses no reference: PR001 with 'order-2', then it books
-- with it (booking 14)
SELECT book_error($$SELECT book_at(14002, 1, 0, 24, 26, 2, '{}', 0, 'order-2')$$) AS refused;
SELECT book_at(14002, 1, 0, 40, 41, 2, '{}', 50.00, 'order-2') AS booking_id;
-- once booking 13 is cancelled its reference stays its own: 23505
SELECT cancel_id(13) AS refund;
SELECT book_error($$SELECT book_at(14001, 1, 0, 20, 22, 2, '{}', 227.24, 'order-1')$$) AS after_cancel;
SELECT nights(14001, 1, 19, 23) AS room_1;

--
-- 7. Cancellation: the refund is the total until free_cancel_until (as of
-- today), else 0.00; each night gets its room back
--
-- plan 0 from + 2: free until 2 - 2 = 0, today: booking 15, refund 227.24
SELECT book_at(14001, 1, 0, 2, 4, 2, '{}', 227.24) AS booking_id;
SELECT nights(14001, 1, 1, 5) AS room_1;
SELECT cancel_id(15) AS refund;
SELECT nights(14001, 1, 1, 5) AS room_1;
-- plan 0 from + 1, booked 5 days ago: free until 1 - 2 = -1, yesterday
-- (not before the booking date -5): booking 16, refund 0.00
SELECT book_at(14001, 1, 0, 1, 3, 2, '{}', 227.24, b => -5) AS booking_id;
SELECT id, fcu FROM bookings WHERE id = 16;
SELECT cancel_id(16) AS refund;
SELECT nights(14001, 1, 1, 5) AS room_1;
-- plan 2 from + 5, booked today: its deadline 5 - 7 = -2 had passed, so no
-- free cancellation at all (NULL): 280.74, booking 17, refund 0.00
SELECT book_at(14001, 1, 2, 5, 7, 2, '{}', 280.74) AS booking_id;
SELECT id, fcu FROM bookings WHERE id = 17;
SELECT cancel_id(17) AS refund;
-- the bookings of part 2: plan 1 (not refundable) 0.00; plan 2 free until
-- 23: 280.74; room 1's nights 30 and 31 go from 1 to 3
SELECT cancel_id(3) AS refund;
SELECT cancel_id(4) AS refund;
SELECT nights(14001, 1, 28, 34) AS room_1;
-- PR003 the second time, and nothing given back twice
SELECT book_error('SELECT cancel_id(3)') AS again;
SELECT book_error('SELECT cancel_id(7)') AS again;
SELECT nights(14001, 1, 28, 34) AS room_1, nights(14001, 2, 38, 44) AS room_2;
-- P0002 for an unknown booking; 22004 for NULL
SELECT book_error('SELECT pricing.cancel(-1)') AS unknown;
SELECT book_error('SELECT pricing.cancel(NULL)') AS null_id;
-- a night deleted since is not given back (it no longer exists); the
-- others are: booking 18 from + 50 to + 52, night 51 deleted
SELECT book_at(14001, 1, 0, 50, 52, 2, '{}', 227.24) AS booking_id;
DELETE FROM pricing.rate WHERE hotel_id = 14001 AND room_id = 1 AND stay_date = current_date + 51;
SELECT cancel_id(18) AS refund;
SELECT nights(14001, 1, 49, 53) AS room_1;
-- a cancellation rolled back with its transaction leaves the booking
BEGIN;
SELECT cancel_id(5) AS refund;
ROLLBACK;
SELECT id, cancelled FROM bookings WHERE id = 5;
SELECT id, total, fcu, cancelled FROM bookings ORDER BY id;

--
-- 8. The arguments, as offers checks them
--
-- 22004: a NULL argument (reference may be NULL: that call is PR002)
SELECT a.arg, book_error(format('SELECT pricing.book(%s)', a.args)) AS book
FROM (VALUES
  (1, 'hotel_id', $$NULL, 1, 0, current_date + 30, current_date + 32, 2, '{}', 0$$),
  (2, 'room_id', $$14001, NULL, 0, current_date + 30, current_date + 32, 2, '{}', 0$$),
  (3, 'plan_id', $$14001, 1, NULL, current_date + 30, current_date + 32, 2, '{}', 0$$),
  (4, 'checkin', $$14001, 1, 0, NULL, current_date + 32, 2, '{}', 0$$),
  (5, 'checkout', $$14001, 1, 0, current_date + 30, NULL, 2, '{}', 0$$),
  (6, 'adults', $$14001, 1, 0, current_date + 30, current_date + 32, NULL, '{}', 0$$),
  (7, 'children', $$14001, 1, 0, current_date + 30, current_date + 32, 2, NULL, 0$$),
  (8, 'expected_total', $$14001, 1, 0, current_date + 30, current_date + 32, 2, '{}', NULL$$),
  (9, 'reference', $$14001, 1, 0, current_date + 30, current_date + 32, 2, '{}', 0, NULL$$),
  (10, 'booking_date', $$14001, 1, 0, current_date + 30, current_date + 32, 2, '{}', 0, NULL, NULL$$)
) AS a(i, arg, args)
ORDER BY a.i;
-- a NULL age
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, 2, '{5,NULL}', 0)$$) AS null_age;
-- 22023: checkout <= checkin; more than 30 nights, or no end
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 30, 2, '{}', 0)$$) AS same_day;
SELECT book_error($$SELECT book_at(14001, 1, 0, 31, 30, 2, '{}', 0)$$) AS backwards;
SELECT book_error($$SELECT book_at(14001, 1, 0, 1, 32, 2, '{}', 0)$$) AS nights_31;
SELECT book_error($$SELECT pricing.book(14001, 1, 0, current_date + 1, 'infinity', 2, '{}', 0)$$) AS no_end;
-- adults < 1
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, 0, '{}', 0)$$) AS adults_0;
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, -1, '{5}', 0)$$) AS adults_minus_1;
-- a child's age outside 0..17; more than 16 children
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, 2, '{-1}', 0)$$) AS age_minus_1;
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, 2, '{5,18}', 0)$$) AS age_18;
SELECT book_error(format('SELECT book_at(14001, 1, 0, 30, 32, 2, %L, 0)', array_fill(5, ARRAY[17]))) AS children_17;
-- the arguments are checked before the hotel is looked for
SELECT book_error($$SELECT book_at(14099, 1, 0, 30, 32, 0, '{}', 0)$$) AS unknown_hotel_adults_0;
-- the limits are fine: 30 nights (+ 1 to + 31, with night + 11 at 109.95
-- since part 5: rack 29 * 99.95 + 109.95 = 3008.50, discount 10% 300.85,
-- net 3008.50 - 300.85 + 5.00 = 2712.65, vat round(189.8855) = 189.89,
-- city tax 2.00 * 2 * 30 = 120.00: 3022.54); ages 0 and 17 (1 adult: A 2,
-- I 1: 227.24); 16 children (args fine, too many guests for the room)
SELECT book_error($$SELECT book_at(14001, 1, 0, 1, 31, 2, '{}', 0)$$) AS nights_30;
SELECT book_error($$SELECT book_at(14001, 1, 0, 30, 32, 1, '{0,17}', 0)$$) AS ages_0_17;
SELECT book_error(format('SELECT book_at(14001, 1, 0, 30, 32, 2, %L, 0)', array_fill(5, ARRAY[16]))) AS children_16;
-- as the user sees them
\set VERBOSITY default
SELECT pricing.book(14002, 1, 0, current_date + 30, current_date + 32, 3, '{}', 100.00);
SELECT pricing.book(14001, 1, 0, current_date + 10, current_date + 12, 2, '{}', 1.00);
SELECT pricing.cancel(-1);
SELECT count(*) AS still FROM bookings;

--
-- 9. Privileges.  EXECUTE on book and cancel is for pricing_booker (and
-- the owner); has_hotel for pricing_booker and pricing_reader; PUBLIC has
-- none.  pricing_booker reads pricing.booking and has no right on any
-- source table; nobody writes pricing.booking but the owner.
--
CREATE ROLE regress_book_nobody;
CREATE ROLE regress_book_reader IN ROLE pricing_reader;
CREATE ROLE regress_book_admin IN ROLE pricing_admin;
CREATE ROLE regress_book_booker IN ROLE pricing_booker;
SELECT f, r, has_function_privilege(r, f, 'EXECUTE') AS may_execute
FROM unnest(ARRAY['pricing.book(bigint, int, int, date, date, int, int[], numeric, text, date)',
                  'pricing.cancel(bigint)', 'pricing.has_hotel(bigint)']) AS f,
     unnest(ARRAY['public', 'pricing_reader', 'pricing_admin', 'pricing_booker',
                  'regress_book_nobody', 'regress_book_booker']::name[]) AS r
ORDER BY 1, 2;
-- pricing_booker's rights on every table of the schema
SELECT c.relname,
       array_remove(ARRAY[CASE WHEN has_table_privilege('pricing_booker', c.oid, 'SELECT') THEN 'SELECT' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'INSERT') THEN 'INSERT' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'UPDATE') THEN 'UPDATE' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'DELETE') THEN 'DELETE' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'REFERENCES') THEN 'REFERENCES' END,
                          CASE WHEN has_table_privilege('pricing_booker', c.oid, 'TRIGGER') THEN 'TRIGGER' END],
                    NULL) AS booker_may
FROM pg_class c
WHERE c.relnamespace = 'pricing'::regnamespace AND c.relkind IN ('r', 'v', 'S')
ORDER BY 1;
-- and who may write pricing.booking
SELECT r, p, has_table_privilege(r, 'pricing.booking', p) AS granted
FROM unnest(ARRAY['public', 'pricing_reader', 'pricing_admin', 'pricing_booker']::name[]) AS r,
     unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p
WHERE has_table_privilege(r, 'pricing.booking', p)
ORDER BY 1, 2;

-- a role outside pricing_booker: 42501 for book and cancel (a reader and
-- an admin too), for has_hotel unless it is a reader, and for every write
-- to pricing.booking (a member of pricing_booker too)
SELECT r AS role,
       book_error(format($$SET LOCAL ROLE %I; SELECT book_at(14001, 1, 0, 30, 32, 2, '{}', 227.24)$$, r)) AS book,
       book_error(format($$SET LOCAL ROLE %I; SELECT cancel_id(5)$$, r)) AS cancel,
       book_error(format($$SET LOCAL ROLE %I; SELECT pricing.has_hotel(14001)$$, r)) AS has_hotel
FROM unnest(ARRAY['regress_book_nobody', 'regress_book_reader', 'regress_book_admin']::name[]) AS r;
-- (each statement undone after it runs: pricing_admin, who loads the tables,
-- may delete and truncate bookings)
CREATE FUNCTION book_undone(statement text) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
  r text;
BEGIN
  BEGIN
    r := book_error(statement);
    RAISE SQLSTATE 'P0001' USING MESSAGE = 'undo';
  EXCEPTION WHEN SQLSTATE 'P0001' THEN
    NULL;
  END;
  RETURN r;
END
$$;
SELECT r AS role, w AS statement,
       book_undone(format('SET LOCAL ROLE %I; %s', r, w)) AS result
FROM unnest(ARRAY['regress_book_nobody', 'regress_book_admin', 'regress_book_booker']::name[]) AS r,
     unnest(ARRAY[$$INSERT INTO pricing.booking (hotel_id, room_id, plan_id, checkin, checkout, adults, children, total, currency)
                    VALUES (14001, 1, 0, current_date + 30, current_date + 32, 2, '{}', 0.01, 'EUR')$$,
                  $$UPDATE pricing.booking SET total = 0.01 WHERE hotel_id = 14001$$,
                  $$UPDATE pricing.booking SET cancelled_at = now() WHERE hotel_id = 14001$$,
                  $$DELETE FROM pricing.booking WHERE hotel_id = 14001$$,
                  $$TRUNCATE pricing.booking$$]) WITH ORDINALITY AS s(w, i)
ORDER BY r, s.i;
SELECT count(*) AS still, sum(total) AS totals FROM bookings;

-- a member of pricing_booker, with no right on any source table (it cannot
-- read them, nor prices), books and cancels, and reads its bookings.
-- 14003 + 40 to + 41 at 119.82 USD: booking 19; cancelled (free until 40):
-- 119.82
SET ROLE regress_book_booker;
SELECT book_error('SELECT count(*) FROM pricing.rate') AS read_rates;
SELECT book_error('UPDATE pricing.rate SET available = 9') AS write_rates;
SELECT book_error($$SELECT count(*) FROM pricing.offers(14003, current_date + 40, current_date + 41)$$) AS read_prices;
SELECT pricing.has_hotel(14003) AS has_14003, pricing.has_hotel(14099) AS has_14099;
SELECT book_error($$SELECT book_at(14003, 1, 0, 40, 41, 2, '{}', 119.81)$$) AS price_changed;
SELECT book_error($$SELECT book_at(14003, 1, 0, 40, 41, 3, '{}', 0)$$) AS not_available;
SELECT book_at(14003, 1, 0, 40, 41, 2, '{}', 119.82, 'booker-1') AS booking_id;
SELECT book_at(14003, 1, 0, 40, 41, 2, '{}', 119.82, 'booker-1') AS booking_id;
SELECT book_error($$SELECT book_at(14003, 1, 0, 40, 41, 2, '{}', 119.82)$$) AS sold_out;
SELECT booking_id - current_setting('regress.b0')::bigint AS id, total, currency, reference,
       cancelled_at IS NULL AS open
FROM pricing.booking WHERE reference = 'booker-1';
SELECT cancel_id(19) AS refund;
SELECT book_error('SELECT cancel_id(19)') AS again;
SELECT book_error('SELECT pricing.cancel(-1)') AS unknown;
RESET ROLE;
SELECT id, hotel, total, currency, reference, cancelled FROM bookings WHERE id = 19;
SELECT nights(14003, 1, 39, 42) AS dollar;
-- a reader can tell where a hotel is (for the router), without booking
SET ROLE regress_book_reader;
SELECT pricing.has_hotel(14001) AS has_14001, pricing.has_hotel(14099) AS has_14099;
RESET ROLE;

--
-- 10. Planted objects.  A member of pricing_booker who owns a schema puts
-- it first on its search_path, before pg_catalog, with operators for every
-- pair of the types book and cancel handle, functions named like those an
-- implementation might call, aggregates, and an implicit cast; each raises
-- an error if it ever runs.  Then it books and cancels (every path: a
-- booking, the repeated reference, PR001, PR002, PR003, P0002, 23505): all
-- succeed or fail as they should, and none of the planted objects runs.
--
CREATE ROLE regress_book_planter IN ROLE pricing_booker;
CREATE SCHEMA regress_plant AUTHORIZATION regress_book_planter;
-- the dates of the stay, as literals
SELECT current_date + 44 AS d44, current_date + 46 AS d46, current_date + 24 AS d24,
       current_date + 26 AS d26, current_date AS d0 \gset
SET ROLE regress_book_planter;
CREATE FUNCTION regress_plant.trap(what text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'planted % ran as %', what, current_user;
END
$$;
-- operators: every pair of types, every comparison and arithmetic
DO $do$
DECLARE
  types text[] := ARRAY['smallint', 'integer', 'bigint', 'numeric', 'text', 'character',
                        'date', 'boolean', 'integer[]', 'timestamp with time zone'];
  ops text[] := ARRAY['=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/'];
  l text;
  r text;
  o text;
  k int := 0;
BEGIN
  FOREACH l IN ARRAY types LOOP
    FOREACH r IN ARRAY types LOOP
      FOREACH o IN ARRAY ops LOOP
        k := k + 1;
        EXECUTE format($f$CREATE FUNCTION regress_plant.op_%s(%s, %s) RETURNS %s
                          LANGUAGE plpgsql AS $b$BEGIN PERFORM regress_plant.trap(%L); RETURN NULL; END$b$$f$,
                       k, l, r, CASE WHEN o IN ('+', '-', '*', '/') THEN l ELSE 'boolean' END,
                       format('operator %s %s %s', l, o, r));
        EXECUTE format('CREATE OPERATOR regress_plant.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = regress_plant.op_%s)',
                       o, l, r, k);
      END LOOP;
    END LOOP;
  END LOOP;
END
$do$;
-- functions named like the system's (what the C code calls by name, what
-- SQL might call unqualified, the casts' functional forms) and aggregates
DO $do$
DECLARE
  f text[];
  t text;
BEGIN
  FOREACH f SLICE 1 IN ARRAY ARRAY[
      ['now', '', 'timestamp with time zone'],
      ['clock_timestamp', '', 'timestamp with time zone'],
      ['transaction_timestamp', '', 'timestamp with time zone'],
      ['current_database', '', 'name'],
      ['count', '', 'bigint'],
      ['nextval', 'regclass', 'bigint'],
      ['numeric_eq', 'numeric, numeric', 'boolean'],
      ['numeric_cmp', 'numeric, numeric', 'integer'],
      ['numeric_round', 'numeric, integer', 'numeric'],
      ['round', 'numeric, integer', 'numeric'],
      ['round', 'numeric', 'numeric'],
      ['numeric', 'integer', 'numeric'],
      ['numeric', 'bigint', 'numeric'],
      ['numeric', 'numeric, integer', 'numeric'],
      ['int4_numeric', 'integer', 'numeric'],
      ['int8', 'numeric', 'bigint'],
      ['int4', 'numeric', 'integer'],
      ['int4', 'bigint', 'integer'],
      ['int8', 'integer', 'bigint'],
      ['int4pl', 'integer, integer', 'integer'],
      ['int8eq', 'bigint, bigint', 'boolean'],
      ['int4eq', 'integer, integer', 'boolean'],
      ['date_eq', 'date, date', 'boolean'],
      ['date_ge', 'date, date', 'boolean'],
      ['date_lt', 'date, date', 'boolean'],
      ['date_le', 'date, date', 'boolean'],
      ['date', 'text', 'date'],
      ['date', 'timestamp with time zone', 'date'],
      ['text', 'date', 'text'],
      ['text', 'numeric', 'text'],
      ['text', 'character', 'text'],
      ['bpchar', 'text', 'character'],
      ['bpchar', 'character, integer, boolean', 'character'],
      ['texteq', 'text, text', 'boolean'],
      ['array_eq', 'anyarray, anyarray', 'boolean'],
      ['array_length', 'anyarray, integer', 'integer'],
      ['cardinality', 'anyarray', 'integer'],
      ['coalesce', 'date, date', 'date'],
      ['coalesce', 'numeric, numeric', 'numeric'],
      ['greatest', 'numeric, numeric', 'numeric'],
      ['exists', 'boolean', 'boolean'],
      ['format', 'text', 'text'],
      ['concat', 'text, text', 'text']] LOOP
    EXECUTE format($f$CREATE FUNCTION regress_plant.%I(%s) RETURNS %s
                      LANGUAGE plpgsql AS $b$BEGIN PERFORM regress_plant.trap(%L); RETURN NULL; END$b$$f$,
                   f[1], f[2], f[3], format('function %s(%s)', f[1], f[2]));
  END LOOP;
  FOREACH t IN ARRAY ARRAY['integer', 'bigint', 'numeric', 'date'] LOOP
    EXECUTE format($f$CREATE FUNCTION regress_plant.%I(%s, %s) RETURNS %s
                      LANGUAGE plpgsql AS $b$BEGIN PERFORM regress_plant.trap(%L); RETURN $1; END$b$$f$,
                   'agg_' || t, t, t, t, format('aggregate over %s', t));
    EXECUTE format('CREATE AGGREGATE regress_plant.sum(%s) (SFUNC = regress_plant.%I, STYPE = %s)', t, 'agg_' || t, t);
    EXECUTE format('CREATE AGGREGATE regress_plant.max(%s) (SFUNC = regress_plant.%I, STYPE = %s)', t, 'agg_' || t, t);
    EXECUTE format('CREATE AGGREGATE regress_plant.min(%s) (SFUNC = regress_plant.%I, STYPE = %s)', t, 'agg_' || t, t);
  END LOOP;
END
$do$;
-- an implicit cast from integer to a type of its own, and an operator
-- that takes it (a role may create a cast of a type it owns)
CREATE TYPE regress_plant.evil AS (x integer);
CREATE FUNCTION regress_plant.to_evil(integer) RETURNS regress_plant.evil
LANGUAGE plpgsql AS $$BEGIN PERFORM regress_plant.trap('cast integer to evil'); RETURN NULL; END$$;
CREATE CAST (integer AS regress_plant.evil) WITH FUNCTION regress_plant.to_evil(integer) AS IMPLICIT;
CREATE FUNCTION regress_plant.evil_plus(bigint, regress_plant.evil) RETURNS bigint
LANGUAGE plpgsql AS $$BEGIN PERFORM regress_plant.trap('operator bigint + evil'); RETURN NULL; END$$;
CREATE OPERATOR regress_plant.+ (LEFTARG = bigint, RIGHTARG = regress_plant.evil,
                                 FUNCTION = regress_plant.evil_plus);
-- and, in pg_temp (last on the functions' path), tables named like the
-- extension's
CREATE TEMP TABLE hotel (hotel_id bigint);
CREATE TEMP TABLE room (hotel_id bigint, room_id int);
CREATE TEMP TABLE rate (hotel_id bigint, room_id int, stay_date date, available int);
CREATE TEMP TABLE rate_plan (hotel_id bigint, plan_id int);
CREATE TEMP TABLE booking (booking_id bigint);
SET search_path = regress_plant, pg_catalog, public;
-- the battery is armed: what resolves to it runs it
SELECT expect_error('SELECT 1::bigint = 2::bigint') AS int8_eq,
       expect_error('SELECT current_date >= current_date') AS date_ge,
       expect_error('SELECT now()') AS now,
       expect_error('SELECT numeric_eq(1.0, 1.00)') AS numeric_eq,
       expect_error('SELECT round(1.005, 2)') AS round;
SELECT expect_error($$SELECT '{1}'::int[] = '{1}'::int[]$$) AS array_eq,
       expect_error('SELECT 1 + 1') AS int4_plus,
       expect_error('SELECT count()') AS count;

-- now the planter books: 14001 room 1 plan 0, + 44 to + 46, 2 adults and
-- a 2-year-old (a young child): 259.34, free until 42 (booking 20)
SELECT pricing.book(14001, 1, 0, :'d44', :'d46', 2, '{2}', 259.34, 'planted-1') AS planted_id \gset
-- the same reference: the same booking
SELECT pricing.book(14001, 1, 0, :'d44', :'d46', 2, '{2}', 259.34, 'planted-1')
       OPERATOR(pg_catalog.=) :planted_id AS same_booking;
-- PR001 (with a night in its detail), PR002, 23505, 22023, 22004
SELECT book_error(format($$SELECT pricing.book(14002, 1, 0, %L, %L, 2, '{}', 0)$$, :'d24', :'d26')) AS pr001;
SELECT book_error(format($$SELECT pricing.book(14002, 9, 0, %L, %L, 2, '{}', 0)$$, :'d44', :'d46')) AS pr001;
SELECT book_error(format($$SELECT pricing.book(14001, 1, 0, %L, %L, 2, '{2}', 259.33)$$, :'d44', :'d46')) AS pr002;
SELECT book_error(format($$SELECT pricing.book(14001, 1, 0, %L, %L, 2, '{2}', 259.34, 'planted-1')$$, :'d24', :'d26')) AS ref;
SELECT book_error(format($$SELECT pricing.book(14001, 1, 0, %L, %L, 0, '{2}', 259.34)$$, :'d44', :'d46')) AS args;
SELECT book_error(format($$SELECT pricing.book(14001, 1, 0, %L, %L, 2, '{NULL}', 259.34)$$, :'d44', :'d46')) AS args;
SELECT pricing.has_hotel(14001) AS has_14001, pricing.has_hotel(14099) AS has_14099;
-- cancel: free until 42, 259.34; then PR003, and P0002
SELECT pricing.cancel(:planted_id) AS refund;
SELECT book_error(format('SELECT pricing.cancel(%s)', :planted_id)) AS again;
SELECT book_error('SELECT pricing.cancel(-1)') AS unknown;
DROP TABLE pg_temp.hotel, pg_temp.room, pg_temp.rate, pg_temp.rate_plan, pg_temp.booking;
RESET search_path;
RESET ROLE;
SELECT id, hotel, room, plan, ci, co, adults, children, total, currency, fcu, reference, cancelled
FROM bookings WHERE reference = 'planted-1';
SELECT :planted_id - :b0 AS planted_id;
SELECT nights(14001, 1, 43, 47) AS room_1;

--
-- Clean up: the bookings first (pricing.booking references the rooms: a
-- hotel with bookings, even cancelled ones, cannot be deleted)
--
SELECT expect_error('DELETE FROM pricing.hotel WHERE hotel_id = 14003') AS delete_hotel;
SET client_min_messages = warning;
DROP SCHEMA regress_plant CASCADE;
RESET client_min_messages;
DROP ROLE regress_book_nobody, regress_book_reader, regress_book_admin, regress_book_booker,
          regress_book_planter;
DELETE FROM pricing.booking WHERE hotel_id BETWEEN 14001 AND 14099;
DELETE FROM pricing.hotel WHERE hotel_id BETWEEN 14001 AND 14099;
DROP VIEW bookings;
DROP FUNCTION book_at(bigint, int, int, int, int, int, int[], numeric, text, int);
DROP FUNCTION cancel_id(bigint);
DROP FUNCTION book_undone(text);
DROP FUNCTION book_error(text);
DROP FUNCTION nights(bigint, int, int, int);
DROP FUNCTION offers_at(bigint, int, int, int, int[]);
DROP FUNCTION explain_at(bigint, int, int);
SELECT pricing.refresh(true) > 0 AS refreshed;
