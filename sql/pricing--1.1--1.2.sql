/* pricing--1.1--1.2.sql: booking at the quoted price */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pricing UPDATE TO '1.2'" to load this file. \quit

--
-- Version 1.2 books: pricing.book sells an offer at the total the caller
-- searched, or refuses it saying why (PR001, PR002); pricing.cancel gives
-- the nights back (doc/reference.md, "Booking").  Both work on the source
-- tables, in the caller's transaction, never on the index; their changes
-- reach the index like any other committed change.  As in the scripts
-- before it, every name is schema-qualified or a type keyword.
--

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
	booked_at	timestamptz NOT NULL DEFAULT now(),
	cancelled_at timestamptz,
	FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room,
	CHECK (checkout > checkin)
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
