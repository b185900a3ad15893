-- test/bench/rival_calendar.sql: the best plain-SQL answer to
-- pricing.calendar's question, built on rival_search_bounded.sql: for each
-- check-in date, the best offer of the city (search's first row) and the
-- number of the city's hotels with an offer.
--
-- Parameters: $1 city number, $2 first check-in in days from today, $3
-- nights, $4 adults, $5 the children's ages (int[]), $6 the currency of the
-- totals (not NULL), $7 the number of check-in dates; no star limit, any
-- board, any cancellation terms, booked today.
--
-- The count is availability only, in one pass over the rates: the city's
-- hotels with an exchange rate, their rooms that take the party (counted
-- with each hotel's ages), those rooms' nights from the first check-in to
-- the last departure, and per check-in night, with window frames over the
-- dates, whether all n nights sell, the arrival allows the stay and the
-- departure night is not closed to departure; an open room with a plan
-- that fits the stay (plan 0's defaults when the hotel has no row for it)
-- is an offer.  The best offer per date: only hotels with an offer that
-- date, by their bound in rival.hotel_bound (rival_bounds.sql) for the
-- date's period and the party's occupants; the 3 lowest priced
-- (rival.hotel_offer) and converted, the best of them bounds the answer;
-- then every other hotel whose bound times the nights, in the currency and
-- less the roundings' margin, does not exceed it.  A currency without an
-- exchange rate gives no rows (s is empty).
WITH s AS MATERIALIZED (
  SELECT 'City' || $1::int AS city, current_date + $2::int AS ci0, $3::int AS n, $4::int AS a,
         $5::int[] AS children, e.currency, e.per_unit AS tu, $7::int AS nd
  FROM pricing.exchange_rate e
  WHERE e.currency = $6::char(3)),
-- the city's hotels that convert, the party counted with their ages: A
-- adults, C young children, I infants
h AS MATERIALIZED (
  SELECT h.hotel_id, pa.a, pa.c, pa.i, e.per_unit AS sp
  FROM s
  JOIN pricing.hotel h ON h.city = s.city
  JOIN pricing.exchange_rate e ON e.currency = h.currency
  CROSS JOIN LATERAL (
    SELECT s.a + count(*) FILTER (WHERE k.age >= h.child_age) AS a,
           count(*) FILTER (WHERE k.age >= h.infant_age AND k.age < h.child_age) AS c,
           count(*) FILTER (WHERE k.age < h.infant_age) AS i
    FROM unnest(s.children) AS k(age)) pa),
rm AS MATERIALIZED (
  SELECT r.hotel_id, r.room_id
  FROM h JOIN pricing.room r ON r.hotel_id = h.hotel_id
  WHERE h.a + h.c <= r.max_guests AND h.i <= r.max_infants),
-- per room and night: the sellable nights of a stay checking in then, and
-- its departure night's closed_to_departure (NULL without a rate row)
nt AS (
  SELECT x.hotel_id, x.room_id, x.stay_date AS ci,
         x.available >= 1 AND NOT x.closed_to_arrival AND x.min_stay <= $3::int
           AND (x.max_stay IS NULL OR $3::int <= x.max_stay) AS arrives,
         count(*) FILTER (WHERE x.available >= 1) OVER stay AS sellable,
         bool_or(x.closed_to_departure) OVER departure AS ctd
  FROM s, rm
  JOIN pricing.rate x ON x.hotel_id = rm.hotel_id AND x.room_id = rm.room_id
  WHERE x.stay_date >= s.ci0 AND x.stay_date <= s.ci0 + s.nd - 1 + s.n
  WINDOW stay AS (PARTITION BY x.hotel_id, x.room_id ORDER BY x.stay_date
                  RANGE BETWEEN CURRENT ROW AND make_interval(days => $3::int - 1) FOLLOWING),
         departure AS (PARTITION BY x.hotel_id, x.room_id ORDER BY x.stay_date
                       RANGE BETWEEN make_interval(days => $3::int) FOLLOWING
                             AND make_interval(days => $3::int) FOLLOWING)),
-- the hotels with an offer, per date
off AS MATERIALIZED (
  SELECT DISTINCT nt.ci, nt.hotel_id
  FROM s, nt
  WHERE nt.ci < s.ci0 + s.nd AND nt.arrives AND nt.sellable = s.n AND NOT coalesce(nt.ctd, false)
    AND (EXISTS (SELECT FROM pricing.rate_plan rp
                 WHERE rp.hotel_id = nt.hotel_id
                   AND (rp.room_id IS NULL OR rp.room_id = nt.room_id)
                   AND s.n >= rp.min_stay AND (rp.max_stay IS NULL OR s.n <= rp.max_stay)
                   AND (rp.min_days_ahead IS NULL OR nt.ci - current_date >= rp.min_days_ahead)
                   AND (rp.max_days_ahead IS NULL OR nt.ci - current_date <= rp.max_days_ahead))
         OR NOT EXISTS (SELECT FROM pricing.rate_plan rp
                        WHERE rp.hotel_id = nt.hotel_id AND rp.plan_id = 0))),
-- their bounds for the date's period and the party's occupants, ranked
cand AS MATERIALIZED (
  SELECT o.ci, o.hotel_id, h.sp, coalesce(hb.ks_o[h.a + h.c], 0) AS ks,
         row_number() OVER (PARTITION BY o.ci ORDER BY coalesce(hb.ks_o[h.a + h.c], 0), o.hotel_id) AS rn
  FROM off o
  CROSS JOIN s
  JOIN h ON h.hotel_id = o.hotel_id
  LEFT JOIN rival.hotel_bound hb
    ON hb.city = s.city AND hb.hotel_id = o.hotel_id
   AND hb.period = CASE WHEN s.n <= 8 THEN rival.period(o.ci) ELSE -1 END),
first AS MATERIALIZED (
  SELECT c.ci, c.hotel_id, o.name, o.room_id, o.plan_id,
         CASE WHEN o.currency = s.currency THEN o.total
              ELSE round(o.total * c.sp / s.tu, 2) END AS total
  FROM s, cand c
  CROSS JOIN LATERAL rival.hotel_offer(c.hotel_id, c.ci, s.n, s.a, s.children) o
  WHERE c.rn <= 3),
th AS MATERIALIZED (
  SELECT ci, min(total) AS t FROM first GROUP BY ci),
rest AS (
  SELECT c.ci, c.hotel_id, o.name, o.room_id, o.plan_id,
         CASE WHEN o.currency = s.currency THEN o.total
              ELSE round(o.total * c.sp / s.tu, 2) END AS total
  FROM s, cand c
  LEFT JOIN th ON th.ci = c.ci
  CROSS JOIN LATERAL rival.hotel_offer(c.hotel_id, c.ci, s.n, s.a, s.children) o
  WHERE c.rn > 3
    AND (th.t IS NULL OR (c.ks * s.n - 0.05 * c.sp) / s.tu - 0.01 <= th.t)),
best AS (
  SELECT DISTINCT ON (p.ci) p.*
  FROM (SELECT * FROM first UNION ALL SELECT * FROM rest) p
  ORDER BY p.ci, p.total, p.hotel_id)
SELECT b.ci AS checkin, b.hotel_id, b.name, b.room_id, b.plan_id, b.total, s.currency,
       (SELECT count(*) FROM off o WHERE o.ci = b.ci)::int AS hotels
FROM best b, s
ORDER BY b.ci
