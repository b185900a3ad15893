-- test/bench/rival_search_bounded.sql: the best plain-SQL answer to
-- pricing.search's question, the design of rival_bounded.sql carried over
-- to version 1.1: per-hotel lower bounds of a night's price over every plan,
-- per number of occupants, in the pivot currency of pricing.exchange_rate
-- (rival.hotel_bound.ks_o, kept by the triggers of rival_bounds.sql), let
-- it price only the hotels that can make the top ten.
--
-- Parameters: $1 city number, $2 check-in in days from today, $3 nights,
-- $4 adults, $5 the children's ages (int[]), $6 the currency of the totals
-- (not NULL); ten results, no star or price limit, any board, any
-- cancellation terms, booked today.
--
-- The party's bound of each hotel of the city: ks_o at its number of
-- occupants (o_by_ia: the adults and the children not younger than the
-- hotel's infant_age; none when no room takes them).  First pass: the 20
-- hotels with the lowest, each priced (rival.hotel_offer: its best offer in
-- its currency) and converted; the tenth best of their totals bounds the
-- answer.  Second pass: price every other hotel whose bound times the
-- nights, in the currency and less the roundings' margin, does not exceed
-- it (all of them when the first pass found fewer than ten prices).  Then
-- the ten best.  A currency without an exchange rate gives no rows (s is
-- empty).
WITH s AS MATERIALIZED (
  SELECT 'City' || $1::int AS city, current_date + $2::int AS ci, $3::int AS n, $4::int AS a,
         $5::int[] AS children, e.currency, e.per_unit AS tu,
         CASE WHEN $3::int <= 8 THEN rival.period(current_date + $2::int) ELSE -1 END AS p,
         ARRAY(SELECT $4::int + (SELECT count(*) FROM unnest($5::int[]) AS c(age) WHERE c.age >= ia)::int
               FROM generate_series(0, 18) AS ia ORDER BY ia) AS o_by_ia
  FROM pricing.exchange_rate e
  WHERE e.currency = $6::char(3)),
cand AS MATERIALIZED (
  SELECT hb.hotel_id, hb.sp, hb.ks_o[s.o_by_ia[hb.infant_age + 1]] AS ks
  FROM s JOIN rival.hotel_bound hb ON hb.city = s.city AND hb.period = s.p
  WHERE hb.sp IS NOT NULL AND hb.ks_o[s.o_by_ia[hb.infant_age + 1]] IS NOT NULL),
first AS MATERIALIZED (
  SELECT b.hotel_id, o.name, o.stars, o.room_id, o.plan_id, o.plan_name, o.board,
         o.free_cancel_until,
         CASE WHEN o.currency = s.currency THEN o.total
              ELSE round(o.total * b.sp / s.tu, 2) END AS total
  FROM s
  CROSS JOIN LATERAL (SELECT c.hotel_id, c.sp FROM cand c ORDER BY c.ks LIMIT 20) b
  LEFT JOIN LATERAL rival.hotel_offer(b.hotel_id, s.ci, s.n, s.a, s.children) o ON true),
th AS MATERIALIZED (
  SELECT (SELECT total FROM first WHERE total IS NOT NULL ORDER BY total LIMIT 1 OFFSET 9) AS t),
rest AS (
  SELECT c.hotel_id, o.name, o.stars, o.room_id, o.plan_id, o.plan_name, o.board,
         o.free_cancel_until,
         CASE WHEN o.currency = s.currency THEN o.total
              ELSE round(o.total * c.sp / s.tu, 2) END AS total
  FROM s, th, cand c
  CROSS JOIN LATERAL rival.hotel_offer(c.hotel_id, s.ci, s.n, s.a, s.children) o
  WHERE c.hotel_id NOT IN (SELECT hotel_id FROM first)
    AND (th.t IS NULL OR (c.ks * s.n - 0.05 * c.sp) / s.tu - 0.01 <= th.t)),
priced AS (
  SELECT * FROM first WHERE total IS NOT NULL
  UNION ALL
  SELECT * FROM rest)
SELECT p.hotel_id, p.name, p.stars, p.room_id, p.plan_id, p.plan_name, p.board,
       p.free_cancel_until, p.total, s.currency
FROM priced p, s
ORDER BY p.total, p.hotel_id
LIMIT 10
