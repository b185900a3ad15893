-- test/data/sample.sql: a small, seeded sample data set for the demo.
--
-- Five cities, 60 hotels with two or three rooms each, 120 nights of rates
-- from today, a few sold-out nights, minimum stays and closed arrivals,
-- discounts of every kind and fees of every kind.  Dates are relative to
-- current_date because the index holds nights from yesterday onwards.

SELECT setseed(0.2026);

INSERT INTO pricing.hotel (hotel_id, city, name, stars, currency, vat_percent, city_tax)
SELECT i,
       (ARRAY['Berlin', 'Paris', 'Lisbon', 'Rome', 'Vienna'])[1 + i % 5],
       (ARRAY['Grand', 'Park', 'Central', 'Garden', 'Royal', 'Station', 'Riverside', 'Old Town'])[1 + (i * 7) % 8]
         || ' ' || (ARRAY['Hotel', 'Inn', 'Suites', 'Lodge'])[1 + i % 4] || ' ' || i,
       1 + (i / 5) % 5,
       'EUR',
       (ARRAY[7, 10, 13, 19, 20])[1 + i % 5],
       round((random() * 5)::numeric, 2)
FROM generate_series(1, 60) AS i;

INSERT INTO pricing.room (hotel_id, room_id, name, max_guests, base_guests, extra_guest_fee)
SELECT h.hotel_id, r,
       (ARRAY['Single', 'Double', 'Family'])[r],
       (ARRAY[1, 2, 4])[r],
       (ARRAY[1, 2, 2])[r],
       (ARRAY[0, 15, 25])[r]
FROM pricing.hotel h, generate_series(1, 2 + (h.hotel_id % 2)::int) AS r;

INSERT INTO pricing.rate (hotel_id, room_id, stay_date, price, available, min_stay, closed_to_arrival)
SELECT r.hotel_id, r.room_id, current_date + d,
       round((40 + 25 * r.room_id + 20 * h.stars
              + CASE WHEN extract(isodow FROM current_date + d) >= 5 THEN 30 ELSE 0 END
              + random() * 40)::numeric, 2),
       CASE WHEN random() < 0.04 THEN 0 ELSE 1 + (random() * 5)::int END,
       CASE WHEN random() < 0.05 THEN 3 ELSE 1 END,
       random() < 0.03
FROM pricing.room r
JOIN pricing.hotel h USING (hotel_id),
     generate_series(0, 119) AS d;

INSERT INTO pricing.discount (hotel_id, room_id, percent, min_nights, checkin_from, checkin_to, min_days_ahead)
SELECT hotel_id,
       CASE WHEN hotel_id % 4 = 0 THEN 2 END,
       (ARRAY[5, 10, 12.5, 15])[1 + hotel_id % 4],
       (ARRAY[1, 3, 7])[1 + hotel_id % 3],
       CASE WHEN hotel_id % 5 = 0 THEN current_date + 7 END,
       CASE WHEN hotel_id % 5 = 0 THEN current_date + 60 END,
       CASE WHEN hotel_id % 6 = 0 THEN 21 END
FROM pricing.hotel
WHERE hotel_id % 3 <> 1;

INSERT INTO pricing.fee (hotel_id, name, amount, per)
SELECT hotel_id, 'cleaning', 25, 'stay' FROM pricing.hotel WHERE hotel_id % 3 = 0
UNION ALL
SELECT hotel_id, 'resort fee', 8.50, 'night' FROM pricing.hotel WHERE hotel_id % 4 = 1
UNION ALL
SELECT hotel_id, 'breakfast', 12, 'guest_night' FROM pricing.hotel WHERE hotel_id % 5 = 2;
