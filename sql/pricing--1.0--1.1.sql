/* pricing--1.0--1.1.sql: rate plans, occupancy, children, stay restrictions and currencies */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pricing UPDATE TO '1.1'" to load this file. \quit

--
-- Version 1.1 prices offers: a room sold under one of its hotel's rate
-- plans, for a party of adults and children, in the hotel's currency or
-- converted to another (doc/reference.md, "The price of an offer").  It adds
-- columns and tables; it removes and redefines nothing, so every 1.0 call
-- answers as before on data that uses none of them.
--
-- CREATE EXTENSION pricing runs pricing--1.0.sql and then this script, so
-- a new installation and an updated one are the same.  As in that script,
-- every name is schema-qualified or a type keyword: it runs as a superuser.
--
-- Adding columns with constant defaults rewrites no table; the CHECK of a
-- new column is validated with one scan of the table, under the lock that
-- ALTER TABLE takes.  Meanwhile the index keeps serving the generation it
-- has: readers never touch the tables.
--

ALTER TABLE pricing.hotel
	ADD infant_age smallint NOT NULL DEFAULT 2,
	ADD child_age smallint NOT NULL DEFAULT 12,
	ADD CONSTRAINT hotel_ages_check
		CHECK (0 <= infant_age AND infant_age <= child_age AND child_age <= 18);

ALTER TABLE pricing.room
	ADD max_infants smallint NOT NULL DEFAULT 1 CHECK (max_infants >= 0),
	ADD extra_child_fee numeric(10,2) CHECK (extra_child_fee >= 0);

ALTER TABLE pricing.rate
	ADD max_stay smallint CHECK (max_stay >= 1),
	ADD closed_to_departure boolean NOT NULL DEFAULT false;

ALTER TABLE pricing.discount
	ADD plan_id int;

CREATE TABLE pricing.rate_plan (
	hotel_id	bigint NOT NULL REFERENCES pricing.hotel ON DELETE CASCADE,
	plan_id		int NOT NULL CHECK (plan_id >= 0),
	name		text NOT NULL,
	room_id		int,
	board		text NOT NULL DEFAULT 'room_only' CHECK (board IN
		('room_only', 'breakfast', 'half_board', 'full_board', 'all_inclusive')),
	board_fee	numeric(10,2) NOT NULL DEFAULT 0 CHECK (board_fee >= 0),
	refundable	boolean NOT NULL DEFAULT true,
	cancel_days int CHECK (cancel_days >= 0),
	adjust_percent numeric(5,2) NOT NULL DEFAULT 0 CHECK (adjust_percent BETWEEN -100 AND 100),
	adjust_amount numeric(10,2) NOT NULL DEFAULT 0,
	min_stay	int NOT NULL DEFAULT 1 CHECK (min_stay >= 1),
	max_stay	int CHECK (max_stay >= 1),
	min_days_ahead int CHECK (min_days_ahead >= 0),
	max_days_ahead int CHECK (max_days_ahead >= 0),
	PRIMARY KEY (hotel_id, plan_id),
	FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room ON DELETE CASCADE,
	CONSTRAINT rate_plan_standard_check
		CHECK (plan_id > 0 OR (room_id IS NULL AND adjust_percent = 0 AND adjust_amount = 0))
);
CREATE INDEX rate_plan_room_idx ON pricing.rate_plan (hotel_id, room_id);

CREATE TABLE pricing.occupancy (
	hotel_id	bigint NOT NULL,
	room_id		int NOT NULL,
	occupants	smallint NOT NULL CHECK (occupants >= 1),
	adjust_percent numeric(5,2) NOT NULL CHECK (adjust_percent BETWEEN -100 AND 100),
	PRIMARY KEY (hotel_id, room_id, occupants),
	FOREIGN KEY (hotel_id, room_id) REFERENCES pricing.room ON DELETE CASCADE
);

CREATE TABLE pricing.exchange_rate (
	currency	char(3) PRIMARY KEY,
	per_unit	numeric(20,10) NOT NULL CHECK (per_unit > 0)
);

SELECT pg_catalog.pg_extension_config_dump('pricing.rate_plan', '');
SELECT pg_catalog.pg_extension_config_dump('pricing.occupancy', '');
SELECT pg_catalog.pg_extension_config_dump('pricing.exchange_rate', '');

-- the same two change triggers as the 1.0 tables (see pricing--1.0.sql)
DO $$
DECLARE
	t pg_catalog.text;
BEGIN
	FOREACH t IN ARRAY ARRAY['rate_plan', 'occupancy', 'exchange_rate'] LOOP
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pricing.%I'
			' FOR EACH STATEMENT EXECUTE FUNCTION pricing.source_changed()', pg_catalog.concat(t, '_changed'), t);
		EXECUTE pg_catalog.format('ALTER TABLE pricing.%I ENABLE ALWAYS TRIGGER %I', t, pg_catalog.concat(t, '_changed'));
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON pricing.%I'
			' FOR EACH ROW EXECUTE FUNCTION pricing.source_changed()', pg_catalog.concat(t, '_applied'), t);
		EXECUTE pg_catalog.format('ALTER TABLE pricing.%I ENABLE REPLICA TRIGGER %I', t, pg_catalog.concat(t, '_applied'));
	END LOOP;
END
$$;

GRANT SELECT ON pricing.rate_plan, pricing.occupancy, pricing.exchange_rate
	TO pricing_reader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON pricing.rate_plan,
	pricing.occupancy, pricing.exchange_rate TO pricing_admin;

--
-- Readers of 1.1.  Like cheapest and quote, they answer from the index.
--
CREATE FUNCTION pricing.search(city text, checkin date, checkout date,
							   adults int DEFAULT 2, children int[] DEFAULT '{}',
							   max_results int DEFAULT 10, min_stars int DEFAULT 0,
							   max_total numeric DEFAULT NULL, currency char(3) DEFAULT NULL,
							   min_board text DEFAULT 'room_only',
							   free_cancellation boolean DEFAULT false,
							   booking_date date DEFAULT current_date)
RETURNS TABLE (hotel_id bigint, name text, stars smallint, room_id int, plan_id int,
			   plan_name text, board text, free_cancel_until date,
			   total numeric, currency char(3))
AS 'MODULE_PATHNAME', 'pricing_search'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 10;

CREATE FUNCTION pricing.offers(hotel_id bigint, checkin date, checkout date,
							   adults int DEFAULT 2, children int[] DEFAULT '{}',
							   booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, plan_name text, board text,
			   free_cancel_until date, nights int, base numeric, extra numeric,
			   discount numeric, board_fees numeric, fees numeric, vat numeric,
			   city_tax numeric, total numeric, currency char(3))
AS 'MODULE_PATHNAME', 'pricing_offers'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 8;

CREATE FUNCTION pricing.explain(hotel_id bigint, checkin date, checkout date,
								adults int DEFAULT 2, children int[] DEFAULT '{}',
								booking_date date DEFAULT current_date)
RETURNS TABLE (room_id int, plan_id int, reason text, night date)
AS 'MODULE_PATHNAME', 'pricing_explain'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 8;

--
-- Flexible dates: a month of prices, one per check-in date, in one call.
--
CREATE FUNCTION pricing.calendar(city text, first_checkin date, last_checkin date,
								 nights int, adults int DEFAULT 2, children int[] DEFAULT '{}',
								 min_stars int DEFAULT 0, currency char(3) DEFAULT NULL,
								 min_board text DEFAULT 'room_only',
								 free_cancellation boolean DEFAULT false,
								 booking_date date DEFAULT current_date)
RETURNS TABLE (checkin date, hotel_id bigint, name text, room_id int, plan_id int,
			   total numeric, currency char(3), hotels int)
AS 'MODULE_PATHNAME', 'pricing_calendar'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 30;

CREATE FUNCTION pricing.hotel_calendar(hotel_id bigint, first_checkin date,
									   last_checkin date, nights int,
									   adults int DEFAULT 2, children int[] DEFAULT '{}',
									   booking_date date DEFAULT current_date)
RETURNS TABLE (checkin date, room_id int, plan_id int, total numeric, currency char(3))
AS 'MODULE_PATHNAME', 'pricing_hotel_calendar'
LANGUAGE C VOLATILE PARALLEL SAFE ROWS 30;

-- Wake the worker: the commit of the update makes it load the 1.1 tables.
TRUNCATE pricing.rate_plan, pricing.occupancy, pricing.exchange_rate;
