-- test/bench/rival_bounded.sql: the best plain-SQL answer to pricing.cheapest's
-- question, borrowing the index's own idea: per-hotel lower bounds of a
-- night's price (rival.hotel_bound, kept by the triggers of
-- rival_bounds.sql) let it price only the hotels that can make the top ten.
--
-- Parameters as rival.sql: $1 city number, $2 check-in in days from today,
-- $3 nights, $4 guests; ten results, no star or price limit, booked today.
--
-- First pass: the 20 hotels of the city with the lowest bounds for the
-- check-in's period, priced (rival.hotel_total); the tenth best of their
-- totals bounds the answer.  Second pass: price every other hotel whose
-- bound times the nights, less five cents, does not exceed it (all of them
-- when the first pass found fewer than ten prices).  Then the ten best.
WITH s AS MATERIALIZED (
  SELECT 'City' || $1::int AS city, current_date + $2::int AS ci, $3::int AS n, $4::int AS g,
         CASE WHEN $3::int <= 8 THEN rival.period(current_date + $2::int) ELSE -1 END AS p),
first AS MATERIALIZED (
  SELECT b.hotel_id, b.k, pr.room_id, pr.total
  FROM s
  CROSS JOIN LATERAL (SELECT hb.hotel_id, hb.k FROM rival.hotel_bound hb
                      WHERE hb.city = s.city AND hb.period = s.p
                      ORDER BY hb.k LIMIT 20) b
  LEFT JOIN LATERAL rival.hotel_total(b.hotel_id, s.ci, s.n, s.g) pr ON true),
th AS MATERIALIZED (
  SELECT (SELECT total FROM first WHERE total IS NOT NULL ORDER BY total LIMIT 1 OFFSET 9) AS t),
rest AS (
  SELECT hb.hotel_id, pr.room_id, pr.total
  FROM s, th, rival.hotel_bound hb
  CROSS JOIN LATERAL rival.hotel_total(hb.hotel_id, s.ci, s.n, s.g) pr
  WHERE hb.city = s.city AND hb.period = s.p
    AND hb.hotel_id NOT IN (SELECT hotel_id FROM first)
    AND (th.t IS NULL OR hb.k * s.n - 0.05 <= th.t)),
priced AS (
  SELECT hotel_id, room_id, total FROM first WHERE total IS NOT NULL
  UNION ALL
  SELECT hotel_id, room_id, total FROM rest)
SELECT h.hotel_id, h.name, h.stars, p.room_id, p.total, h.currency
FROM priced p JOIN pricing.hotel h USING (hotel_id)
ORDER BY p.total, p.hotel_id
LIMIT 10
