-- test/bench/rival.sql: the best plain-SQL answer to pricing.cheapest's
-- question, over the same tables (with the indexes of rival_indexes.sql).
--
-- Parameters: $1 city number (the city is 'City' || $1), $2 check-in in
-- days from today, $3 nights, $4 guests; ten results, no star or price
-- limit, booked today.  run.sh turns $1..$4 into pgbench variables for the
-- benchmark, and into a SQL function's arguments for the correctness check.
--
-- Per hotel of the city: one index-only range scan of its rates over the
-- stay (both rooms at once, grouped by room), one index-only probe each for
-- its fees, its discounts and its rooms, and one per room for its occupancy
-- row for the guests (version 1.1's single-use prices, the one 1.1 feature
-- of the benchmark's data that cheapest's answer depends on); the
-- arithmetic of doc/reference.md in numeric; the best room per hotel
-- (LIMIT 1), then the ten best hotels (top-N sort).
-- Discounts are fetched once per hotel: the best hotel-wide percent and
-- the room-specific ones as arrays.  PostgreSQL chooses its plan by itself
-- (after five executions of the prepared statement, a generic plan).
SELECT h.hotel_id, h.name, h.stars, best.room_id, best.total, h.currency
FROM (SELECT 'City' || $1::int AS city, current_date + $2::int AS ci,
             $3::int AS n, $4::int AS g) s
JOIN pricing.hotel h ON h.city = s.city
CROSS JOIN LATERAL (
  SELECT coalesce(sum(CASE f.per WHEN 'stay' THEN f.amount
                                 WHEN 'night' THEN f.amount * s.n
                                 ELSE f.amount * s.g * s.n END), 0) AS fees
  FROM pricing.fee f
  WHERE f.hotel_id = h.hotel_id
) f
CROSS JOIN LATERAL (
  SELECT coalesce(max(d.percent) FILTER (WHERE d.room_id IS NULL), 0) AS all_rooms,
         array_agg(d.room_id) FILTER (WHERE d.room_id IS NOT NULL) AS room_ids,
         array_agg(d.percent) FILTER (WHERE d.room_id IS NOT NULL) AS room_percents
  FROM pricing.discount d
  WHERE d.hotel_id = h.hotel_id
    AND s.n >= d.min_nights
    AND (d.checkin_from IS NULL OR s.ci >= d.checkin_from)
    AND (d.checkin_to IS NULL OR s.ci <= d.checkin_to)
    AND (d.min_days_ahead IS NULL OR s.ci - current_date >= d.min_days_ahead)
) d
CROSS JOIN LATERAL (
  SELECT r.room_id, t.total
  FROM (
    SELECT x.room_id, sum(x.price) AS base
    FROM pricing.rate x
    WHERE x.hotel_id = h.hotel_id
      AND x.stay_date >= s.ci AND x.stay_date < s.ci + s.n
      AND x.available >= 1
    GROUP BY x.room_id
    HAVING count(*) = s.n
       AND bool_or(x.stay_date = s.ci AND NOT x.closed_to_arrival AND x.min_stay <= s.n)
  ) b
  JOIN pricing.room r ON r.hotel_id = h.hotel_id AND r.room_id = b.room_id
  LEFT JOIN pricing.occupancy oc ON oc.hotel_id = h.hotel_id AND oc.room_id = r.room_id
                                AND oc.occupants = s.g
  CROSS JOIN LATERAL (
    SELECT CASE WHEN oc.adjust_percent IS NULL THEN b.base
                  ELSE round(b.base * (100 + oc.adjust_percent) / 100, 2) END
             + greatest(s.g - r.base_guests, 0) * r.extra_guest_fee * s.n AS subtotal,
           CASE WHEN d.room_ids IS NULL THEN d.all_rooms
                ELSE greatest(d.all_rooms,
                              (SELECT max(u.p) FROM unnest(d.room_ids, d.room_percents) AS u(id, p)
                               WHERE u.id = r.room_id))
           END AS percent
  ) st
  CROSS JOIN LATERAL (
    SELECT st.subtotal - round(st.subtotal * st.percent / 100, 2) + f.fees AS net
  ) nt
  CROSS JOIN LATERAL (
    SELECT nt.net + round(nt.net * h.vat_percent / 100, 2) + h.city_tax * s.g * s.n AS total
  ) t
  WHERE r.max_guests >= s.g
  ORDER BY t.total, r.room_id
  LIMIT 1
) best
ORDER BY best.total, h.hotel_id
LIMIT 10
