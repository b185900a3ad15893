--
-- test/bench/rival_bounds.sql: what a plain-SQL design that borrows the
-- index's own idea needs besides the tables: a summary table of per-hotel
-- lower bounds of one night's price, and the triggers that keep it right.
-- The queries that use it are rival_bounded.sql (pricing.cheapest's
-- question), rival_search_bounded.sql (pricing.search's) and
-- rival_calendar.sql (pricing.calendar's).
--
-- For each hotel and each period of 14 check-in nights (numbered from
-- 2000-01-03, a Monday), lower bounds of what any night of any stay of at
-- most 8 nights checking in during the period costs, all in.  For cheapest
-- (plan 0, adults only, the hotel's currency), one bound:
--
--   k  = (cheapest sellable night in the period's reach, nights p*14 .. p*14+20,
--         at the hotel's lowest occupancy adjustment (if below 0), less the
--         hotel's largest discount, plus its fees per night and per guest
--         and night for one guest) * (1 + VAT) + city tax for one guest
--
-- so that a stay of n nights costs at least n * k - 0.05 (each of the
-- three roundings, of the occupancy price, the discount and the VAT, takes
-- at most half a cent, doubled at most by the VAT; no other term can be
-- smaller than its share of k).  For search (every plan, any party, in the
-- pivot currency of pricing.exchange_rate), one bound per number of
-- occupants O (adults and young children), ks_o[O], for O from 1 to the
-- largest room's max_guests:
--
--   ks_o[O] = the least, over the rooms that take O occupants, of
--             ((greatest(the room's cheapest sellable night in the reach at
--               its occupancy adjustment for O (if below 0), at the hotel's
--               lowest plan adjustment (percent, then amount), 0)
--               + the extra guest or child fee of the occupants beyond
--               base_guests, at the lower of the two)
--              less the largest discount, plus the lowest board fee of its
--              plans and the fees per night and per guest and night for O)
--             * (1 + VAT) + city tax for one adult,
--             times the per_unit of the hotel's currency (sp, kept beside
--             it; NULL without an exchange rate), truncated to 4 decimals (never negative)
--
-- so that a stay of n nights for a party of O occupants costs at least
-- (n * ks_o[O] - 0.05 * sp) / t in a currency whose per_unit is t, less
-- 0.01 for the rounding of the conversion (four roundings before it: the
-- occupancy price, the plan's percent, the discount and the VAT).  The
-- hotel's infant_age is kept beside them: a query counts the party's
-- occupants with it.  Period -1 holds the bounds over every night, for
-- longer stays.  A hotel with no sellable night in a period's reach has no
-- row for it: no stay checking in then can be sold.
--
-- Upkeep: statement triggers with transition tables recompute the bounds of
-- the hotels a statement touched (rates, rooms, discounts, fees, hotels,
-- rate plans, occupancy rows; an exchange rate: every hotel of its
-- currency); run.sh reports what a full build costs and what the triggers
-- add to a one-hotel rate update.
--
\set ON_ERROR_STOP 1
CREATE SCHEMA rival;

CREATE TABLE rival.hotel_bound (
	city		text NOT NULL,
	period		int NOT NULL,
	k			numeric NOT NULL,
	hotel_id	bigint NOT NULL,
	stars		smallint NOT NULL,
	infant_age	smallint NOT NULL,
	sp			numeric,
	ks_o		numeric[] NOT NULL,
	PRIMARY KEY (city, period, hotel_id)
);
-- the first pass of cheapest's rival reads a city's period in bound order;
-- search's rival reads a city's period whole (its bound depends on the party)
CREATE INDEX hotel_bound_order ON rival.hotel_bound (city, period, k) INCLUDE (hotel_id, stars);
CREATE INDEX hotel_bound_party ON rival.hotel_bound (city, period)
	INCLUDE (hotel_id, infant_age, sp, ks_o);
CREATE INDEX hotel_bound_hotel ON rival.hotel_bound (hotel_id);

-- the period of a check-in date
CREATE FUNCTION rival.period(d date) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (d - date '2000-01-03') / 14;

-- recompute the bounds of the hotels given (every hotel when NULL); each
-- scan is filtered by the hotels itself, so that a few hotels cost a few
-- index probes
CREATE FUNCTION rival.rebuild_bounds(hotels bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF hotels IS NULL THEN
		TRUNCATE rival.hotel_bound;
		hotels := ARRAY(SELECT hotel_id FROM pricing.hotel);
	ELSE
		DELETE FROM rival.hotel_bound WHERE hotel_id = ANY (hotels);
	END IF;
	WITH h AS (
	  SELECT h.hotel_id, h.city, h.stars, h.infant_age, h.vat_percent, h.city_tax,
	         coalesce((SELECT max(d.percent) FROM pricing.discount d WHERE d.hotel_id = h.hotel_id), 0) AS maxpct,
	         coalesce((SELECT sum(f.amount) FROM pricing.fee f
	                    WHERE f.hotel_id = h.hotel_id AND f.per = 'night'), 0) AS fee_night,
	         coalesce((SELECT sum(f.amount) FROM pricing.fee f
	                    WHERE f.hotel_id = h.hotel_id AND f.per = 'guest_night'), 0) AS fee_guest_night,
	         least(coalesce((SELECT min(o.adjust_percent) FROM pricing.occupancy o
	                          WHERE o.hotel_id = h.hotel_id), 0), 0) AS minq,
	         pl.minpa, pl.minamt, pl.minboard,
	         (SELECT e.per_unit FROM pricing.exchange_rate e WHERE e.currency = h.currency) AS sp
	    FROM pricing.hotel h
	    -- the plans' lowest adjustments and board fee, plan 0's defaults
	    -- (no adjustment, no board fee) when the hotel has no row for it
	    CROSS JOIN LATERAL (
	      SELECT least(min(p.adjust_percent), 0) AS minpa, least(min(p.adjust_amount), 0) AS minamt,
	             CASE WHEN bool_or(p.plan_id = 0) THEN min(p.board_fee) ELSE 0 END AS minboard
	        FROM pricing.rate_plan p WHERE p.hotel_id = h.hotel_id) pl
	   WHERE h.hotel_id = ANY (hotels)),
	reach AS (
	  -- each room's cheapest sellable night per period; a check-in period
	  -- reaches its own nights and the next period's first 7 (here: all of
	  -- the next period's, a bound no less sound); period -1: every night
	  SELECT n.hotel_id, n.room_id, x.p, min(n.price) AS price
	    FROM (SELECT r.hotel_id, r.room_id, rival.period(r.stay_date) AS p, min(r.price) AS price
	            FROM pricing.rate r
	           WHERE r.hotel_id = ANY (hotels) AND r.available >= 1
	           GROUP BY 1, 2, 3) n
	   CROSS JOIN LATERAL (VALUES (n.p), (n.p - 1), (-1)) AS x(p)
	   GROUP BY 1, 2, 3),
	party AS (
	  -- search's bound per room and number of occupants, then per hotel
	  SELECT re.hotel_id, re.p, o.o,
	         trunc(min((((greatest(re.price * (1 + least(coalesce(oc.adjust_percent, 0), 0) / 100)
	                          * (1 + h.minpa / 100) + h.minamt, 0)
	               + greatest(o.o - r.base_guests, 0)
	                 * least(r.extra_guest_fee, coalesce(r.extra_child_fee, r.extra_guest_fee)))
	              * (1 - h.maxpct / 100) + h.minboard * o.o + h.fee_night + h.fee_guest_night * o.o)
	             * (1 + h.vat_percent / 100) + h.city_tax) * h.sp), 4) AS ks
	    FROM reach re
	    JOIN h ON h.hotel_id = re.hotel_id
	    JOIN pricing.room r ON r.hotel_id = re.hotel_id AND r.room_id = re.room_id
	   CROSS JOIN LATERAL generate_series(1, r.max_guests) AS o(o)
	    LEFT JOIN pricing.occupancy oc ON oc.hotel_id = r.hotel_id AND oc.room_id = r.room_id
	                                  AND oc.occupants = o.o
	   GROUP BY 1, 2, 3)
	INSERT INTO rival.hotel_bound (city, period, k, hotel_id, stars, infant_age, sp, ks_o)
	SELECT h.city, hp.p,
	       (hp.price * (1 + h.minq / 100) * (1 - h.maxpct / 100) + h.fee_night + h.fee_guest_night)
	         * (1 + h.vat_percent / 100) + h.city_tax,
	       h.hotel_id, h.stars, h.infant_age, h.sp, pa.ks_o
	FROM (SELECT re.hotel_id, re.p, min(re.price) AS price FROM reach re GROUP BY 1, 2) hp
	JOIN (SELECT hotel_id, p, array_agg(ks ORDER BY o) AS ks_o FROM party GROUP BY 1, 2) pa
	  ON pa.hotel_id = hp.hotel_id AND pa.p = hp.p
	JOIN h ON h.hotel_id = hp.hotel_id;
END
$$;

-- the triggers: the hotels a statement touched, from its transition tables
CREATE FUNCTION rival.touched() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT hotel_id) INTO ids FROM new_rows;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(DISTINCT hotel_id) INTO ids FROM old_rows;
	ELSE
		SELECT array_agg(DISTINCT hotel_id) INTO ids
		  FROM (SELECT hotel_id FROM new_rows UNION SELECT hotel_id FROM old_rows) x;
	END IF;
	IF ids IS NOT NULL THEN
		PERFORM rival.rebuild_bounds(ids);
	END IF;
	RETURN NULL;
END
$$;

-- an exchange rate touches every hotel of its currency
CREATE FUNCTION rival.touched_currency() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(h.hotel_id) INTO ids FROM pricing.hotel h
		 WHERE h.currency IN (SELECT currency FROM new_rows);
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(h.hotel_id) INTO ids FROM pricing.hotel h
		 WHERE h.currency IN (SELECT currency FROM old_rows);
	ELSE
		SELECT array_agg(h.hotel_id) INTO ids FROM pricing.hotel h
		 WHERE h.currency IN (SELECT currency FROM new_rows UNION SELECT currency FROM old_rows);
	END IF;
	IF ids IS NOT NULL THEN
		PERFORM rival.rebuild_bounds(ids);
	END IF;
	RETURN NULL;
END
$$;

DO $$
DECLARE
	t text;
	f text;
BEGIN
	FOREACH t IN ARRAY ARRAY['hotel', 'room', 'rate', 'discount', 'fee', 'rate_plan', 'occupancy',
							 'exchange_rate'] LOOP
		f := CASE t WHEN 'exchange_rate' THEN 'touched_currency' ELSE 'touched' END;
		EXECUTE format('CREATE TRIGGER bound_ins AFTER INSERT ON pricing.%I
			REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.%I()', t, f);
		EXECUTE format('CREATE TRIGGER bound_upd AFTER UPDATE ON pricing.%I
			REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.%I()', t, f);
		EXECUTE format('CREATE TRIGGER bound_del AFTER DELETE ON pricing.%I
			REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.%I()', t, f);
	END LOOP;
END
$$;

-- One hotel's price for a stay: its best room (none when it has no
-- eligible room), the arithmetic of rival.sql.
CREATE FUNCTION rival.hotel_total(hid bigint, ci date, n int, g int)
RETURNS TABLE (room_id int, total numeric)
LANGUAGE sql STABLE AS $$
SELECT r.room_id, t.total
FROM pricing.hotel h
CROSS JOIN LATERAL (
  SELECT coalesce(sum(CASE f.per WHEN 'stay' THEN f.amount
                                 WHEN 'night' THEN f.amount * n
                                 ELSE f.amount * g * n END), 0) AS fees
  FROM pricing.fee f
  WHERE f.hotel_id = h.hotel_id
) f
CROSS JOIN LATERAL (
  SELECT coalesce(max(d.percent) FILTER (WHERE d.room_id IS NULL), 0) AS all_rooms,
         array_agg(d.room_id) FILTER (WHERE d.room_id IS NOT NULL) AS room_ids,
         array_agg(d.percent) FILTER (WHERE d.room_id IS NOT NULL) AS room_percents
  FROM pricing.discount d
  WHERE d.hotel_id = h.hotel_id
    AND n >= d.min_nights
    AND (d.checkin_from IS NULL OR ci >= d.checkin_from)
    AND (d.checkin_to IS NULL OR ci <= d.checkin_to)
    AND (d.min_days_ahead IS NULL OR ci - current_date >= d.min_days_ahead)
) d
CROSS JOIN LATERAL (
  SELECT x.room_id, sum(x.price) AS base
  FROM pricing.rate x
  WHERE x.hotel_id = h.hotel_id
    AND x.stay_date >= ci AND x.stay_date < ci + n
    AND x.available >= 1
  GROUP BY x.room_id
  HAVING count(*) = n
     AND bool_or(x.stay_date = ci AND NOT x.closed_to_arrival AND x.min_stay <= n)
) b
JOIN pricing.room r ON r.hotel_id = h.hotel_id AND r.room_id = b.room_id
LEFT JOIN pricing.occupancy oc ON oc.hotel_id = h.hotel_id AND oc.room_id = r.room_id
                              AND oc.occupants = g
CROSS JOIN LATERAL (
  SELECT CASE WHEN oc.adjust_percent IS NULL THEN b.base
                ELSE round(b.base * (100 + oc.adjust_percent) / 100, 2) END
           + greatest(g - r.base_guests, 0) * r.extra_guest_fee * n AS subtotal,
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
  SELECT nt.net + round(nt.net * h.vat_percent / 100, 2) + h.city_tax * g * n AS total
) t
WHERE h.hotel_id = hid AND r.max_guests >= g
ORDER BY t.total, r.room_id
LIMIT 1
$$;

-- One hotel's best offer for a stay and a party (search's question for one
-- hotel): among its rooms under each of its plans (plan 0's defaults when it
-- has no row for it), the eligible offer with the lowest total in the
-- hotel's currency (ties: room_id, then plan_id), with the hotel's name,
-- stars and currency; none when it has no eligible offer.  The price of an
-- offer of doc/reference.md, with its board at least room_only and any
-- cancellation terms (search's defaults), booked today.  Rule 4 (closed to
-- departure) reads the rate row of night co; the loaded window is not
-- consulted (the data's rates all lie inside it).
CREATE FUNCTION rival.hotel_offer(hid bigint, ci date, n int, adults int, children int[])
RETURNS TABLE (name text, stars smallint, currency char(3), room_id int, plan_id int,
               plan_name text, board text, free_cancel_until date, total numeric)
LANGUAGE sql STABLE AS $$
SELECT h.name, h.stars, h.currency, r.room_id, p.plan_id, p.name, p.board,
       CASE WHEN p.refundable AND ci - coalesce(p.cancel_days, 0) >= current_date
            THEN ci - coalesce(p.cancel_days, 0) END,
       t.total
FROM pricing.hotel h
-- the party: A adults, C young children, I infants
CROSS JOIN LATERAL (
  SELECT adults + count(*) FILTER (WHERE k.age >= h.child_age) AS a,
         count(*) FILTER (WHERE k.age >= h.infant_age AND k.age < h.child_age) AS c,
         count(*) FILTER (WHERE k.age < h.infant_age) AS i
  FROM unnest(children) AS k(age)
) pa
CROSS JOIN LATERAL (
  SELECT coalesce(sum(CASE f.per WHEN 'stay' THEN f.amount
                                 WHEN 'night' THEN f.amount * n
                                 ELSE f.amount * (pa.a + pa.c) * n END), 0) AS fees
  FROM pricing.fee f
  WHERE f.hotel_id = h.hotel_id
) f
-- the discounts that apply to the stay, as arrays: each offer takes the
-- largest of those for its room and plan
CROSS JOIN LATERAL (
  SELECT array_agg(d.room_id) AS room_ids, array_agg(d.plan_id) AS plan_ids,
         array_agg(d.percent) AS percents
  FROM pricing.discount d
  WHERE d.hotel_id = h.hotel_id
    AND n >= d.min_nights
    AND (d.checkin_from IS NULL OR ci >= d.checkin_from)
    AND (d.checkin_to IS NULL OR ci <= d.checkin_to)
    AND (d.min_days_ahead IS NULL OR ci - current_date >= d.min_days_ahead)
) d
-- the hotel's plans, plan 0's defaults when it has no row for it
CROSS JOIN LATERAL (
  SELECT array_agg(x.plan_id) AS plan_ids FROM (
    SELECT rp.plan_id FROM pricing.rate_plan rp WHERE rp.hotel_id = h.hotel_id) x
) hp
-- per room: the rack rate over the n nights, all sellable, the arrival
-- night's restrictions, and night co not closed to departure
CROSS JOIN LATERAL (
  SELECT x.room_id, sum(x.price) FILTER (WHERE x.stay_date < ci + n) AS rack
  FROM pricing.rate x
  WHERE x.hotel_id = h.hotel_id
    AND x.stay_date >= ci AND x.stay_date <= ci + n
    AND (x.available >= 1 OR x.stay_date = ci + n)
  GROUP BY x.room_id
  HAVING count(*) FILTER (WHERE x.stay_date < ci + n) = n
     AND bool_or(x.stay_date = ci AND NOT x.closed_to_arrival AND x.min_stay <= n
                 AND (x.max_stay IS NULL OR n <= x.max_stay))
     AND NOT coalesce(bool_or(x.stay_date = ci + n AND x.closed_to_departure), false)
) b
JOIN pricing.room r ON r.hotel_id = h.hotel_id AND r.room_id = b.room_id
LEFT JOIN pricing.occupancy oc ON oc.hotel_id = h.hotel_id AND oc.room_id = r.room_id
                              AND oc.occupants = pa.a + pa.c
CROSS JOIN LATERAL (
  SELECT rp.plan_id, rp.name, rp.board, rp.board_fee, rp.refundable, rp.cancel_days,
         rp.adjust_percent, rp.adjust_amount
  FROM pricing.rate_plan rp
  WHERE rp.hotel_id = h.hotel_id
    AND (rp.room_id IS NULL OR rp.room_id = r.room_id)
    AND n >= rp.min_stay AND (rp.max_stay IS NULL OR n <= rp.max_stay)
    AND (rp.min_days_ahead IS NULL OR ci - current_date >= rp.min_days_ahead)
    AND (rp.max_days_ahead IS NULL OR ci - current_date <= rp.max_days_ahead)
  UNION ALL
  SELECT 0, 'standard', 'room_only', 0.00, true, NULL, 0.00, 0.00
  WHERE hp.plan_ids IS NULL OR NOT 0 = ANY (hp.plan_ids)
) p
CROSS JOIN LATERAL (
  SELECT CASE WHEN oc.adjust_percent IS NULL THEN b.rack
              ELSE round(b.rack * (100 + oc.adjust_percent) / 100, 2) END AS occupied
) oq
CROSS JOIN LATERAL (
  SELECT greatest(round(oq.occupied * (100 + p.adjust_percent) / 100, 2) + p.adjust_amount * n, 0)
         + (greatest(pa.a - r.base_guests, 0) * r.extra_guest_fee
            + greatest(pa.c - greatest(r.base_guests - pa.a, 0), 0)
              * coalesce(r.extra_child_fee, r.extra_guest_fee)) * n AS subtotal,
         coalesce((SELECT max(u.p) FROM unnest(d.room_ids, d.plan_ids, d.percents) AS u(rid, pid, p)
                    WHERE (u.rid IS NULL OR u.rid = r.room_id)
                      AND (u.pid IS NULL OR u.pid = p.plan_id)), 0) AS percent
) st
CROSS JOIN LATERAL (
  SELECT st.subtotal - round(st.subtotal * st.percent / 100, 2)
         + p.board_fee * (pa.a + pa.c) * n + f.fees AS net
) nt
CROSS JOIN LATERAL (
  SELECT nt.net + round(nt.net * h.vat_percent / 100, 2) + h.city_tax * pa.a * n AS total
) t
WHERE h.hotel_id = hid AND pa.a + pa.c <= r.max_guests AND pa.i <= r.max_infants
ORDER BY t.total, r.room_id, p.plan_id
LIMIT 1
$$;
