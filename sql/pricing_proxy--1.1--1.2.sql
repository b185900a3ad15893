/* pricing_proxy--1.1--1.2.sql: route bookings of pricing 1.2 to the shards */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pricing_proxy UPDATE TO '1.2'" to load this file. \quit

--
-- Version 1.2 of pricing books and cancels.  A booking writes to the
-- shard that holds its hotel and nowhere else: the router asks the shards,
-- one at a time, which one has the hotel (pricing.has_hotel), and books
-- there.  Each shard numbers its own bookings, so the router hands out ids
-- of its own that say where the booking lives: the shard's booking_id
-- times 4096 (the most partitions a router may have), plus the partition;
-- they stay valid when the number of partitions changes, as long as the
-- bookings stay on their partition.  cancel() takes such an id, and runs on
-- that partition alone.  The shards must run pricing 1.2.
--
-- PL/Proxy runs each call on the shard in a transaction of its own: a
-- booking made through the router commits on the shard when the call
-- returns, whatever the caller's transaction does next.
--
-- Booking is not for every reader: EXECUTE on book and cancel (and on the
-- functions that call the shards for them) is revoked from PUBLIC, to be
-- granted to the roles that may book; the user the router connects to the
-- shards as needs pricing_booker there.
--

-- the shard's answer for one partition
CREATE FUNCTION pricing_proxy.has_hotel_on(part int, hotel_id bigint)
RETURNS boolean
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON part;
	SELECT pricing.has_hotel(hotel_id);
$$;

-- the partition that holds the hotel; the first one when none does (its
-- pricing.book then says the hotel does not exist)
CREATE FUNCTION pricing_proxy.hotel_partition(hotel_id bigint)
RETURNS int
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	FOR part IN 0 .. pricing_proxy.partitions() OPERATOR(pg_catalog.-) 1 LOOP
		IF pricing_proxy.has_hotel_on(part, hotel_id) THEN
			RETURN part;
		END IF;
	END LOOP;
	RETURN 0;
END
$$;

CREATE FUNCTION pricing_proxy.book_on(part int, hotel_id bigint, room_id int,
									  plan_id int, checkin date, checkout date,
									  adults int, children int[],
									  expected_total numeric, reference text,
									  booking_date date)
RETURNS bigint
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON part;
	SELECT pricing.book(hotel_id, room_id, plan_id, checkin, checkout, adults,
						children, expected_total, reference, booking_date);
$$;

CREATE FUNCTION pricing_proxy.cancel_on(part int, booking_id bigint)
RETURNS numeric
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON part;
	SELECT pricing.cancel(booking_id);
$$;

-- the signatures of pricing.book and pricing.cancel
CREATE FUNCTION pricing_proxy.book(hotel_id bigint, room_id int, plan_id int,
								   checkin date, checkout date, adults int,
								   children int[], expected_total numeric,
								   reference text DEFAULT NULL,
								   booking_date date DEFAULT current_date)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	part int := pricing_proxy.hotel_partition(hotel_id);
BEGIN
	RETURN pricing_proxy.book_on(part, hotel_id, room_id, plan_id, checkin,
								 checkout, adults, children, expected_total,
								 reference, booking_date)
		OPERATOR(pg_catalog.*) 4096 OPERATOR(pg_catalog.+) part;
END
$$;

CREATE FUNCTION pricing_proxy.cancel(booking_id bigint)
RETURNS numeric
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF booking_id IS NULL THEN
		RAISE EXCEPTION 'argument "booking_id" must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	RETURN pricing_proxy.cancel_on((booking_id OPERATOR(pg_catalog.%) 4096)::int,
								   booking_id OPERATOR(pg_catalog./) 4096);
END
$$;

-- to let a role book: GRANT EXECUTE ON FUNCTION pricing_proxy.book,
-- pricing_proxy.book_on, pricing_proxy.cancel, pricing_proxy.cancel_on TO it
REVOKE ALL ON FUNCTION pricing_proxy.book_on(int, bigint, int, int, date, date, int, int[], numeric, text, date),
	pricing_proxy.cancel_on(int, bigint),
	pricing_proxy.book(bigint, int, int, date, date, int, int[], numeric, text, date),
	pricing_proxy.cancel(bigint) FROM PUBLIC;
