--
-- test/bench/rival_bounds.sql: what a plain-SQL design that borrows the
-- index's own idea needs besides the tables: a summary table of per-hotel
-- lower bounds of one night's price, and the triggers that keep it right.
-- The query that uses it is rival_bounded.sql.
--
-- For each hotel and each period of 14 check-in nights (numbered from
-- 2000-01-03, a Monday), bound k is a lower bound of what any night of any
-- stay of at most 8 nights checking in during the period costs, all in:
--
--   k = (cheapest sellable night in the period's reach, nights p*14 .. p*14+20,
--        less the hotel's largest discount, plus its fees per night and per
--        guest and night for one guest) * (1 + VAT) + city tax for one guest
--
-- so that a stay of n nights costs at least n * k - 0.02 (each of the two
-- roundings, of the discount and of the VAT, takes at most half a cent; no
-- other term can be smaller than its share of k).  Period -1 holds the bound
-- over every night, for longer stays.  A hotel with no sellable night in a
-- period's reach has no row for it: no stay checking in then can be sold.
--
-- Upkeep: statement triggers with transition tables recompute the bounds of
-- the hotels a statement touched (rates, rooms, discounts, fees, hotels);
-- run.sh reports what a full build costs and what the triggers add to a
-- one-hotel rate update.
--
\set ON_ERROR_STOP 1
CREATE SCHEMA rival;

CREATE TABLE rival.hotel_bound (
	city		text NOT NULL,
	period		int NOT NULL,
	k			numeric NOT NULL,
	hotel_id	bigint NOT NULL,
	stars		smallint NOT NULL,
	PRIMARY KEY (city, period, hotel_id)
);
-- the first pass reads a city's period in bound order
CREATE INDEX hotel_bound_order ON rival.hotel_bound (city, period, k) INCLUDE (hotel_id, stars);
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
	INSERT INTO rival.hotel_bound (city, period, k, hotel_id, stars)
	SELECT h.city, reach.p,
	       (reach.price * (1 - h.maxpct / 100) + h.nightly_fees) * (1 + h.vat_percent / 100) + h.city_tax,
	       h.hotel_id, h.stars
	FROM (
	  SELECT h.hotel_id, h.city, h.stars, h.vat_percent, h.city_tax,
	         coalesce((SELECT max(d.percent) FROM pricing.discount d WHERE d.hotel_id = h.hotel_id), 0) AS maxpct,
	         coalesce((SELECT sum(f.amount) FROM pricing.fee f
	                    WHERE f.hotel_id = h.hotel_id AND f.per IN ('night', 'guest_night')), 0) AS nightly_fees
	    FROM pricing.hotel h
	   WHERE h.hotel_id = ANY (hotels)) h
	JOIN (
	  -- the cheapest sellable night per period; a check-in period reaches
	  -- its own nights and the next period's first 7 (here: all of the next
	  -- period's, a bound no less sound); period -1: every night
	  SELECT n.hotel_id, x.p, min(n.price) AS price
	    FROM (SELECT r.hotel_id, rival.period(r.stay_date) AS p, min(r.price) AS price
	            FROM pricing.rate r
	           WHERE r.hotel_id = ANY (hotels) AND r.available >= 1
	           GROUP BY 1, 2) n
	   CROSS JOIN LATERAL (VALUES (n.p), (n.p - 1), (-1)) AS x(p)
	   GROUP BY n.hotel_id, x.p) reach ON reach.hotel_id = h.hotel_id;
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

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['hotel', 'room', 'rate', 'discount', 'fee'] LOOP
		EXECUTE format('CREATE TRIGGER bound_ins AFTER INSERT ON pricing.%I
			REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.touched()', t);
		EXECUTE format('CREATE TRIGGER bound_upd AFTER UPDATE ON pricing.%I
			REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.touched()', t);
		EXECUTE format('CREATE TRIGGER bound_del AFTER DELETE ON pricing.%I
			REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rival.touched()', t);
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
CROSS JOIN LATERAL (
  SELECT b.base + greatest(g - r.base_guests, 0) * r.extra_guest_fee * n AS subtotal,
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
