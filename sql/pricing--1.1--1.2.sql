/* pricing--1.1--1.2.sql: incremental refresh, and booking at the quoted price */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pricing UPDATE TO '1.2'" to load this file. \quit

--
-- Version 1.2 applies committed changes to the index hotel by hotel, and
-- books: pricing.book sells an offer at the total the caller
-- searched, or refuses it saying why (PR001, PR002); pricing.cancel gives
-- the nights back (doc/reference.md, "Booking").  Both work on the source
-- tables, in the caller's transaction, never on the index; their changes
-- reach the index like any other committed change.  As in the scripts
-- before it, every name is schema-qualified or a type keyword.
--

--
-- Incremental refresh.  The row triggers <table>_applied now fire in every
-- session, not only in a logical replica's apply workers: each logs the
-- hotels its transaction changes into pricing.change_log, at most once per
-- hotel and transaction, and the worker rebuilds just those hotels
-- (doc/design.md, "Incremental refresh").  A row with a NULL hotel_id asks
-- for a full rebuild: TRUNCATE, an exchange rate, or a transaction that
-- changed more hotels than one incremental refresh takes.  The rows are
-- written by the table's owner on the writer's behalf, commit with the
-- change, and are deleted by the worker in the snapshot it reads the
-- tables with; nobody else needs to see them.
--
CREATE TABLE pricing.change_log (
	hotel_id	bigint
);
REVOKE ALL ON pricing.change_log FROM PUBLIC;
-- a publication FOR ALL TABLES publishes the worker's deletions too, which
-- needs a replica identity; a subscriber's worker applies the rows it gets
-- as its own (its triggers log the same hotels when it applies the changes)
ALTER TABLE pricing.change_log REPLICA IDENTITY FULL;

DO $$
DECLARE
	t pg_catalog.text;
BEGIN
	FOREACH t IN ARRAY ARRAY['hotel', 'room', 'rate', 'discount', 'fee',
							 'rate_plan', 'occupancy', 'exchange_rate'] LOOP
		EXECUTE pg_catalog.format('ALTER TABLE pricing.%I ENABLE ALWAYS TRIGGER %I', t, pg_catalog.concat(t, '_applied'));
	END LOOP;
END
$$;

-- pricing.status tells incremental refreshes from full ones
DROP VIEW pricing.status;
DROP FUNCTION pricing.status();
CREATE FUNCTION pricing.status(
	OUT generation bigint,
	OUT loaded_at timestamptz,
	OUT refresh_ms double precision,
	OUT hotels bigint,
	OUT rooms bigint,
	OUT rates bigint,
	OUT arena_bytes_used bigint,
	OUT arena_bytes_total bigint,
	OUT first_date date,
	OUT last_date date,
	OUT last_error text,
	OUT worker_pid int,
	OUT database name,
	OUT generations int,
	OUT readers int,
	OUT refreshes bigint,
	OUT failed_refreshes bigint,
	OUT arena_bytes_committed bigint,
	OUT worker_state text,
	OUT incremental_refreshes bigint,
	OUT changes_applied bigint,
	OUT last_change_ms double precision,
	OUT last_refresh text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pricing_status'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 1;

CREATE VIEW pricing.status AS SELECT * FROM pricing.status();
GRANT SELECT ON pricing.status TO PUBLIC;

-- pricing_booker: may book and cancel, and read the bookings; it needs no
-- right on the source tables.  As for the roles of 1.0, a role of that name
-- that someone else created first is used only without wider attributes.
DO $$
DECLARE
	r record;
BEGIN
	SELECT a.rolname IS NOT NULL AS found,
		   a.rolcanlogin OR a.rolsuper OR a.rolcreatedb OR a.rolcreaterole
			   OR a.rolreplication OR a.rolbypassrls AS wide
	  INTO r
	  FROM (VALUES ('pricing_booker'::pg_catalog.name)) AS n (name)
	  LEFT JOIN pg_catalog.pg_roles a ON a.rolname OPERATOR(pg_catalog.=) n.name;
	IF NOT r.found THEN
		CREATE ROLE pricing_booker NOLOGIN;
	ELSIF r.wide THEN
		RAISE EXCEPTION 'role "%" already exists with attributes the extension does not give it', 'pricing_booker'
			USING ERRCODE = 'duplicate_object',
			DETAIL = 'One of LOGIN, SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS is set.',
			HINT = 'Drop role pricing_booker, or remove those attributes, then run ALTER EXTENSION pricing UPDATE again.';
	END IF;
END
$$;

CREATE TABLE pricing.booking (
	booking_id	bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	hotel_id	bigint NOT NULL,
	room_id		int NOT NULL,
	plan_id		int NOT NULL,
	checkin		date NOT NULL,
	checkout	date NOT NULL,
	adults		int NOT NULL,
	children	int[] NOT NULL,
	total		numeric(12,2) NOT NULL,
	currency	char(3) NOT NULL,
	free_cancel_until date,
	reference	text,
	booked_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	cancelled_at timestamptz,
	FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room,
	CHECK (checkout OPERATOR(pg_catalog.>) checkin)
);
-- a reference names one booking: book() with it again returns that booking
CREATE UNIQUE INDEX booking_reference_idx ON pricing.booking (reference);
CREATE INDEX booking_room_idx ON pricing.booking (hotel_id, room_id, checkin);
SELECT pg_catalog.pg_extension_config_dump('pricing.booking', '');
SELECT pg_catalog.pg_extension_config_dump('pricing.booking_booking_id_seq', '');

CREATE FUNCTION pricing.book(hotel_id bigint, room_id int, plan_id int,
							 checkin date, checkout date, adults int,
							 children int[], expected_total numeric,
							 reference text DEFAULT NULL,
							 booking_date date DEFAULT current_date)
RETURNS bigint
AS 'MODULE_PATHNAME', 'pricing_book'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pricing.cancel(booking_id bigint)
RETURNS numeric
AS 'MODULE_PATHNAME', 'pricing_cancel'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION pricing.book(bigint, int, int, date, date, int, int[],
									numeric, text, date),
	pricing.cancel(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pricing.book(bigint, int, int, date, date, int, int[],
									   numeric, text, date),
	pricing.cancel(bigint) TO pricing_booker;
-- pricing_admin, who loads the tables, may clear the bookings too: a room
-- with bookings cannot be deleted, and TRUNCATE of pricing.room must take
-- pricing.booking with it (or CASCADE)
GRANT SELECT ON pricing.booking TO pricing_booker;
GRANT SELECT, DELETE, TRUNCATE ON pricing.booking TO pricing_admin;

-- Whether this server holds a hotel: how the pricing_proxy router finds the
-- shard to book on (a hotel id says nothing of its city).
CREATE FUNCTION pricing.has_hotel(hotel_id bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT 1 FROM pricing.hotel AS h
				   WHERE h.hotel_id OPERATOR(pg_catalog.=) $1)
$$;
REVOKE ALL ON FUNCTION pricing.has_hotel(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pricing.has_hotel(bigint) TO pricing_booker, pricing_reader;

-- The changes committed before this update were not logged: the first
-- refresh after it rebuilds everything (a NULL row), and a statement on a
-- source table (no row changes) makes its commit wake the worker.
INSERT INTO pricing.change_log (hotel_id) VALUES (NULL);
UPDATE pricing.exchange_rate SET per_unit = per_unit WHERE false;
