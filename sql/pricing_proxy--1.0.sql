/* pricing_proxy--1.0.sql: a router for shards of the pricing extension */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pricing_proxy" to load this file. \quit

--
-- The shards are plain servers with the pricing extension, each holding the
-- hotels of some cities.  They are configured with PL/Proxy's standard
-- SQL/MED server, which the administrator creates:
--
--   CREATE SERVER pricing_cluster FOREIGN DATA WRAPPER plproxy
--     OPTIONS (partition_0 'host=... dbname=...', partition_1 '...');
--   CREATE USER MAPPING FOR PUBLIC SERVER pricing_cluster OPTIONS (user '...');
--
-- PL/Proxy wants a power of two partitions and picks partition
-- hash & (count - 1); shard_of() does the same arithmetic, so loaders can
-- compute where each hotel's rows go.
--

-- number of partitions of pricing_cluster
CREATE FUNCTION pricing_proxy.partitions()
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT count(*)::int
	FROM pg_catalog.pg_foreign_server AS s,
		 pg_catalog.unnest(s.srvoptions) AS o
	WHERE s.srvname = 'pricing_cluster'
	  AND o LIKE 'partition\_%=%'
$$;

-- the routing key of a city: PL/Proxy runs cheapest() on partition
-- city_hash(city) & (partitions - 1).  A plain expression, so that the
-- planner inlines it into PL/Proxy's saved plan: no query per call.  NULL
-- goes to partition 0, whose pricing.cheapest() then reports the NULL
-- argument as it should.
CREATE FUNCTION pricing_proxy.city_hash(city text)
RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT coalesce(pg_catalog.hashtext(city), 0)
$$;

-- the partition that owns a city, as PL/Proxy computes it: for loaders
CREATE FUNCTION pricing_proxy.shard_of(city text)
RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pricing_proxy.city_hash(city) & (pricing_proxy.partitions() - 1)
$$;

-- the hotels of a city live on one shard: ask that one
CREATE FUNCTION pricing_proxy.cheapest(city text, checkin date, checkout date,
									   guests int DEFAULT 2, max_results int DEFAULT 10,
									   min_stars int DEFAULT 0, max_total numeric DEFAULT NULL,
									   booking_date date DEFAULT current_date)
RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int,
			   total numeric, currency char(3))
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON pricing_proxy.city_hash(city);
	TARGET pricing.cheapest;
$$;

-- a hotel id says nothing of its city: ask every shard; only the one that
-- has the hotel answers with rows, in pricing.quote()'s order
CREATE FUNCTION pricing_proxy.quote(hotel_id bigint, checkin date, checkout date,
									guests int DEFAULT 2, booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, nights int, base numeric, extra numeric,
			   discount numeric, fees numeric, vat numeric,
			   city_tax numeric, total numeric)
LANGUAGE plproxy
AS $$
	CLUSTER 'pricing_cluster';
	RUN ON ALL;
	TARGET pricing.quote;
$$;

GRANT USAGE ON SCHEMA pricing_proxy TO PUBLIC;
