/* pricing_proxy--1.0--1.1.sql: route the readers of pricing 1.1 to the shards */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pricing_proxy UPDATE TO '1.1'" to load this file. \quit

--
-- Version 1.1 of pricing adds three readers: search (the best offer of each
-- hotel of a city), offers (every offer of one hotel, with its breakdown)
-- and explain (why a hotel does not offer a room under a plan).  They are
-- routed like cheapest and quote of 1.0: by city to the one shard that holds
-- the city, by hotel id to every shard.  The shards must run pricing 1.1.
--
-- CREATE EXTENSION pricing_proxy runs pricing_proxy--1.0.sql and then this
-- script, so a new installation and an updated one are the same.  The
-- signatures, defaults included, are those of pricing.search, .offers and
-- .explain: PL/Proxy fills in defaults and named arguments here, on the
-- router, and calls the shard with every argument in order.
--
-- Currencies: search converts with the shard's pricing.exchange_rate, so
-- every shard must hold the same rows of that table (it is not split by
-- city like the other source tables).
--

-- the hotels of a city live on one shard: ask that one, as cheapest() does
CREATE FUNCTION pricing_proxy.search(city text, checkin date, checkout date,
									 adults int DEFAULT 2, children int[] DEFAULT '{}',
									 max_results int DEFAULT 10, min_stars int DEFAULT 0,
									 max_total numeric DEFAULT NULL, currency char(3) DEFAULT NULL,
									 min_board text DEFAULT 'room_only',
									 free_cancellation boolean DEFAULT false,
									 booking_date date DEFAULT current_date)
RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int, plan_id int,
			   plan_name text, board text, free_cancel_until date,
			   total numeric, currency char(3))
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON pricing_proxy.city_hash(city);
	TARGET pricing.search;
$$;

-- A hotel id says nothing of its city: ask every shard, as quote() does.
-- Only the shard that has the hotel answers with rows (the others know no
-- such hotel, which gives no rows), and PL/Proxy returns each shard's rows
-- in the order the shard sent them: pricing.offers()'s order.
CREATE FUNCTION pricing_proxy.offers(hotel_id bigint, checkin date, checkout date,
									 adults int DEFAULT 2, children int[] DEFAULT '{}',
									 booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, plan_name text, board text,
			   free_cancel_until date, nights int, base numeric, extra numeric,
			   discount numeric, board_fees numeric, fees numeric, vat numeric,
			   city_tax numeric, total numeric, currency char(3))
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON ALL;
	TARGET pricing.offers;
$$;

-- every shard, like offers(); the rows are the owning shard's, in
-- pricing.explain()'s order
CREATE FUNCTION pricing_proxy.explain(hotel_id bigint, checkin date, checkout date,
									  adults int DEFAULT 2, children int[] DEFAULT '{}',
									  booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, reason text, night date)
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON ALL;
	TARGET pricing.explain;
$$;

-- the calendars: a city's on the city's shard, as search; a hotel's on
-- every shard, where only the hotel's answers, as offers
CREATE FUNCTION pricing_proxy.calendar(city text, first_checkin date, last_checkin date,
									   nights int, adults int DEFAULT 2, children int[] DEFAULT '{}',
									   min_stars int DEFAULT 0, currency char(3) DEFAULT NULL,
									   min_board text DEFAULT 'room_only',
									   free_cancellation boolean DEFAULT false,
									   booking_date date DEFAULT current_date)
RETURNS TABLE (checkin date, hotel_id bigint, name text, room_id int, plan_id int,
			   total numeric, currency char(3), hotels int)
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON pricing_proxy.city_hash(city);
	TARGET pricing.calendar;
$$;

CREATE FUNCTION pricing_proxy.hotel_calendar(hotel_id bigint, first_checkin date,
											 last_checkin date, nights int,
											 adults int DEFAULT 2, children int[] DEFAULT '{}',
											 booking_date date DEFAULT current_date)
RETURNS TABLE (checkin date, room_id int, plan_id int, total numeric, currency char(3))
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON ALL;
	TARGET pricing.hotel_calendar;
$$;
